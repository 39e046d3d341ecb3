// PNG through libspng (0.7): probe the header, decode every colour type and
// bit depth row by row into a caller-provided target (8 or 16 bits, any of
// the pixel modes, cropped), with a damage policy for CRC errors and
// truncation; and encode 8/16-bit L, LA, RGB and RGBA.
#pragma once

#include "src/image_codec.hpp"

namespace mediaview::png {

const ImageCodec& codec();

}  // namespace mediaview::png
