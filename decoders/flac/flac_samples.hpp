// Sample conversion for the FLAC decoder: libFLAC's planar, right-justified
// samples to the caller's interleaved dtype, by libsndfile's rules (see
// flac_codec.hpp).
#pragma once

#include <FLAC/ordinals.h>

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "src/dtype.hpp"

namespace mediaview::flac::detail {

// One fixed rule per dtype for a b-bit sample s (see flac_codec.hpp), in the
// form that costs least per sample: int32 s << (32 - b); int16 the top 16
// bits of that (s << (16 - b) or s >> (b - 16)); float s * 2^(1-b), which is
// exactly the left-justified value / 2^31 (scaling by a power of two is exact).
// The pending buffer holds left-justified samples: b = 32 there.
template <typename T>
struct Converter;
template <>
struct Converter<std::int16_t> {
    explicit Converter(unsigned bits) : up(bits < 16 ? 16 - bits : 0), down(bits > 16 ? bits - 16 : 0) {}
    std::int16_t operator()(std::int32_t s) const {
        return static_cast<std::int16_t>(static_cast<std::int32_t>(static_cast<std::uint32_t>(s) << up) >> down);
    }
    unsigned up, down;
};
template <>
struct Converter<std::int32_t> {
    explicit Converter(unsigned bits) : up(32 - bits) {}
    std::int32_t operator()(std::int32_t s) const {
        return static_cast<std::int32_t>(static_cast<std::uint32_t>(s) << up);
    }
    unsigned up;
};
template <>
struct Converter<float> {
    explicit Converter(unsigned bits) : scale(std::ldexp(1.0f, 1 - static_cast<int>(bits))) {}
    float operator()(std::int32_t s) const { return static_cast<float>(s) * scale; }
    float scale;
};
template <>
struct Converter<double> {
    explicit Converter(unsigned bits) : scale(std::ldexp(1.0, 1 - static_cast<int>(bits))) {}
    double operator()(std::int32_t s) const { return static_cast<double>(s) * scale; }
    double scale;
};

// Planar libFLAC output [offset, offset+n) to interleaved T. Mono and stereo
// get loops of their own: the compiler vectorises those.
template <typename T>
void interleave(const FLAC__int32* const* planes, int channels, std::size_t offset, std::size_t n, unsigned bits,
                T* out) {
    const Converter<T> conv(bits);
    if (channels == 2) {
        const FLAC__int32* a = planes[0] + offset;
        const FLAC__int32* b = planes[1] + offset;
        for (std::size_t i = 0; i < n; ++i) {
            out[2 * i] = conv(a[i]);
            out[2 * i + 1] = conv(b[i]);
        }
    } else if (channels == 1) {
        const FLAC__int32* a = planes[0] + offset;
        for (std::size_t i = 0; i < n; ++i) out[i] = conv(a[i]);
    } else {
        for (int c = 0; c < channels; ++c) {
            const FLAC__int32* a = planes[c] + offset;
            for (std::size_t i = 0; i < n; ++i) out[i * channels + c] = conv(a[i]);
        }
    }
}

// interleave() for the caller's dtype.
void interleave_as(DType dtype, const FLAC__int32* const* planes, int channels, std::size_t offset, std::size_t n,
                   unsigned bits, void* out);

// Left-justified samples (the pending buffer) to the caller's dtype.
void convert_as(DType dtype, const std::int32_t* in, std::size_t n, void* out);

}  // namespace mediaview::flac::detail
