#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "decoders/jpeg/jpeg_codec.hpp"
#include "decoders/table.hpp"
#include "tests/cpp/image_samples.hpp"

using namespace mediaview;

namespace {

using test_samples::Decoded;
using test_samples::sample;
using test_samples::span;

Decoded decode(const std::vector<std::uint8_t>& data, ImageRequest request) {
    return test_samples::decode_with(jpeg::codec(), data, request);
}

}  // namespace

TEST(JpegDecoder, IsInTheTableAndSniffs) {
    auto data = sample("chelsea_420.jpg");
    EXPECT_EQ(&codecs().image_codec_for(span(data)), &jpeg::codec());
    std::uint8_t png[] = {0x89, 'P', 'N', 'G'};
    EXPECT_FALSE(jpeg::codec().sniff({png, sizeof png}));
    std::uint8_t text[] = {'h', 'e', 'l', 'l', 'o'};
    EXPECT_THROW(codecs().image_codec_for({text, sizeof text}), UnsupportedFormatError);
    EXPECT_EQ(codecs().named("jpeg"), &jpeg::codec());
}

TEST(JpegDecoder, ProbeReadsTheHeader) {
    auto info = jpeg::codec().probe(span(sample("rocket_orient6.jpg")));
    EXPECT_EQ(info.width, 427);
    EXPECT_EQ(info.height, 640);
    EXPECT_EQ(info.components, 3);
    EXPECT_EQ(info.subsampling, "420");
    EXPECT_EQ(info.orientation, 6);
    EXPECT_FALSE(info.progressive);
    EXPECT_TRUE(jpeg::codec().probe(span(sample("astronaut_progressive.jpg"))).progressive);
}

TEST(JpegDecoder, CropEqualsFullDecodeSliced) {
    auto data = sample("coffee_422.jpg");
    ImageRequest full_request;
    Decoded full = decode(data, full_request);
    ASSERT_EQ(full.pixels.shape(), (std::vector<Index>{400, 600, 3}));
    ImageRequest crop_request;
    crop_request.crop = CropRect{33, 17, 101, 59};
    Decoded crop = decode(data, crop_request);
    ASSERT_EQ(crop.pixels.shape(), (std::vector<Index>{59, 101, 3}));
    for (int r = 0; r < 59; ++r)
        ASSERT_EQ(std::memcmp(crop.pixels.data() + r * 303, full.pixels.data() + (17 + r) * 1800 + 33 * 3, 303), 0)
            << "row " << r;
}

TEST(JpegDecoder, ScaleSetsTheOutputSize) {
    auto data = sample("chelsea_420.jpg");
    ImageRequest r;
    r.scale = {1, 4};
    EXPECT_EQ(decode(data, r).result.shape.width, 113);  // ceil(451 / 4)
    r.scale = {3, 2};
    EXPECT_EQ(decode(data, r).result.shape.height, 450);
    r.scale = {1, 3};
    EXPECT_THROW(decode(data, r), std::invalid_argument);
}

TEST(JpegDecoder, ErrorsAreTypedExceptions) {
    auto data = sample("chelsea_420.jpg");
    std::vector<std::uint8_t> truncated(data.begin(), data.begin() + data.size() / 2);
    EXPECT_THROW(decode(truncated, {}), DecodeError);
    ImageRequest lenient;
    lenient.allow_truncated = true;
    Decoded partial = decode(truncated, lenient);
    EXPECT_FALSE(partial.diagnostics.warnings.empty());
    ImageRequest limited;
    limited.max_pixels = 1000;
    EXPECT_THROW(decode(data, limited), LimitError);
    ImageRequest cmyk;
    cmyk.mode = PixelMode::CMYK;
    EXPECT_THROW(decode(data, cmyk), UnsupportedFormatError);
    std::vector<std::uint8_t> header_only(data.begin(), data.begin() + 3);
    EXPECT_THROW(jpeg::codec().probe(span(header_only)), DecodeError);
}

TEST(Exif, OrientationParserIsBoundsChecked) {
    // "Exif\0\0" + little-endian TIFF header + IFD0 with one entry: 0x0112 SHORT 1 = 6
    std::vector<std::uint8_t> app1 = {'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0,
                                      0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0};
    EXPECT_EQ(jpeg::exif_orientation(app1.data(), app1.size()), 6);
    for (std::size_t cut = 0; cut < 26; ++cut)  // byte 26 on is the next-IFD offset, not needed
        EXPECT_EQ(jpeg::exif_orientation(app1.data(), cut), 1) << cut;  // truncated: absent, never a crash
    auto big_endian = app1;
    big_endian[6] = big_endian[7] = 'M';
    EXPECT_EQ(jpeg::exif_orientation(big_endian.data(), big_endian.size()), 1);  // values now read wrong-endian
    auto bad_value = app1;
    bad_value[24] = 9;
    EXPECT_EQ(jpeg::exif_orientation(bad_value.data(), bad_value.size()), 1);
    auto far_ifd = app1;
    far_ifd[10] = 0xF0;  // IFD offset past the end
    EXPECT_EQ(jpeg::exif_orientation(far_ifd.data(), far_ifd.size()), 1);
}
