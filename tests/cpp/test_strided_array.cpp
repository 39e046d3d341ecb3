#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "src/aligned_buffer.hpp"
#include "src/dtype.hpp"
#include "src/strided_array.hpp"

using namespace mediaview;

TEST(DType, FormatCodesAndSizes) {
    EXPECT_EQ(format_code(DType::U8), 'B');
    EXPECT_EQ(format_code(DType::U16), 'H');
    EXPECT_EQ(format_code(DType::I16), 'h');
    EXPECT_EQ(format_code(DType::I32), 'i');
    EXPECT_EQ(format_code(DType::F32), 'f');
    EXPECT_EQ(format_code(DType::F64), 'd');
    EXPECT_EQ(itemsize(DType::I16), 2u);
    EXPECT_EQ(itemsize(DType::F64), 8u);
    EXPECT_EQ(dtype_from_name("float32"), DType::F32);
    EXPECT_THROW(dtype_from_name("complex64"), std::invalid_argument);
}

TEST(AlignedBuffer, IsAlignedToACacheLine) {
    for (std::size_t size : {0u, 1u, 63u, 64u, 1000u, 1u << 20}) {
        AlignedBuffer b(size);
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b.data()) % 64, 0u);
        EXPECT_EQ(b.size(), size);
    }
    AlignedBuffer a(10);
    std::uint8_t* p = a.data();
    AlignedBuffer moved(std::move(a));
    EXPECT_EQ(moved.data(), p);
    EXPECT_EQ(a.data(), nullptr);
}

TEST(StridedArray, AllocateIsCContiguous) {
    auto a = StridedArray::allocate(DType::I16, {3, 4, 2});
    EXPECT_EQ(a.strides(), (std::vector<Index>{16, 4, 2}));
    EXPECT_EQ(a.nbytes(), 48u);
    EXPECT_TRUE(a.is_c_contiguous());
    EXPECT_FALSE(a.is_f_contiguous());
    EXPECT_FALSE(a.readonly());
}

// A decoder's working room after the pixels (OutputShape::scratch_after):
// writable, yet outside the array's storage, so no view can reach it.
TEST(StridedArray, ExtraRoomIsWritableButNotPartOfTheArray) {
    for (std::size_t extra : {std::size_t{0}, std::size_t{7}, std::size_t{5} << 20}) {
        auto a = StridedArray::allocate(DType::U16, {300, 200, 3}, extra);
        EXPECT_EQ(a.strides(), (std::vector<Index>{1200, 6, 2}));
        EXPECT_EQ(a.storage()->size, a.nbytes());
        std::memset(a.data(), 0x5A, a.nbytes() + extra);  // ASan checks the room is the block's
        if (extra) discard_pages(a.data() + a.nbytes(), extra);
        EXPECT_EQ(a.data()[a.nbytes() - 1], 0x5A) << "a discarded page reached into the pixels";
        EXPECT_THROW(StridedArray(a.storage(), DType::U16, {300, 200, 4}, {1600, 8, 2}), std::out_of_range);
    }
}

TEST(StridedArray, PermuteAndFlipAddressTheSameElements) {
    auto a = StridedArray::allocate(DType::U8, {2, 3});
    for (int i = 0; i < 6; ++i) a.data()[i] = static_cast<std::uint8_t>(i);  // a[r][c] = 3r + c
    auto t = a.permuted({1, 0});
    EXPECT_EQ(t.shape(), (std::vector<Index>{3, 2}));
    EXPECT_TRUE(t.is_f_contiguous());
    EXPECT_FALSE(t.is_c_contiguous());
    auto at = [](const StridedArray& x, Index r, Index c) { return x.data()[r * x.strides()[0] + c * x.strides()[1]]; };
    EXPECT_EQ(at(t, 2, 1), 5);  // t[2][1] = a[1][2]
    auto f = a.flipped(1);
    EXPECT_EQ(at(f, 0, 0), 2);
    EXPECT_EQ(at(f, 1, 2), 3);
    EXPECT_EQ(f.strides()[1], -1);
    auto both = a.flipped(0).flipped(1);
    EXPECT_EQ(at(both, 0, 0), 5);
    EXPECT_THROW(a.permuted({0, 0}), std::invalid_argument);
    EXPECT_THROW(a.flipped(2), std::invalid_argument);
}

TEST(StridedArray, RefusesWindowsOutsideTheStorage) {
    auto storage = Storage::allocate(12);
    EXPECT_NO_THROW(StridedArray(storage, DType::U8, {3, 4}, {4, 1}));
    EXPECT_THROW(StridedArray(storage, DType::U8, {3, 5}, {4, 1}), std::out_of_range);
    EXPECT_THROW(StridedArray(storage, DType::U8, {3, 4}, {-4, 1}, 0), std::out_of_range);
    EXPECT_NO_THROW(StridedArray(storage, DType::U8, {3, 4}, {-4, 1}, 8));
    EXPECT_THROW(StridedArray(storage, DType::I32, {4}, {4}), std::out_of_range);  // 16 bytes in 12
    EXPECT_THROW(StridedArray(storage, DType::U8, {3, 4}, {4, 1}).permuted({0}), std::invalid_argument);
}

TEST(StridedArray, SizesThatOverflowAreRefusedNotWrapped) {
    // 2^62 x 2 x 4 bytes is 2^65: wrapped, it would be a 0-byte block.
    EXPECT_THROW(StridedArray::allocate(DType::F32, {Index{1} << 62, 2}), std::bad_alloc);
    EXPECT_THROW(StridedArray::allocate(DType::F64, {Index{1} << 40, Index{1} << 30}), std::bad_alloc);
    EXPECT_THROW(StridedArray::allocate(DType::U8, {-1, 2}), std::invalid_argument);
    auto storage = Storage::allocate(64);
    // Extents whose products wrap around must not pass the bounds check.
    EXPECT_THROW(StridedArray(storage, DType::U8, {Index{1} << 62, 5}, {4, 1}), std::out_of_range);
    EXPECT_THROW(StridedArray(storage, DType::U8, {3, 3}, {Index{1} << 62, Index{1} << 62}), std::out_of_range);
}

TEST(StridedArray, ReadonlyWindowSharesMemory) {
    auto a = StridedArray::allocate(DType::F32, {5});
    auto ro = a.as_readonly();
    EXPECT_TRUE(ro.readonly());
    EXPECT_FALSE(a.readonly());
    EXPECT_EQ(ro.data(), a.data());
}

TEST(AlignedBuffer, LargeBlocksAreReusedAfterRelease) {
    const std::size_t size = std::size_t{36} << 20;  // a 12-megapixel RGB image
    std::uint8_t* first;
    {
        AlignedBuffer a(size);
        first = a.data();
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(first) % (std::size_t{2} << 20), 0u);
    }
    AlignedBuffer again(size - 1000);
    EXPECT_EQ(again.data(), first);   // a freed block of the right size comes back
    AlignedBuffer other(size);
    EXPECT_NE(other.data(), first);   // never handed out twice
    AlignedBuffer much_smaller(size / 2);
    EXPECT_NE(much_smaller.data(), first);
}
