// EXIF orientation as a strided view: the pixels stay where the decoder wrote
// them and only shape, strides and offset change.
#pragma once

#include "strided_array.hpp"

namespace mediaview {

// `image` is (H, W) or (H, W, C); returns the view a viewer would display for
// EXIF orientation 1-8 (anything else is treated as 1).
StridedArray apply_exif_orientation(const StridedArray& image, int orientation);

// The orientation that undoes `orientation` (6 and 8 undo each other; the
// others undo themselves).
int inverse_exif_orientation(int orientation);

// Whether the orientation swaps width and height (5-8).
bool exif_orientation_transposes(int orientation);

// Maps a rectangle given in the displayed frame of a stored_width x
// stored_height image with this orientation to the stored frame.
struct Rect {
    int x = 0, y = 0, width = 0, height = 0;
};
Rect stored_rect(const Rect& displayed, int orientation, int stored_width, int stored_height);

}  // namespace mediaview
