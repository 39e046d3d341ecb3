#include "orientation.hpp"

#include <numeric>
#include <vector>

namespace mediaview {
namespace {

StridedArray transposed(const StridedArray& image) {
    std::vector<int> axes(static_cast<std::size_t>(image.ndim()));
    std::iota(axes.begin(), axes.end(), 0);
    std::swap(axes[0], axes[1]);
    return image.permuted(axes);
}

}  // namespace

StridedArray apply_exif_orientation(const StridedArray& image, int orientation) {
    constexpr int rows = 0, cols = 1;
    switch (orientation) {
        case 2: return image.flipped(cols);                          // mirror left-right
        case 3: return image.flipped(rows).flipped(cols);            // rotate 180
        case 4: return image.flipped(rows);                          // mirror top-bottom
        case 5: return transposed(image);                            // transpose
        case 6: return transposed(image).flipped(cols);              // rotate 90 clockwise
        case 7: return transposed(image).flipped(rows).flipped(cols);  // transverse
        case 8: return transposed(image).flipped(rows);              // rotate 90 counter-clockwise
        default: return image;
    }
}

int inverse_exif_orientation(int orientation) {
    if (orientation == 6) return 8;
    if (orientation == 8) return 6;
    return orientation;
}

bool exif_orientation_transposes(int orientation) { return orientation >= 5 && orientation <= 8; }

// Displayed pixel (row i, column j) shows stored pixel:
//   2: (i, W-1-j)   3: (H-1-i, W-1-j)   4: (H-1-i, j)
//   5: (j, i)       6: (H-1-j, i)       7: (H-1-j, W-1-i)   8: (j, W-1-i)
Rect stored_rect(const Rect& d, int orientation, int W, int H) {
    switch (orientation) {
        case 2: return {W - d.x - d.width, d.y, d.width, d.height};
        case 3: return {W - d.x - d.width, H - d.y - d.height, d.width, d.height};
        case 4: return {d.x, H - d.y - d.height, d.width, d.height};
        case 5: return {d.y, d.x, d.height, d.width};
        case 6: return {d.y, H - d.x - d.width, d.height, d.width};
        case 7: return {W - d.y - d.height, H - d.x - d.width, d.height, d.width};
        case 8: return {W - d.y - d.height, d.x, d.height, d.width};
        default: return d;
    }
}

}  // namespace mediaview
