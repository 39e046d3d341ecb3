// Reading a whole file into an aligned block, without Python, so it can run
// with the GIL released.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aligned_buffer.hpp"
#include "errors.hpp"

namespace mediaview {

// An operating-system error on a named file; the binding layer raises the
// matching OSError subclass (FileNotFoundError, IsADirectoryError, ...).
struct FileError : Error {
    FileError(int errnum, std::string path);
    int errnum;
    std::string path;
};

// A regular file opened for reading: the one way every reader of paths
// opens them, so all refuse the same things alike. O_NONBLOCK keeps opening
// a FIFO from waiting forever for a writer; a directory raises FileError
// (EISDIR), and a FIFO, device or socket UnsupportedFormatError (they have
// no size, and /dev/zero no end).
class RegularFile {
public:
    explicit RegularFile(const std::string& path);
    ~RegularFile();
    RegularFile(const RegularFile&) = delete;
    RegularFile& operator=(const RegularFile&) = delete;

    int fd() const { return fd_; }
    std::size_t size() const { return size_; }  // when opened

private:
    int fd_ = -1;
    std::size_t size_ = 0;
};

AlignedBuffer read_file(const std::string& path);
// The first `limit` bytes (fewer when the file is shorter), for sniffing.
std::vector<std::uint8_t> read_head(const std::string& path, std::size_t limit);

// The extension of a path's last component, lower case, without the dot
// ("" when there is none).
std::string lowercase_extension(const std::string& path);

}  // namespace mediaview
