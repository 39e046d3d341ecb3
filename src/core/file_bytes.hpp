// Reading a whole file into an aligned block, without Python, so it can run
// with the GIL released.
#pragma once

#include <stdexcept>
#include <string>

#include "aligned_buffer.hpp"

namespace mediaview {

// An operating-system error on a named file; the binding layer raises the
// matching OSError subclass (FileNotFoundError, IsADirectoryError, ...).
struct FileError : std::runtime_error {
    FileError(int errnum, std::string path);
    int errnum;
    std::string path;
};

AlignedBuffer read_file(const std::string& path);

// The extension of a path's last component, lower case, without the dot
// ("" when there is none).
std::string lowercase_extension(const std::string& path);

}  // namespace mediaview
