// TIFF through libtiff 4.5: strips and tiles, every compression Debian's
// libtiff has, 1/8/16-bit unsigned, 16/32-bit signed and 32/64-bit float
// samples, chunky and planar, greyscale (min-is-black and min-is-white),
// RGB(A), CMYK, palette and JPEG YCbCr; pages as frames; crops decode only
// the strips or tiles they touch. Writes TIFF too (tiff_write.hpp), one
// page per image.
#pragma once

#include "src/image_codec.hpp"

namespace mediaview::tiff {

const ImageCodec& codec();

}  // namespace mediaview::tiff
