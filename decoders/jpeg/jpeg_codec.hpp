// JPEG through libjpeg-turbo's libjpeg API (2.1): probe the header, decode
// into a caller-provided target with DCT scaling, cropping (jpeg_crop_scanline
// and jpeg_skip_scanlines), any of the extended pixel formats, and a damage
// policy built on libjpeg's own warnings.
#pragma once

#include "src/image_codec.hpp"

namespace mediaview::jpeg {

const ImageCodec& codec();

// The EXIF orientation (1-8) in an APP1 "Exif" payload; 1 when absent or invalid.
int exif_orientation(const std::uint8_t* app1, std::size_t size);

}  // namespace mediaview::jpeg
