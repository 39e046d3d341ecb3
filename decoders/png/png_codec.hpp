// PNG: probe the header, decode every colour type and bit depth into a
// caller-provided target (8 or 16 bits, any of the pixel modes, cropped),
// with a damage policy for CRC errors and truncation; and encode 8/16-bit L,
// LA, RGB and RGBA. libspng (0.7) reads the header and metadata chunks; the
// image data goes through our own path (png_fast.hpp: libdeflate and a SIMD
// unfilter), falling back to libspng's row decoder for what that path does
// not vouch for (damaged or unusual files).
#pragma once

#include "src/image_codec.hpp"

namespace mediaview::png {

const ImageCodec& codec();

// The same codec with the image data decoded by libspng only: the oracle of
// the differential tests and fuzz target (fuzz/fuzz_png_fast.cpp).
const ImageCodec& libspng_codec();

}  // namespace mediaview::png
