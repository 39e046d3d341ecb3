#include "interleaved_rows.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

namespace mediaview {
namespace {

template <typename In>
std::uint32_t luma(const In* s) {
    // Pillow's rgb2l; at 16 bits the same weights (PNG's rows.cpp does likewise).
    return (s[0] * 19595u + s[1] * 38470u + s[2] * 7471u + 0x8000u) >> 16;
}

template <typename In, typename Out>
Out sample(std::uint32_t x) {
    if constexpr (sizeof(In) == sizeof(Out)) return static_cast<Out>(x);
    else if constexpr (sizeof(In) > sizeof(Out)) return static_cast<Out>(x >> 8);
    else return static_cast<Out>(x * 257u);
}

template <typename In, typename Out>
void convert(const In* s, int in_channels, int width, PixelMode mode, std::uint8_t* out, Index pixel_stride) {
    const bool grey = in_channels <= 2;
    const int alpha = in_channels == 2 ? 1 : in_channels == 4 ? 3 : -1;
    const std::uint32_t opaque = sizeof(In) == 2 ? 0xFFFFu : 0xFFu;
    for (int x = 0; x < width; ++x, s += in_channels, out += pixel_stride) {
        Out* d = reinterpret_cast<Out*>(out);
        std::uint32_t r = s[0], g = grey ? s[0] : s[1], b = grey ? s[0] : s[2];
        std::uint32_t a = alpha >= 0 ? s[alpha] : opaque;
        switch (mode) {
            case PixelMode::L:
            case PixelMode::LA:
                d[0] = sample<In, Out>(grey ? s[0] : luma(s));
                if (mode == PixelMode::LA) d[1] = sample<In, Out>(a);
                break;
            case PixelMode::BGR:
            case PixelMode::BGRA:
                d[0] = sample<In, Out>(b), d[1] = sample<In, Out>(g), d[2] = sample<In, Out>(r);
                if (mode == PixelMode::BGRA) d[3] = sample<In, Out>(a);
                break;
            default:  // RGB, RGBA, RGBX
                d[0] = sample<In, Out>(r), d[1] = sample<In, Out>(g), d[2] = sample<In, Out>(b);
                if (mode == PixelMode::RGBA) d[3] = sample<In, Out>(a);
                if (mode == PixelMode::RGBX) d[3] = sample<In, Out>(opaque);
                break;
        }
    }
}

bool same_layout(int channels, PixelMode mode) {
    return (channels == 1 && mode == PixelMode::L) || (channels == 2 && mode == PixelMode::LA) ||
           (channels == 3 && mode == PixelMode::RGB) || (channels == 4 && mode == PixelMode::RGBA);
}

}  // namespace

void check_interleaved_mode(PixelMode mode, const char* format) {
    if (mode == PixelMode::CMYK)
        throw std::invalid_argument(std::string(format) +
                                    " decodes to RGB, BGR, RGBA, BGRA, RGBX, L or LA, not mode CMYK");
}

void convert_interleaved_row(InterleavedFormat in, const std::uint8_t* row, int width, PixelMode mode, DType dtype,
                             std::uint8_t* out, Index pixel_stride) {
    const bool out16 = dtype == DType::U16;
    if (in.wide == out16 && same_layout(in.channels, mode) && pixel_stride == in.bytes_per_pixel()) {
        std::memcpy(out, row, static_cast<std::size_t>(width) * in.bytes_per_pixel());
        return;
    }
    if (in.wide) {
        const auto* s = reinterpret_cast<const std::uint16_t*>(row);
        if (out16) convert<std::uint16_t, std::uint16_t>(s, in.channels, width, mode, out, pixel_stride);
        else convert<std::uint16_t, std::uint8_t>(s, in.channels, width, mode, out, pixel_stride);
    } else {
        if (out16) convert<std::uint8_t, std::uint16_t>(row, in.channels, width, mode, out, pixel_stride);
        else convert<std::uint8_t, std::uint8_t>(row, in.channels, width, mode, out, pixel_stride);
    }
}

void clear_target_rows(const PixelTarget& target, int first, int rows, int width, std::size_t pixel_bytes) {
    for (int y = first; y < rows; ++y) {
        std::uint8_t* d = target.data + y * target.row_stride;
        if (target.pixel_stride == static_cast<Index>(pixel_bytes)) {
            std::memset(d, 0, static_cast<std::size_t>(width) * pixel_bytes);
        } else {
            for (int x = 0; x < width; ++x, d += target.pixel_stride) std::memset(d, 0, pixel_bytes);
        }
    }
}

}  // namespace mediaview

namespace mediaview {
namespace {


bool identity_scale(const ScaleRequest& s) {
    if (s.at_least_size()) return true;  // MinSize: the full size is the only size the decoder makes
    return s.num > 0 && s.num == s.den;
}

}  // namespace

WholeFramePlan plan_whole_frame(const char* format, int width, int height, int orientation, PixelMode own,
                                const ImageRequest& request, std::uint64_t pixels, bool allow_float) {
    if (request.max_pixels != 0 && pixels > request.max_pixels)
        throw LimitError(std::string(format) + " image is " + std::to_string(width) + "x" + std::to_string(height) +
                         (pixels != static_cast<std::uint64_t>(width) * height ? " (all frames: " : " (") +
                         std::to_string(pixels) + " pixels)",
                         above_limit("max_pixels", request.max_pixels));
    if (!identity_scale(request.scale))
        throw std::invalid_argument("scale " + std::to_string(request.scale.num) + "/" +
                                    std::to_string(request.scale.den) + " is not supported: " + format +
                                    " decodes at full size only (use size= to resize)");
    WholeFramePlan plan;
    plan.mode = request.mode.value_or(own);
    check_interleaved_mode(plan.mode, format);
    plan.dtype = request.dtype.value_or(DType::U8);
    const bool is_float = allow_float && plan.dtype == DType::F32;
    if (plan.dtype != DType::U8 && plan.dtype != DType::U16 && !is_float)
        throw std::invalid_argument(std::string(format) + " decodes to uint8 or uint16" +
                                    (allow_float ? " or float32" : "") + ", not " + std::string(dtype_name(plan.dtype)));
    if (is_float && plan.mode != PixelMode::L && plan.mode != PixelMode::LA && plan.mode != PixelMode::RGB &&
        plan.mode != PixelMode::RGBA)
        throw std::invalid_argument(std::string(format) + " decodes float32 as L, LA, RGB or RGBA, not mode " +
                                    std::string(pixel_mode_name(plan.mode)));
    plan.crop = checked_crop(request, width, height, orientation);
    return plan;
}

}  // namespace mediaview
