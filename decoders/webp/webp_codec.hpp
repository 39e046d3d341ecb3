// WebP through libwebp 1.2 (lossy, lossless, alpha), libwebpdemux (chunks,
// animations) and libwebpmux (storing ICC and EXIF when writing).
#pragma once

#include "src/image_codec.hpp"

namespace mediaview::webp {

const ImageCodec& codec();

// The encoder behind codec().encode (webp_encoder.cpp).
EncodedBytes encode(const StridedArray& pixels, const ImageMeta& meta, const Options& options);

// Pillow's RGB to L conversion (ImagingConvert's rgb2l): ITU-R 601-2 luma
// in 16-bit fixed point, rounded; Pillow documents it as
// R*299/1000 + G*587/1000 + B*114/1000, and this is what it computes.
inline std::uint8_t pillow_luma(std::uint8_t r, std::uint8_t g, std::uint8_t b) {
    return static_cast<std::uint8_t>((r * 19595u + g * 38470u + b * 7471u + 0x8000u) >> 16);
}

}  // namespace mediaview::webp
