// JPEG XL through libjxl 0.7: 8/16-bit and float samples, alpha, animation
// (frames composited by libjxl), the orientation, and the colour encoding
// reported as found.
#pragma once

#include "src/image_codec.hpp"

namespace mediaview::jxl {

const ImageCodec& codec();

// The encoder behind codec().encode (jxl_encoder.cpp).
EncodedBytes encode(const StridedArray& pixels, const ImageMeta& meta, const Options& options);

}  // namespace mediaview::jxl
