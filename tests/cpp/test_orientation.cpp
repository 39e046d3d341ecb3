#include <gtest/gtest.h>

#include "src/orientation.hpp"

using namespace mediaview;

namespace {

// A 2x3 single-channel image holding 0..5 row by row.
StridedArray small_image() {
    auto a = StridedArray::allocate(DType::U8, {2, 3});
    for (int i = 0; i < 6; ++i) a.data()[i] = static_cast<std::uint8_t>(i);
    return a;
}

std::vector<int> values(const StridedArray& a) {
    std::vector<int> out;
    for (Index r = 0; r < a.shape()[0]; ++r)
        for (Index c = 0; c < a.shape()[1]; ++c) out.push_back(a.data()[r * a.strides()[0] + c * a.strides()[1]]);
    return out;
}

}  // namespace

// Expected layouts written out by hand for the stored image
//   0 1 2
//   3 4 5
TEST(Orientation, EveryExifValue) {
    auto img = small_image();
    EXPECT_EQ(values(apply_exif_orientation(img, 1)), (std::vector<int>{0, 1, 2, 3, 4, 5}));
    EXPECT_EQ(values(apply_exif_orientation(img, 2)), (std::vector<int>{2, 1, 0, 5, 4, 3}));
    EXPECT_EQ(values(apply_exif_orientation(img, 3)), (std::vector<int>{5, 4, 3, 2, 1, 0}));
    EXPECT_EQ(values(apply_exif_orientation(img, 4)), (std::vector<int>{3, 4, 5, 0, 1, 2}));
    EXPECT_EQ(values(apply_exif_orientation(img, 5)), (std::vector<int>{0, 3, 1, 4, 2, 5}));
    EXPECT_EQ(values(apply_exif_orientation(img, 6)), (std::vector<int>{3, 0, 4, 1, 5, 2}));
    EXPECT_EQ(values(apply_exif_orientation(img, 7)), (std::vector<int>{5, 2, 4, 1, 3, 0}));
    EXPECT_EQ(values(apply_exif_orientation(img, 8)), (std::vector<int>{2, 5, 1, 4, 0, 3}));
    EXPECT_EQ(values(apply_exif_orientation(img, 0)), values(img));
    EXPECT_EQ(values(apply_exif_orientation(img, 9)), values(img));
}

TEST(Orientation, InverseUndoes) {
    auto img = small_image();
    for (int o = 1; o <= 8; ++o) {
        auto shown = apply_exif_orientation(img, o);
        EXPECT_EQ(values(apply_exif_orientation(shown, inverse_exif_orientation(o))), values(img)) << o;
        EXPECT_EQ(exif_orientation_transposes(o), o >= 5);
    }
}

// stored_rect must pick exactly the stored pixels that the displayed crop shows.
TEST(Orientation, StoredRectMatchesTheView) {
    auto img = StridedArray::allocate(DType::U8, {5, 7});
    for (int i = 0; i < 35; ++i) img.data()[i] = static_cast<std::uint8_t>(i);
    for (int o = 1; o <= 8; ++o) {
        auto shown = apply_exif_orientation(img, o);
        Rect d{1, 2, 2, 3};
        if (d.x + d.width > shown.shape()[1] || d.y + d.height > shown.shape()[0]) d = {1, 1, 2, 2};
        Rect s = stored_rect(d, o, 7, 5);
        std::vector<int> from_view, from_stored;
        for (int r = 0; r < d.height; ++r)
            for (int c = 0; c < d.width; ++c)
                from_view.push_back(shown.data()[(d.y + r) * shown.strides()[0] + (d.x + c) * shown.strides()[1]]);
        for (int r = 0; r < s.height; ++r)
            for (int c = 0; c < s.width; ++c) from_stored.push_back(img.data()[(s.y + r) * 7 + (s.x + c)]);
        std::sort(from_view.begin(), from_view.end());
        std::sort(from_stored.begin(), from_stored.end());
        EXPECT_EQ(from_view, from_stored) << "orientation " << o;
    }
}
