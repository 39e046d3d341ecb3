// Row conversion for the PNG decoder. libspng hands over each row in the
// file's own layout (SPNG_FMT_PNG: samples packed as stored, 16-bit in host
// order); these functions turn it into what the caller asked for, with the
// arithmetic Pillow uses, so an 8-bit result equals Pillow's exactly:
//   1. expand: palette entries, low bit depths (a 1-bit 1 is 255, a 2-bit 1
//      is 85) and tRNS key colours give the "own layout" (L, LA, RGB, RGBA)
//      at 8 or 16 bits;
//   2. convert: own layout -> requested mode and element type. 16 -> 8 bits
//      keeps the high byte (libspng, and Pillow's RGB;16B unpackers), 8 -> 16
//      bits multiplies by 257; grey from colour is Pillow's
//      (19595 R + 38470 G + 7471 B + 0x8000) >> 16, computed at 8 bits when
//      either side is 8-bit (Pillow reduces first) and at 16 bits otherwise.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "src/image_codec.hpp"

namespace mediaview::png {

enum class Layout { L, LA, RGB, RGBA };

int channels_of(Layout layout);
PixelMode mode_of(Layout layout);

// What libspng's rows hold and how they expand.
struct RawFormat {
    int color_type = 0;  // PNG colour type: 0, 2, 3, 4, 6
    int bit_depth = 8;
    bool apply_trns = false;  // a tRNS chunk, and the output keeps alpha
    std::uint16_t trns_gray = 0, trns_red = 0, trns_green = 0, trns_blue = 0;
    std::array<std::array<std::uint8_t, 4>, 256> palette{};  // RGBA; missing entries are opaque black

    // The layout after expansion, and its depth (8 or 16).
    Layout layout() const;
    int depth() const { return bit_depth == 16 ? 16 : 8; }
    // Whether a raw row must be expanded before conversion.
    bool needs_expand() const;
    // Bytes of a raw row (as libspng writes it for SPNG_FMT_PNG).
    std::size_t raw_row_bytes(std::uint32_t width) const;
    // Bytes of an expanded row.
    std::size_t expanded_row_bytes(std::uint32_t width) const;
};

// Raw row -> own layout, `width` pixels.
void expand_row(const RawFormat& format, const std::uint8_t* raw, std::uint8_t* out, std::uint32_t width);

// Own layout (at `depth` bits) -> `mode`/`dtype`: `width` pixels from column
// `x0` of `in`, written `pixel_stride` bytes apart from `out`.
void convert_row(Layout layout, int depth, const std::uint8_t* in, int x0, int width, PixelMode mode, DType dtype,
                 std::uint8_t* out, Index pixel_stride);

}  // namespace mediaview::png
