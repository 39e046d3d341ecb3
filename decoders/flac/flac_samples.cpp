#include "flac_samples.hpp"

namespace mediaview::flac::detail {

namespace {

// Left-justified samples (the pending buffer) to T.
template <typename T>
void convert_run(const std::int32_t* in, std::size_t n, T* out) {
    const Converter<T> conv(32);
    for (std::size_t i = 0; i < n; ++i) out[i] = conv(in[i]);
}

}  // namespace

void interleave_as(DType dtype, const FLAC__int32* const* planes, int channels, std::size_t offset, std::size_t n,
                   unsigned bits, void* out) {
    switch (dtype) {
        case DType::I16: return interleave(planes, channels, offset, n, bits, static_cast<std::int16_t*>(out));
        case DType::I32: return interleave(planes, channels, offset, n, bits, static_cast<std::int32_t*>(out));
        case DType::F32: return interleave(planes, channels, offset, n, bits, static_cast<float*>(out));
        case DType::F64: return interleave(planes, channels, offset, n, bits, static_cast<double*>(out));
        default: break;
    }
}

void convert_as(DType dtype, const std::int32_t* in, std::size_t n, void* out) {
    switch (dtype) {
        case DType::I16: return convert_run(in, n, static_cast<std::int16_t*>(out));
        case DType::I32: return convert_run(in, n, static_cast<std::int32_t*>(out));
        case DType::F32: return convert_run(in, n, static_cast<float*>(out));
        case DType::F64: return convert_run(in, n, static_cast<double*>(out));
        default: break;
    }
}

}  // namespace mediaview::flac::detail
