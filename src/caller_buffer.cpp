#include "caller_buffer.hpp"

#include <cstring>
#include <stdexcept>

namespace mediaview {

std::optional<DType> CallerBuffer::dtype() const {
    std::string f = format.empty() ? "B" : format;
    const std::uint16_t one = 1;
    unsigned char first_byte;
    std::memcpy(&first_byte, &one, 1);
    const char host_order = first_byte == 1 ? '<' : '>';
    // '@', '=' and the host's own order are native; a one-byte item has no
    // byte order, so any prefix will do.
    bool native = f[0] == '@' || f[0] == '=' || f[0] == host_order;
    bool any_order = itemsize == 1 && (f[0] == '<' || f[0] == '>' || f[0] == '!');
    if (native || any_order) f.erase(0, 1);
    if (f.size() != 1) return std::nullopt;
    for (DType t : {DType::U8, DType::U16, DType::I16, DType::I32, DType::F32, DType::F64, DType::U32, DType::F16})
        if (f[0] == format_code(t) && itemsize == mediaview::itemsize(t)) return t;
    if (f[0] == 'l' && itemsize == 4) return DType::I32;  // C long where it is 32 bits
    return std::nullopt;
}

StridedArray CallerBuffer::array() const {
    std::optional<DType> t = dtype();
    if (!t) throw std::invalid_argument("elements of format '" + format_name() + "' are not supported");
    // The storage spans the lowest to the highest byte; data may sit inside
    // that span when some strides are negative.
    Index lo = 0, hi = static_cast<Index>(itemsize);
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == 0) {
            lo = hi = 0;
            break;
        }
        Index extent = (shape[i] - 1) * strides[i];
        (extent < 0 ? lo : hi) += extent;
    }
    auto storage = std::make_shared<Storage>();
    storage->data = data + lo;
    storage->size = static_cast<std::size_t>(hi - lo);
    storage->writable = writable;
    storage->keepalive = keepalive;
    return StridedArray(std::move(storage), *t, shape, strides, -lo);
}

std::string describe_shape(const std::vector<Index>& shape) {
    std::string text = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + (shape.size() == 1 ? ",)" : ")");
}

StridedArray checked_out(const CallerBuffer& out, DType dtype, const std::vector<Index>& shape, const char* what) {
    if (!out.writable) throw std::invalid_argument("out must be a writable buffer");
    if (out.dtype() != dtype)
        throw std::invalid_argument("out must hold " + std::string(dtype_name(dtype)) + " elements (format '" +
                                    format_code(dtype) + "'), not format '" + out.format_name() + "'");
    if (out.shape != shape)
        throw std::invalid_argument("out has shape " + describe_shape(out.shape) + " but " + what + " has shape " +
                                    describe_shape(shape));
    return out.array();
}

}  // namespace mediaview
