// Element types and their CPython struct format codes.
#pragma once

#include <cstddef>
#include <string_view>

namespace mediaview {

// U32 and F16 are TIFF's 32-bit unsigned and 16-bit float samples (IEEE
// half, stored as its bits: format code 'e').
enum class DType { U8, U16, I16, I32, F32, F64, U32, F16 };

// The struct-module format code for each type, native byte order.
constexpr char format_code(DType t) {
    switch (t) {
        case DType::U8: return 'B';
        case DType::U16: return 'H';
        case DType::I16: return 'h';
        case DType::I32: return 'i';
        case DType::F32: return 'f';
        case DType::F64: return 'd';
        case DType::U32: return 'I';
        case DType::F16: return 'e';
    }
    return 'B';
}

constexpr std::size_t itemsize(DType t) {
    switch (t) {
        case DType::U8: return 1;
        case DType::U16: return 2;
        case DType::I16: return 2;
        case DType::I32: return 4;
        case DType::F32: return 4;
        case DType::F64: return 8;
        case DType::U32: return 4;
        case DType::F16: return 2;
    }
    return 1;
}

// Accepts numpy-style names ("uint8", "int16", "float32", ...).
// Throws std::invalid_argument for anything else.
DType dtype_from_name(std::string_view name);
std::string_view dtype_name(DType t);

}  // namespace mediaview
