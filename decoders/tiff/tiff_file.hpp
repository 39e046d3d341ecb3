// A TIFF opened from memory through libtiff 4.5, with every error and
// warning libtiff raises kept on the handle (TIFFOpenOptions' per-handle
// handlers: thread-safe, never printed) and a cap on any single allocation
// libtiff makes, so a header asking for gigabytes of strip offsets fails
// typed instead of allocating.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <tiffio.h>

#include "src/codec.hpp"
#include "src/errors.hpp"

namespace mediaview::tiff {

// Where libtiff reads from: the caller's bytes (mapped, so uncompressed
// strips are read without a copy into libtiff's own buffer).
struct MemorySource {
    const std::uint8_t* data;
    std::uint64_t size;
    std::uint64_t at = 0;
};

class File {
public:
    // Throws DecodeError (not a TIFF, or a first directory libtiff refuses).
    File(ByteSpan data, std::uint64_t max_alloc);
    ~File();
    File(const File&) = delete;
    File& operator=(const File&) = delete;

    TIFF* get() const { return tif_; }
    std::uint64_t size() const { return source_.size; }
    // The pages, counted by libtiff (which refuses an IFD loop), capped.
    int pages();
    // Makes page k current; throws std::invalid_argument or DecodeError.
    void select(int page);
    // libtiff's messages since the last call (errors first), then cleared.
    std::vector<std::string> take_errors();
    std::vector<std::string> take_warnings();

    std::vector<std::string> errors, warnings;

private:
    MemorySource source_;
    TIFF* tif_ = nullptr;
    int pages_ = -1;
};

}  // namespace mediaview::tiff
