// AVIF through libavif 0.11 (dav1d decoding, aom encoding): 8/10/12-bit
// stills and sequences, alpha, irot/imir, and the CICP reported as found.
#pragma once

#include "src/image_codec.hpp"

namespace mediaview::avif {

const ImageCodec& codec();

// The encoder behind codec().encode (avif_encoder.cpp).
EncodedBytes encode(const StridedArray& pixels, const ImageMeta& meta, const Options& options);

// EXIF orientation (1-8) for the irot/imir transforms, as libavif 1.x's
// avifImageIrotImirToExifOrientation and Pillow map them; 1 for none.
// `mirror_mode` is imir's mode (0: top and bottom exchanged, 1: left and right).
int orientation_of_transforms(bool has_irot, int angle, bool has_imir, int mirror_mode);

}  // namespace mediaview::avif
