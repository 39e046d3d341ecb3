#include "dtype.hpp"

#include <stdexcept>
#include <string>

namespace mediaview {

DType dtype_from_name(std::string_view name) {
    if (name == "uint8") return DType::U8;
    if (name == "uint16") return DType::U16;
    if (name == "int16") return DType::I16;
    if (name == "int32") return DType::I32;
    if (name == "float32") return DType::F32;
    if (name == "float64") return DType::F64;
    if (name == "uint32") return DType::U32;
    if (name == "float16") return DType::F16;
    throw std::invalid_argument("unknown dtype '" + std::string(name) +
                                "' (expected uint8, uint16, uint32, int16, int32, float16, float32 or float64)");
}

std::string_view dtype_name(DType t) {
    switch (t) {
        case DType::U8: return "uint8";
        case DType::U16: return "uint16";
        case DType::I16: return "int16";
        case DType::I32: return "int32";
        case DType::F32: return "float32";
        case DType::F64: return "float64";
        case DType::U32: return "uint32";
        case DType::F16: return "float16";
    }
    return "uint8";
}

}  // namespace mediaview
