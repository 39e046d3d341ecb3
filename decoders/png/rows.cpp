#include "rows.hpp"

#include <cstring>
#include <stdexcept>
#include <type_traits>

namespace mediaview::png {
namespace {

template <typename T>
T load(const std::uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

template <typename T>
void store(std::uint8_t* p, T v) {
    std::memcpy(p, &v, sizeof v);
}

// A sample of a packed row of 1, 2 or 4-bit samples, most significant first.
inline unsigned packed_sample(const std::uint8_t* row, std::uint32_t i, int depth) {
    unsigned per_byte = 8 / static_cast<unsigned>(depth);
    unsigned shift = 8 - static_cast<unsigned>(depth) * (i % per_byte + 1);
    return (row[i / per_byte] >> shift) & ((1u << depth) - 1);
}

constexpr std::uint32_t kR = 19595, kG = 38470, kB = 7471;

// One pixel of the own layout, read as r, g, b, a in the working type W.
template <Layout L, typename In, typename W>
inline void read_pixel(const std::uint8_t* p, W& r, W& g, W& b, W& a) {
    constexpr int n = L == Layout::L ? 1 : L == Layout::LA ? 2 : L == Layout::RGB ? 3 : 4;
    In v[n];
    std::memcpy(v, p, sizeof v);
    auto to_w = [](In x) -> W {
        if constexpr (sizeof(In) == sizeof(W)) return static_cast<W>(x);
        else if constexpr (sizeof(In) > sizeof(W)) return static_cast<W>(x >> 8);  // 16 -> 8: high byte
        else return static_cast<W>(x);  // never: the working type is never wider than the input
    };
    constexpr W max = static_cast<W>(~W(0));
    if constexpr (L == Layout::L) {
        r = g = b = to_w(v[0]);
        a = max;
    } else if constexpr (L == Layout::LA) {
        r = g = b = to_w(v[0]);
        a = to_w(v[1]);
    } else if constexpr (L == Layout::RGB) {
        r = to_w(v[0]);
        g = to_w(v[1]);
        b = to_w(v[2]);
        a = max;
    } else {
        r = to_w(v[0]);
        g = to_w(v[1]);
        b = to_w(v[2]);
        a = to_w(v[3]);
    }
}

template <Layout L, PixelMode M, typename In, typename Out>
void convert_kernel(const std::uint8_t* in, int width, std::uint8_t* out, Index pixel_stride) {
    // Work at 8 bits when either side is 8-bit, as Pillow (which holds 8-bit
    // colour only) reduces before converting.
    using W = std::conditional_t<sizeof(In) == 1 || sizeof(Out) == 1, std::uint8_t, std::uint16_t>;
    constexpr std::size_t in_pixel = static_cast<std::size_t>(L == Layout::L ? 1 : L == Layout::LA ? 2 : L == Layout::RGB ? 3 : 4) * sizeof(In);
    constexpr bool grey_in = L == Layout::L || L == Layout::LA;
    auto out_v = [](W x) -> Out {
        if constexpr (sizeof(Out) > sizeof(W)) return static_cast<Out>(x * 257u);
        else return static_cast<Out>(x);
    };
    constexpr Out out_max = static_cast<Out>(~Out(0));
    for (int i = 0; i < width; ++i, in += in_pixel, out += pixel_stride) {
        W r, g, b, a;
        read_pixel<L, In, W>(in, r, g, b, a);
        if constexpr (M == PixelMode::L || M == PixelMode::LA) {
            W y = grey_in ? r : static_cast<W>((kR * r + kG * g + kB * b + 0x8000u) >> 16);
            store<Out>(out, out_v(y));
            if constexpr (M == PixelMode::LA) store<Out>(out + sizeof(Out), out_v(a));
        } else if constexpr (M == PixelMode::RGB || M == PixelMode::RGBA || M == PixelMode::RGBX) {
            store<Out>(out, out_v(r));
            store<Out>(out + sizeof(Out), out_v(g));
            store<Out>(out + 2 * sizeof(Out), out_v(b));
            if constexpr (M == PixelMode::RGBA) store<Out>(out + 3 * sizeof(Out), out_v(a));
            if constexpr (M == PixelMode::RGBX) store<Out>(out + 3 * sizeof(Out), out_max);
        } else if constexpr (M == PixelMode::BGR || M == PixelMode::BGRA) {
            store<Out>(out, out_v(b));
            store<Out>(out + sizeof(Out), out_v(g));
            store<Out>(out + 2 * sizeof(Out), out_v(r));
            if constexpr (M == PixelMode::BGRA) store<Out>(out + 3 * sizeof(Out), out_v(a));
        }
    }
}

template <Layout L, typename In, typename Out>
void convert_for_mode(PixelMode mode, const std::uint8_t* in, int width, std::uint8_t* out, Index stride) {
    switch (mode) {
        case PixelMode::L: return convert_kernel<L, PixelMode::L, In, Out>(in, width, out, stride);
        case PixelMode::LA: return convert_kernel<L, PixelMode::LA, In, Out>(in, width, out, stride);
        case PixelMode::RGB: return convert_kernel<L, PixelMode::RGB, In, Out>(in, width, out, stride);
        case PixelMode::RGBA: return convert_kernel<L, PixelMode::RGBA, In, Out>(in, width, out, stride);
        case PixelMode::RGBX: return convert_kernel<L, PixelMode::RGBX, In, Out>(in, width, out, stride);
        case PixelMode::BGR: return convert_kernel<L, PixelMode::BGR, In, Out>(in, width, out, stride);
        case PixelMode::BGRA: return convert_kernel<L, PixelMode::BGRA, In, Out>(in, width, out, stride);
        case PixelMode::CMYK: break;
    }
    throw std::invalid_argument("PNG cannot be decoded as CMYK");
}

template <typename In, typename Out>
void convert_for_layout(Layout layout, PixelMode mode, const std::uint8_t* in, int width, std::uint8_t* out,
                        Index stride) {
    switch (layout) {
        case Layout::L: return convert_for_mode<Layout::L, In, Out>(mode, in, width, out, stride);
        case Layout::LA: return convert_for_mode<Layout::LA, In, Out>(mode, in, width, out, stride);
        case Layout::RGB: return convert_for_mode<Layout::RGB, In, Out>(mode, in, width, out, stride);
        case Layout::RGBA: return convert_for_mode<Layout::RGBA, In, Out>(mode, in, width, out, stride);
    }
}

template <typename T>
void expand_key(const std::uint8_t* raw, std::uint8_t* out, std::uint32_t width, bool colour,
                const RawFormat& f) {
    constexpr T opaque = static_cast<T>(~T(0));
    int n = colour ? 3 : 1;
    for (std::uint32_t i = 0; i < width; ++i) {
        T v[3];
        std::memcpy(v, raw, n * sizeof(T));
        raw += n * sizeof(T);
        bool transparent = colour ? (v[0] == f.trns_red && v[1] == f.trns_green && v[2] == f.trns_blue)
                                  : v[0] == f.trns_gray;
        std::memcpy(out, v, n * sizeof(T));
        out += n * sizeof(T);
        store<T>(out, transparent ? T(0) : opaque);
        out += sizeof(T);
    }
}

}  // namespace

int channels_of(Layout layout) {
    switch (layout) {
        case Layout::L: return 1;
        case Layout::LA: return 2;
        case Layout::RGB: return 3;
        case Layout::RGBA: return 4;
    }
    return 1;
}

PixelMode mode_of(Layout layout) {
    switch (layout) {
        case Layout::L: return PixelMode::L;
        case Layout::LA: return PixelMode::LA;
        case Layout::RGB: return PixelMode::RGB;
        case Layout::RGBA: return PixelMode::RGBA;
    }
    return PixelMode::RGB;
}

Layout RawFormat::layout() const {
    switch (color_type) {
        case 0: return apply_trns ? Layout::LA : Layout::L;
        case 2: return apply_trns ? Layout::RGBA : Layout::RGB;
        case 3: return apply_trns ? Layout::RGBA : Layout::RGB;
        case 4: return Layout::LA;
        default: return Layout::RGBA;
    }
}

bool RawFormat::needs_expand() const { return color_type == 3 || bit_depth < 8 || apply_trns; }

std::size_t RawFormat::raw_row_bytes(std::uint32_t width) const {
    int samples = color_type == 2 ? 3 : color_type == 4 ? 2 : color_type == 6 ? 4 : 1;
    return (static_cast<std::size_t>(width) * samples * bit_depth + 7) / 8;
}

std::size_t RawFormat::expanded_row_bytes(std::uint32_t width) const {
    return static_cast<std::size_t>(width) * channels_of(layout()) * (depth() / 8);
}

void expand_row(const RawFormat& f, const std::uint8_t* raw, std::uint8_t* out, std::uint32_t width) {
    if (f.color_type == 3) {
        bool alpha = f.apply_trns;
        for (std::uint32_t i = 0; i < width; ++i) {
            unsigned index = f.bit_depth == 8 ? raw[i] : packed_sample(raw, i, f.bit_depth);
            const auto& e = f.palette[index];
            out[0] = e[0];
            out[1] = e[1];
            out[2] = e[2];
            if (alpha) out[3] = e[3];
            out += alpha ? 4 : 3;
        }
        return;
    }
    if (f.color_type == 0 && f.bit_depth < 8) {
        // Scaled to 8 bits as Pillow's L;1, L;2, L;4 unpackers do: 255 / (2^d - 1).
        unsigned scale = f.bit_depth == 1 ? 255 : f.bit_depth == 2 ? 85 : 17;
        for (std::uint32_t i = 0; i < width; ++i) {
            unsigned v = packed_sample(raw, i, f.bit_depth);
            *out++ = static_cast<std::uint8_t>(v * scale);
            if (f.apply_trns) *out++ = v == f.trns_gray ? 0 : 255;
        }
        return;
    }
    // 8 or 16-bit grey or RGB with a tRNS key colour.
    bool colour = f.color_type == 2;
    if (f.bit_depth == 16)
        expand_key<std::uint16_t>(raw, out, width, colour, f);
    else
        expand_key<std::uint8_t>(raw, out, width, colour, f);
}

void convert_row(Layout layout, int depth, const std::uint8_t* in, int x0, int width, PixelMode mode, DType dtype,
                 std::uint8_t* out, Index pixel_stride) {
    std::size_t in_pixel = static_cast<std::size_t>(channels_of(layout)) * (depth / 8);
    in += static_cast<std::size_t>(x0) * in_pixel;
    bool out16 = dtype == DType::U16;
    if (mode == mode_of(layout) && out16 == (depth == 16) && pixel_stride == static_cast<Index>(in_pixel)) {
        std::memcpy(out, in, in_pixel * static_cast<std::size_t>(width));
        return;
    }
    if (depth == 16) {
        if (out16) convert_for_layout<std::uint16_t, std::uint16_t>(layout, mode, in, width, out, pixel_stride);
        else convert_for_layout<std::uint16_t, std::uint8_t>(layout, mode, in, width, out, pixel_stride);
    } else {
        if (out16) convert_for_layout<std::uint8_t, std::uint16_t>(layout, mode, in, width, out, pixel_stride);
        else convert_for_layout<std::uint8_t, std::uint8_t>(layout, mode, in, width, out, pixel_stride);
    }
}

}  // namespace mediaview::png
