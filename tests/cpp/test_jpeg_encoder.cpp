// The JPEG encoder without Python: round trips through the decoder, strided
// input equal to packed input, options reaching the header, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "decoders/jpeg/jpeg_codec.hpp"
#include "decoders/jpeg/jpeg_encoder.hpp"

using namespace mediaview;

namespace {

std::vector<std::uint8_t> sample(const std::string& name) {
    std::ifstream f(std::string(MEDIAVIEW_SOURCE_DIR) + "/samples/" + name, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

StridedArray decode(const std::uint8_t* data, std::size_t size, PixelMode mode = PixelMode::RGB) {
    StridedArray pixels;
    ImageRequest request;
    request.mode = mode;
    Diagnostics diagnostics;
    auto provide = [&pixels](const OutputShape& s) {
        pixels = s.channels == 1 ? StridedArray::allocate(DType::U8, {s.height, s.width})
                                 : StridedArray::allocate(DType::U8, {s.height, s.width, s.channels});
        return PixelTarget{pixels.data(), pixels.strides()[0], pixels.strides()[1]};
    };
    jpeg::codec().decode({data, size}, request, provide, diagnostics);
    return pixels;
}

StridedArray decode_sample(const std::string& name, PixelMode mode = PixelMode::RGB) {
    auto bytes = sample(name);
    return decode(bytes.data(), bytes.size(), mode);
}

std::vector<std::uint8_t> bytes_of(const jpeg::EncodedJpeg& e) { return {e.data.get(), e.data.get() + e.size}; }

// Peak signal-to-noise ratio between two C-contiguous arrays of equal size.
double psnr(const StridedArray& a, const StridedArray& b) {
    double sum = 0;
    for (std::size_t i = 0; i < a.nbytes(); ++i) {
        double d = double(a.data()[i]) - double(b.data()[i]);
        sum += d * d;
    }
    double mse = sum / double(a.nbytes());
    return 10 * std::log10(255.0 * 255.0 / mse);
}

}  // namespace

TEST(JpegEncoder, RoundTripIsCloseAndHeaderMatchesOptions) {
    StridedArray rgb = decode_sample("chelsea_420.jpg");
    jpeg::EncodeOptions o;
    o.quality = 95;
    o.subsampling = jpeg::Subsampling::S444;
    auto encoded = jpeg::encode(rgb, PixelMode::RGB, o);
    auto info = jpeg::codec().probe({encoded.data.get(), encoded.size});
    EXPECT_EQ(info.width, 451);
    EXPECT_EQ(info.height, 300);
    EXPECT_EQ(info.subsampling, "444");
    EXPECT_FALSE(info.progressive);
    StridedArray back = decode(encoded.data.get(), encoded.size);
    EXPECT_GT(psnr(rgb, back), 38.0);

    o.subsampling = jpeg::Subsampling::S422;
    o.progressive = true;
    auto progressive = jpeg::encode(rgb, PixelMode::RGB, o);
    info = jpeg::codec().probe({progressive.data.get(), progressive.size});
    EXPECT_EQ(info.subsampling, "422");
    EXPECT_TRUE(info.progressive);

    o.subsampling = jpeg::Subsampling::Gray;
    auto gray = jpeg::encode(rgb, PixelMode::RGB, o);
    EXPECT_EQ(jpeg::codec().probe({gray.data.get(), gray.size}).colorspace, "Gray");
}

TEST(JpegEncoder, QualityOrdersSizeAndError) {
    StridedArray rgb = decode_sample("coffee_422.jpg");
    jpeg::EncodeOptions low, high;
    low.quality = 30;
    high.quality = 92;
    auto a = jpeg::encode(rgb, PixelMode::RGB, low), b = jpeg::encode(rgb, PixelMode::RGB, high);
    EXPECT_LT(a.size, b.size);
    EXPECT_LT(psnr(rgb, decode(a.data.get(), a.size)), psnr(rgb, decode(b.data.get(), b.size)));
}

TEST(JpegEncoder, StridedInputEqualsPackedInput) {
    StridedArray rgb = decode_sample("rocket_orient6.jpg");
    jpeg::EncodeOptions o;
    // Flipped rows (negative row stride) are still in-place rows; a transpose
    // and a BGR-reversed channel axis must be packed.
    StridedArray transposed = rgb.permuted({1, 0, 2});
    StridedArray packed = StridedArray::allocate(DType::U8, transposed.shape());
    for (Index y = 0; y < transposed.shape()[0]; ++y)
        for (Index x = 0; x < transposed.shape()[1]; ++x)
            for (Index c = 0; c < 3; ++c)
                packed.data()[(y * transposed.shape()[1] + x) * 3 + c] =
                    transposed.data()[y * transposed.strides()[0] + x * transposed.strides()[1] + c];
    EXPECT_EQ(bytes_of(jpeg::encode(transposed, PixelMode::RGB, o)), bytes_of(jpeg::encode(packed, PixelMode::RGB, o)));

    StridedArray flipped = rgb.flipped(0);
    StridedArray flipped_packed = StridedArray::allocate(DType::U8, rgb.shape());
    Index row = rgb.strides()[0];
    for (Index y = 0; y < rgb.shape()[0]; ++y)
        std::memcpy(flipped_packed.data() + y * row, rgb.data() + (rgb.shape()[0] - 1 - y) * row, row);
    EXPECT_EQ(bytes_of(jpeg::encode(flipped, PixelMode::RGB, o)),
              bytes_of(jpeg::encode(flipped_packed, PixelMode::RGB, o)));

    // A reversed channel axis read as BGR is the original RGB.
    StridedArray reversed = rgb.flipped(2);
    EXPECT_EQ(bytes_of(jpeg::encode(reversed, PixelMode::BGR, o)), bytes_of(jpeg::encode(rgb, PixelMode::RGB, o)));
}

TEST(JpegEncoder, CmykRoundTripsThroughTheDecoder) {
    StridedArray cmyk = decode_sample("chelsea_cmyk.jpg", PixelMode::CMYK);
    jpeg::EncodeOptions o;
    o.quality = 100;
    o.subsampling = jpeg::Subsampling::S444;
    auto encoded = jpeg::encode(cmyk, PixelMode::CMYK, o);
    EXPECT_EQ(jpeg::codec().probe({encoded.data.get(), encoded.size}).colorspace, "YCCK");
    StridedArray back = decode(encoded.data.get(), encoded.size, PixelMode::CMYK);
    EXPECT_GT(psnr(cmyk, back), 45.0);  // inks not inverted twice: that would be ~0 dB
}

TEST(JpegEncoder, RejectsBadInput) {
    StridedArray rgb = decode_sample("chelsea_420.jpg");
    jpeg::EncodeOptions o;
    EXPECT_THROW(jpeg::encode(rgb, PixelMode::L, o), std::invalid_argument);     // 3 channels, mode L
    EXPECT_THROW(jpeg::encode(rgb, PixelMode::RGBA, o), std::invalid_argument);  // 3 channels, mode RGBA
    o.quality = 101;
    EXPECT_THROW(jpeg::encode(rgb, PixelMode::RGB, o), std::invalid_argument);
    o.quality = 90;
    StridedArray empty = StridedArray::allocate(DType::U8, {0, 4, 3});
    EXPECT_THROW(jpeg::encode(empty, PixelMode::RGB, o), std::invalid_argument);
    StridedArray wide = StridedArray::allocate(DType::U16, {4, 4, 3});
    EXPECT_THROW(jpeg::encode(wide, PixelMode::RGB, o), std::invalid_argument);
    StridedArray cmyk = StridedArray::allocate(DType::U8, {8, 8, 4});
    o.subsampling = jpeg::Subsampling::Gray;
    EXPECT_THROW(jpeg::encode(cmyk, PixelMode::CMYK, o), std::invalid_argument);
    EXPECT_THROW(jpeg::subsampling_from_name("411"), std::invalid_argument);
}
