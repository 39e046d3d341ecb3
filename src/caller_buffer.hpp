// A caller's buffer as plain C++: what the binding layer found in a
// Py_buffer, described once, so that out= and every input array are checked
// by one piece of code in the core, whoever calls it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strided_array.hpp"

namespace mediaview {

struct CallerBuffer {
    std::uint8_t* data = nullptr;    // address of element (0, ..., 0)
    std::string format;              // struct format code ("B", "<h", "f", ...)
    std::size_t itemsize = 1;
    std::vector<Index> shape;
    std::vector<Index> strides;      // bytes, may be negative
    bool writable = false;
    std::shared_ptr<void> keepalive;  // holds the caller's export

    // The element type named by `format` (native or, for one-byte items, any
    // byte order) when its itemsize matches; else nullopt.
    std::optional<DType> dtype() const;
    // The format as the user would recognise it, for messages.
    std::string format_name() const { return format.empty() ? "B" : format; }
    // The buffer as an array (storage spanning its lowest to highest byte,
    // held by keepalive). Throws std::invalid_argument when its element type
    // is none of ours.
    StridedArray array() const;
};

// "(3, 4)" / "(5,)", for messages about shapes.
std::string describe_shape(const std::vector<Index>& shape);

// out=, for every operation: the caller's buffer as an array after checking
// that it is writable, holds `dtype` elements and has exactly `shape`
// (`what` names the result in the message: "the decoded image"). Each
// operation then checks the strides it needs.
StridedArray checked_out(const CallerBuffer& out, DType dtype, const std::vector<Index>& shape, const char* what);

}  // namespace mediaview
