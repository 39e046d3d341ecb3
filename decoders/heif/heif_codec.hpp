// HEIF/HEIC through libheif, opened at run time (libheif_loader.cpp):
// Debian's libheif links x265 (GPL), so it is never linked nor bundled.
// 8/10-bit, alpha, irot/imir (applied by libheif), the primary image and
// the other top-level images as frames.
#pragma once

#include <string>

#include "src/image_codec.hpp"

namespace mediaview::heif {

const ImageCodec& codec();

}  // namespace mediaview::heif
