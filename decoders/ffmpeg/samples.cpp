#include "samples.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

extern "C" {
#include <libavutil/samplefmt.h>
}

namespace mediaview::ffmpeg {
namespace {

template <typename I>
I saturated(double v, double scale) {
    constexpr double lo = static_cast<double>(std::numeric_limits<I>::min());
    constexpr double hi = static_cast<double>(std::numeric_limits<I>::max());
    v *= scale;
    if (!(v > lo)) v = lo;  // NaN becomes the minimum rather than undefined behaviour
    else if (v > hi) v = hi;
    return static_cast<I>(std::nearbyint(v));
}

// One sample of source type S as destination type D.
template <typename D, typename S>
D convert(S s);

// float and double sources
template <> inline float convert<float, float>(float s) { return s; }
template <> inline double convert<double, float>(float s) { return s; }
template <> inline std::int16_t convert<std::int16_t, float>(float s) { return saturated<std::int16_t>(s, 32768.0); }
template <> inline std::int32_t convert<std::int32_t, float>(float s) { return saturated<std::int32_t>(s, 2147483648.0); }
template <> inline float convert<float, double>(double s) { return static_cast<float>(s); }
template <> inline double convert<double, double>(double s) { return s; }
template <> inline std::int16_t convert<std::int16_t, double>(double s) { return saturated<std::int16_t>(s, 32768.0); }
template <> inline std::int32_t convert<std::int32_t, double>(double s) { return saturated<std::int32_t>(s, 2147483648.0); }
// int16 sources
template <> inline float convert<float, std::int16_t>(std::int16_t s) { return static_cast<float>(s) * (1.0f / 32768.0f); }
template <> inline double convert<double, std::int16_t>(std::int16_t s) { return s * (1.0 / 32768.0); }
template <> inline std::int16_t convert<std::int16_t, std::int16_t>(std::int16_t s) { return s; }
template <> inline std::int32_t convert<std::int32_t, std::int16_t>(std::int16_t s) {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(s) << 16);
}
// int32 sources
template <> inline float convert<float, std::int32_t>(std::int32_t s) { return static_cast<float>(s * (1.0 / 2147483648.0)); }
template <> inline double convert<double, std::int32_t>(std::int32_t s) { return s * (1.0 / 2147483648.0); }
template <> inline std::int16_t convert<std::int16_t, std::int32_t>(std::int32_t s) { return static_cast<std::int16_t>(s >> 16); }
template <> inline std::int32_t convert<std::int32_t, std::int32_t>(std::int32_t s) { return s; }

// Unsigned 8-bit PCM is centred and widened to int16 first.
template <typename D>
D convert_u8(std::uint8_t s) {
    return convert<D, std::int16_t>(static_cast<std::int16_t>((static_cast<int>(s) - 128) * 256));
}
template <> inline float convert<float, std::uint8_t>(std::uint8_t s) { return convert_u8<float>(s); }
template <> inline double convert<double, std::uint8_t>(std::uint8_t s) { return convert_u8<double>(s); }
template <> inline std::int16_t convert<std::int16_t, std::uint8_t>(std::uint8_t s) { return convert_u8<std::int16_t>(s); }
template <> inline std::int32_t convert<std::int32_t, std::uint8_t>(std::uint8_t s) { return convert_u8<std::int32_t>(s); }

template <typename D, typename S>
void copy_channel(const S* src, std::ptrdiff_t step, D* dst, int channels, int count) {
    for (int i = 0; i < count; ++i) dst[static_cast<std::ptrdiff_t>(i) * channels] = convert<D, S>(src[i * step]);
}

template <typename D, typename S>
void convert_as(const AVFrame& frame, bool planar, int channels, int from, int count, D* dst) {
    const int stored = frame.ch_layout.nb_channels;
    for (int c = 0; c < channels; ++c) {
        const S* src;
        std::ptrdiff_t step;
        if (planar) {
            src = reinterpret_cast<const S*>(frame.extended_data[c]) + from;
            step = 1;
        } else {
            src = reinterpret_cast<const S*>(frame.extended_data[0]) + static_cast<std::ptrdiff_t>(from) * stored + c;
            step = stored;
        }
        copy_channel<D, S>(src, step, dst + c, channels, count);
    }
}

template <typename D>
void convert_to(const AVFrame& frame, int channels, int from, int count, D* dst) {
    const auto fmt = static_cast<AVSampleFormat>(frame.format);
    switch (fmt) {
        case AV_SAMPLE_FMT_FLT: return convert_as<D, float>(frame, false, channels, from, count, dst);
        case AV_SAMPLE_FMT_FLTP: return convert_as<D, float>(frame, true, channels, from, count, dst);
        case AV_SAMPLE_FMT_DBL: return convert_as<D, double>(frame, false, channels, from, count, dst);
        case AV_SAMPLE_FMT_DBLP: return convert_as<D, double>(frame, true, channels, from, count, dst);
        case AV_SAMPLE_FMT_S16: return convert_as<D, std::int16_t>(frame, false, channels, from, count, dst);
        case AV_SAMPLE_FMT_S16P: return convert_as<D, std::int16_t>(frame, true, channels, from, count, dst);
        case AV_SAMPLE_FMT_S32: return convert_as<D, std::int32_t>(frame, false, channels, from, count, dst);
        case AV_SAMPLE_FMT_S32P: return convert_as<D, std::int32_t>(frame, true, channels, from, count, dst);
        case AV_SAMPLE_FMT_U8: return convert_as<D, std::uint8_t>(frame, false, channels, from, count, dst);
        case AV_SAMPLE_FMT_U8P: return convert_as<D, std::uint8_t>(frame, true, channels, from, count, dst);
        default: break;
    }
    throw std::logic_error("unconvertible sample format reached convert_frames");
}

}  // namespace

bool convertible(int sample_format) {
    switch (static_cast<AVSampleFormat>(sample_format)) {
        case AV_SAMPLE_FMT_FLT: case AV_SAMPLE_FMT_FLTP: case AV_SAMPLE_FMT_DBL: case AV_SAMPLE_FMT_DBLP:
        case AV_SAMPLE_FMT_S16: case AV_SAMPLE_FMT_S16P: case AV_SAMPLE_FMT_S32: case AV_SAMPLE_FMT_S32P:
        case AV_SAMPLE_FMT_U8: case AV_SAMPLE_FMT_U8P:
            return true;
        default:
            return false;
    }
}

void convert_frames(const AVFrame& frame, int channels, int from, int count, DType dtype, std::uint8_t* dst) {
    switch (dtype) {
        case DType::I16: return convert_to(frame, channels, from, count, reinterpret_cast<std::int16_t*>(dst));
        case DType::I32: return convert_to(frame, channels, from, count, reinterpret_cast<std::int32_t*>(dst));
        case DType::F32: return convert_to(frame, channels, from, count, reinterpret_cast<float*>(dst));
        case DType::F64: return convert_to(frame, channels, from, count, reinterpret_cast<double*>(dst));
        default: break;
    }
    throw std::invalid_argument("audio dtype must be int16, int32, float32 or float64");
}

}  // namespace mediaview::ffmpeg
