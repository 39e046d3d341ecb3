// EXIF orientation as a strided view: the pixels stay where the decoder wrote
// them and only shape, strides and offset change.
#pragma once

#include "strided_array.hpp"

namespace mediaview {

// `image` is (H, W) or (H, W, C); returns the view a viewer would display for
// EXIF orientation 1-8 (anything else is treated as 1).
StridedArray apply_exif_orientation(const StridedArray& image, int orientation);

}  // namespace mediaview
