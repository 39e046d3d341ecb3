// A read-only memory map of a whole file, as Storage for zero-copy views.
#pragma once

#include <memory>
#include <string>

#include "strided_array.hpp"

namespace mediaview {

// Maps `path` read-only; the storage's keepalive unmaps it when the last
// array using it is gone. Throws FileError.
std::shared_ptr<Storage> map_file(const std::string& path);

}  // namespace mediaview
