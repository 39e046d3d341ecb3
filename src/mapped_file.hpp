// A read-only memory map of a whole file as array storage: the map is
// released (munmap) when the last array or view using it goes away.
#pragma once

#include <memory>
#include <string>

#include "strided_array.hpp"

namespace mediaview {

// Throws FileError when the file cannot be opened or mapped. The storage is
// read-only. An empty file gives empty storage.
std::shared_ptr<Storage> map_file_readonly(const std::string& path);

}  // namespace mediaview
