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

}  // namespace mediaview
