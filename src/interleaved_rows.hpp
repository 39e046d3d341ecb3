// Converting rows of interleaved L, LA, RGB or RGBA pixels (8 or 16 bits a
// sample, host order) into any requested mode and element type, for the
// codecs whose library hands over whole RGB(A) rows (AVIF, JPEG XL, HEIF).
// The arithmetic is the PNG decoder's, so the dtype and mode rules match:
// 16 -> 8 bits keeps the high byte, 8 -> 16 bits multiplies by 257, grey
// from colour is Pillow's (19595 R + 38470 G + 7471 B + 0x8000) >> 16 at the
// input's depth. (The codecs ask their library for the output's depth where
// it can give it, so the 16 -> 8 step is rarely taken.)
#pragma once

#include <cstdint>

#include "image_codec.hpp"

namespace mediaview {

// `in_channels` 1-4 is L, LA, RGB, RGBA; `in16` whether samples are uint16.
struct InterleavedFormat {
    int channels = 4;
    bool wide = false;
    int bytes_per_pixel() const { return channels * (wide ? 2 : 1); }
};

// `width` pixels from `in` (its first wanted pixel) into `out`, pixels
// `pixel_stride` bytes apart, as `mode` of `dtype` (U8 or U16). Modes:
// RGB, BGR, RGBA, BGRA, RGBX, L, LA; a missing alpha is opaque.
void convert_interleaved_row(InterleavedFormat in_format, const std::uint8_t* in, int width, PixelMode mode,
                             DType dtype, std::uint8_t* out, Index pixel_stride);

// Whether `mode` is one convert_interleaved_row writes; throws
// std::invalid_argument naming `format` otherwise.
void check_interleaved_mode(PixelMode mode, const char* format);

// Zeroes `rows` rows of `width` pixels from row `first` (rows a truncated
// file never reached), so nothing of the buffer's old contents shows.
void clear_target_rows(const PixelTarget& target, int first, int rows, int width, std::size_t pixel_bytes);

}  // namespace mediaview

namespace mediaview {

// What a request asks of a codec that decodes whole frames (no reduction
// while decoding, so any scale but 1 is refused), checked against the
// header: the mode and element type, and the crop in the stored frame.
struct WholeFramePlan {
    PixelMode mode = PixelMode::RGB;
    DType dtype = DType::U8;
    CropRect crop;  // stored frame
    int channels() const { return channels_of(mode); }
    std::size_t pixel_bytes() const { return static_cast<std::size_t>(channels()) * itemsize(dtype); }
    OutputShape shape(int orientation) const { return {crop.width, crop.height, channels(), orientation, dtype}; }
};

// `own`: the file's layout (L, LA, RGB or RGBA) for mode=None; `deep`: its
// samples have more than 8 bits (the default dtype is still uint8, as Pillow
// gives; uint16 must be asked for). Throws std::invalid_argument naming
// `format` for what it cannot give, LimitError past max_pixels (checked on
// `pixels`, the count the decode will allocate).
// `allow_float`: the codec also gives float32 (then only in the layouts
// L, LA, RGB, RGBA, which it writes itself).
WholeFramePlan plan_whole_frame(const char* format, int width, int height, int orientation, PixelMode own,
                                const ImageRequest& request, std::uint64_t pixels, bool allow_float = false);

// A target whose pixel_stride is 0 gets the plan's packed pixel size.
inline PixelTarget with_pixel_stride(PixelTarget t, const WholeFramePlan& plan) {
    if (t.pixel_stride == 0) t.pixel_stride = static_cast<Index>(plan.pixel_bytes());
    return t;
}

}  // namespace mediaview
