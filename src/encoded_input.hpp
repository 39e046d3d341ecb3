// The encoded bytes a streaming decoder reads through its library's I/O
// callbacks (libFLAC, libavformat): a regular file read with pread (never
// mapped: a file truncated while we read it must end the stream, not raise
// SIGBUS), or memory the caller keeps alive. One cursor, reads that stop at
// the end, and reads at an offset that leave the cursor alone.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "codec.hpp"
#include "file_bytes.hpp"

namespace mediaview {

class EncodedInput {
public:
    // `path` when not empty, else `bytes`. An empty input is an
    // UnsupportedFormatError naming it.
    EncodedInput(const std::string& path, ByteSpan bytes);

    // Up to n bytes at the cursor, moving it; 0 at the end, -1 on an OS
    // error. A file that shrinks under us ends where it now ends.
    std::int64_t read(std::uint8_t* dst, std::size_t n);
    // lseek's rules (SEEK_SET, SEEK_CUR, SEEK_END): the new position, or -1.
    // Past the end is allowed; reads there give nothing.
    std::int64_t seek(std::int64_t offset, int whence);
    std::int64_t tell() const { return pos_; }
    std::int64_t size() const { return size_; }
    bool eof() const { return pos_ >= size_; }
    // Up to n bytes at `offset` (fewer at the end); the cursor stays.
    std::vector<std::uint8_t> bytes_at(std::int64_t offset, std::size_t n) const;
    std::vector<std::uint8_t> head(std::size_t n) const { return bytes_at(0, n); }

private:
    std::unique_ptr<RegularFile> file_;
    const std::uint8_t* data_ = nullptr;
    std::int64_t size_ = 0;
    std::int64_t pos_ = 0;
};

}  // namespace mediaview
