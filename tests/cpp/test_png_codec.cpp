// The PNG codec on its own: header facts, modes and depths, crops, damage,
// limits and the encoder. Pixel values are checked against Pillow and
// OpenCV in tests/test_png.py; here the checks are internal consistency and
// hand-made files whose pixels are known.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "decoders/png/chunks.hpp"
#include "decoders/png/png_codec.hpp"
#include "decoders/table.hpp"
#include "tests/cpp/image_samples.hpp"
#include "fuzz/png_harness.hpp"

using namespace mediaview;

namespace {

using test_samples::Decoded;
using test_samples::sample;
using test_samples::span;

Decoded decode(const std::vector<std::uint8_t>& data, ImageRequest request) {
    return test_samples::decode_with(png::codec(), data, request);
}

ImageRequest own() {
    ImageRequest r;
    r.mode = std::nullopt;
    return r;
}

// ---- a tiny PNG writer for hand-made files (stored deflate blocks) ----------

void be32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}

void chunk(std::vector<std::uint8_t>& out, const char* type, const std::vector<std::uint8_t>& body) {
    be32(out, static_cast<std::uint32_t>(body.size()));
    std::vector<std::uint8_t> crc_input(type, type + 4);
    crc_input.insert(crc_input.end(), body.begin(), body.end());
    out.insert(out.end(), crc_input.begin(), crc_input.end());
    be32(out, png::crc32_of(crc_input.data(), crc_input.size()));
}

std::vector<std::uint8_t> zlib_stored(const std::vector<std::uint8_t>& raw) {
    std::vector<std::uint8_t> z = {0x78, 0x01};
    std::size_t at = 0;
    do {
        std::size_t n = std::min<std::size_t>(65535, raw.size() - at);
        bool last = at + n == raw.size();
        z.push_back(last ? 1 : 0);
        z.push_back(n & 0xFF);
        z.push_back(n >> 8);
        z.push_back(~n & 0xFF);
        z.push_back((~n >> 8) & 0xFF);
        z.insert(z.end(), raw.begin() + at, raw.begin() + at + n);
        at += n;
    } while (at < raw.size());
    std::uint32_t a = 1, b = 0;
    for (std::uint8_t c : raw) {
        a = (a + c) % 65521;
        b = (b + a) % 65521;
    }
    be32(z, b << 16 | a);
    return z;
}

// `rows` are the unfiltered scanlines (filter byte 0 is added).
std::vector<std::uint8_t> make_png(std::uint32_t w, std::uint32_t h, int depth, int color_type,
                                   const std::vector<std::vector<std::uint8_t>>& rows,
                                   const std::vector<std::pair<const char*, std::vector<std::uint8_t>>>& extra = {}) {
    std::vector<std::uint8_t> out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    std::vector<std::uint8_t> ihdr;
    be32(ihdr, w);
    be32(ihdr, h);
    ihdr.insert(ihdr.end(), {static_cast<std::uint8_t>(depth), static_cast<std::uint8_t>(color_type), 0, 0, 0});
    chunk(out, "IHDR", ihdr);
    for (const auto& [type, body] : extra) chunk(out, type, body);
    std::vector<std::uint8_t> raw;
    for (const auto& row : rows) {
        raw.push_back(0);
        raw.insert(raw.end(), row.begin(), row.end());
    }
    chunk(out, "IDAT", zlib_stored(raw));
    chunk(out, "IEND", {});
    return out;
}

std::vector<std::uint8_t> values(const Decoded& d) {
    return {d.pixels.data(), d.pixels.data() + d.pixels.nbytes()};
}

}  // namespace

TEST(PngCodec, IsInTheTableAndSniffs) {
    auto data = sample("chelsea_rgb8.png");
    EXPECT_EQ(&codecs().image_codec_for(span(data)), &png::codec());
    EXPECT_EQ(codecs().image_writer_for("png"), &png::codec());
    EXPECT_FALSE(png::codec().sniff({data.data(), 7}));
    EXPECT_TRUE(png::codec().scales().empty());
}

TEST(PngCodec, ProbeReadsTheHeader) {
    ImageInfo info = png::codec().probe(span(sample("coffee_rgb16.png")));
    EXPECT_EQ(info.format, "PNG");
    EXPECT_EQ(info.width, 150);
    EXPECT_EQ(info.height, 100);
    EXPECT_EQ(info.components, 3);
    EXPECT_EQ(info.precision, 16);
    EXPECT_EQ(info.colorspace, "RGB");
    ImageInfo palette = png::codec().probe(span(sample("astronaut_palette.png")));
    EXPECT_EQ(palette.components, 4);  // the tRNS chunk makes its own layout RGBA
    EXPECT_EQ(png::codec().probe(span(sample("rocket_orient6.png"))).orientation, 6);
    EXPECT_TRUE(png::codec().probe(span(sample("chelsea_rgb8.png"))).has_icc);
    ImageInfo interlaced = png::codec().probe(span(sample("chelsea_interlaced.png")));
    bool found = false;
    for (const auto& [name, value] : interlaced.extra)
        if (name == "interlaced") found = std::get<bool>(value);
    EXPECT_TRUE(found);
}

TEST(PngCodec, LowBitDepthsExpandAsPillowDoes) {
    // 2-bit grey 0..3 -> 0, 85, 170, 255; 1-bit grey 1 -> 255.
    auto grey2 = make_png(4, 1, 2, 0, {{0b00011011}});
    EXPECT_EQ(values(decode(grey2, own())), (std::vector<std::uint8_t>{0, 85, 170, 255}));
    auto grey1 = make_png(3, 1, 1, 0, {{0b10100000}});
    EXPECT_EQ(values(decode(grey1, own())), (std::vector<std::uint8_t>{255, 0, 255}));
    ImageRequest wide = own();
    wide.dtype = DType::U16;
    Decoded d = decode(grey2, wide);
    std::vector<std::uint16_t> got(4);
    std::memcpy(got.data(), d.pixels.data(), 8);
    EXPECT_EQ(got, (std::vector<std::uint16_t>{0, 21845, 43690, 65535}));
}

TEST(PngCodec, PaletteWithTransparencyIsRGBA) {
    auto file = make_png(3, 1, 8, 3, {{0, 1, 2}},
                         {{"PLTE", {10, 20, 30, 40, 50, 60, 70, 80, 90}}, {"tRNS", {0, 128}}});
    Decoded d = decode(file, own());
    EXPECT_EQ(d.result.meta.mode, PixelMode::RGBA);
    EXPECT_EQ(values(d), (std::vector<std::uint8_t>{10, 20, 30, 0, 40, 50, 60, 128, 70, 80, 90, 255}));
    ImageRequest rgb;
    rgb.mode = PixelMode::RGB;
    EXPECT_EQ(values(decode(file, rgb)), (std::vector<std::uint8_t>{10, 20, 30, 40, 50, 60, 70, 80, 90}));
}

TEST(PngCodec, SixteenBitComesOutNativeAndNarrowsToTheHighByte) {
    // One 16-bit RGB pixel 0x1234 0xABCD 0x00FF, stored big-endian.
    auto file = make_png(1, 1, 16, 2, {{0x12, 0x34, 0xAB, 0xCD, 0x00, 0xFF}});
    Decoded d = decode(file, own());
    EXPECT_EQ(d.result.shape.dtype, DType::U16);
    std::uint16_t v[3];
    std::memcpy(v, d.pixels.data(), 6);
    EXPECT_EQ(v[0], 0x1234);
    EXPECT_EQ(v[1], 0xABCD);
    EXPECT_EQ(v[2], 0x00FF);
    ImageRequest narrow = own();
    narrow.dtype = DType::U8;
    EXPECT_EQ(values(decode(file, narrow)), (std::vector<std::uint8_t>{0x12, 0xAB, 0x00}));
}

TEST(PngCodec, CropEqualsFullDecodeSliced) {
    for (const char* name : {"chelsea_rgb8.png", "chelsea_interlaced.png", "coffee_rgb16.png", "astronaut_palette.png"}) {
        auto data = sample(name);
        Decoded full = decode(data, own());
        ImageRequest r = own();
        r.crop = CropRect{7, 11, 30, 20};
        Decoded part = decode(data, r);
        ASSERT_EQ(part.result.shape.width, 30);
        std::size_t px = static_cast<std::size_t>(full.pixels.strides()[1]);
        for (int y = 0; y < 20; ++y)
            EXPECT_EQ(std::memcmp(part.pixels.data() + y * part.pixels.strides()[0],
                                  full.pixels.data() + (y + 11) * full.pixels.strides()[0] + 7 * px, 30 * px),
                      0)
                << name << " row " << y;
    }
}

TEST(PngCodec, ScaleIsRefused) {
    ImageRequest r = own();
    r.scale = {1, 2, 0, 0};
    EXPECT_THROW(decode(sample("chelsea_rgb8.png"), r), std::invalid_argument);
}

TEST(PngCodec, MaxPixelsIsCheckedFromTheHeader) {
    // A header claiming 100000 x 100000 pixels with no image data behind it.
    std::vector<std::uint8_t> out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    std::vector<std::uint8_t> ihdr;
    be32(ihdr, 100000);
    be32(ihdr, 100000);
    ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});
    chunk(out, "IHDR", ihdr);
    ImageRequest r = own();
    r.max_pixels = 1u << 26;
    bool provided = false;
    Diagnostics diagnostics;
    EXPECT_THROW(png::codec().decode(span(out), r, [&](const OutputShape&) { provided = true; return PixelTarget{}; },
                                     diagnostics),
                 LimitError);
    EXPECT_FALSE(provided);
}

TEST(PngCodec, AncillaryCrcErrorWarnsCriticalFails) {
    auto data = sample("chelsea_rgb8.png");
    auto bad = data;
    std::size_t at = std::search(bad.begin(), bad.end(), std::begin("iCCP"), std::end("iCCP") - 1) - bad.begin();
    bad[at + 8] ^= 0xFF;
    Decoded d = decode(bad, own());
    ASSERT_EQ(d.diagnostics.warnings.size(), 1u);
    EXPECT_NE(d.diagnostics.warnings[0].find("iCCP"), std::string::npos);
    EXPECT_TRUE(d.result.meta.icc.empty());
    EXPECT_EQ(values(d), values(decode(data, own())));
    ImageRequest strict = own();
    strict.strict = true;
    EXPECT_THROW(decode(bad, strict), DecodeError);

    auto critical = data;
    critical[16 + 4] ^= 0x01;  // the IHDR width: its CRC no longer matches
    EXPECT_THROW(decode(critical, own()), DecodeError);
}

TEST(PngCodec, TruncatedImageData) {
    auto data = sample("chelsea_rgb8.png");
    std::vector<std::uint8_t> cut(data.begin(), data.begin() + data.size() / 2);
    EXPECT_THROW(decode(cut, own()), DecodeError);
    ImageRequest r = own();
    r.allow_truncated = true;
    Decoded partial = decode(cut, r);
    Decoded full = decode(data, own());
    ASSERT_EQ(partial.diagnostics.warnings.size(), 1u);
    Index row = full.pixels.strides()[0];
    int same = 0, zero = 0;
    for (int y = 0; y < 150; ++y) {
        const std::uint8_t* p = partial.pixels.data() + y * row;
        if (std::memcmp(p, full.pixels.data() + y * row, static_cast<std::size_t>(row)) == 0) ++same;
        else if (std::all_of(p, p + row, [](std::uint8_t v) { return v == 0; })) ++zero;
    }
    EXPECT_GT(same, 10);
    EXPECT_EQ(same + zero, 150);  // every row is either whole or zero
    // A file missing only its IEND: every pixel, and a warning.
    std::vector<std::uint8_t> no_iend(data.begin(), data.end() - 12);
    Decoded whole = decode(no_iend, own());
    EXPECT_EQ(values(whole), values(full));
    EXPECT_EQ(whole.diagnostics.warnings.size(), 1u);
}

TEST(PngCodec, MetadataChunkBombIsALimitError) {
    // Stored metadata past the cache limit (64 MiB). The compressed bomb (a
    // small zTXt inflating past it) is in tests/test_png.py, where zlib is at hand.
    std::vector<std::uint8_t> exif(70u << 20, 0);
    std::memcpy(exif.data(), "MM\0*", 4);
    auto file = make_png(1, 1, 8, 0, {{7}}, {{"eXIf", exif}});
    EXPECT_THROW(decode(file, own()), LimitError);
}

TEST(PngCodec, EncodeRoundTripsEveryModeAndDepth) {
    for (const char* name : {"chelsea_rgb8.png", "coffee_rgb16.png", "astronaut_rgba.png", "camera_gray8.png"}) {
        Decoded d = decode(sample(name), own());
        Options options{{"compress_level", std::int64_t{1}}};
        EncodedBytes png = png::codec().encode(d.pixels, d.result.meta, options);
        std::vector<std::uint8_t> bytes(png.data.get(), png.data.get() + png.size);
        Decoded back = decode(bytes, own());
        EXPECT_EQ(back.result.meta.mode, d.result.meta.mode) << name;
        EXPECT_EQ(back.result.shape.dtype, d.result.shape.dtype) << name;
        EXPECT_EQ(values(back), values(d)) << name;
        EXPECT_EQ(back.result.meta.icc, d.result.meta.icc) << name;
    }
}

TEST(PngCodec, EncodeFromAnyStridesAndKeepsExif) {
    Decoded d = decode(sample("rocket_orient6.png"), own());
    StridedArray flipped = d.pixels.flipped(0).flipped(1);
    EncodedBytes png = png::codec().encode(flipped, d.result.meta, {});
    std::vector<std::uint8_t> bytes(png.data.get(), png.data.get() + png.size);
    Decoded back = decode(bytes, own());
    EXPECT_EQ(back.result.orientation, 6);
    EXPECT_EQ(back.result.meta.exif, d.result.meta.exif);
    Index row = d.pixels.strides()[0];
    const std::uint8_t* a = back.pixels.data();
    const std::uint8_t* b = d.pixels.data();
    int h = d.result.shape.height, w = d.result.shape.width;
    for (int y = 0; y < h; y += 17)
        for (int x = 0; x < w; x += 13)
            EXPECT_EQ(std::memcmp(a + y * row + x * 3, b + (h - 1 - y) * row + (w - 1 - x) * 3, 3), 0);
}

TEST(PngCodec, EncodeRefusesWhatPngCannotStore) {
    StridedArray cmyk = StridedArray::allocate(DType::U8, {2, 2, 4});
    ImageMeta meta;
    meta.mode = PixelMode::CMYK;
    EXPECT_THROW(png::codec().encode(cmyk, meta, {}), std::invalid_argument);
    meta.mode = PixelMode::RGB;
    EXPECT_THROW(png::codec().encode(cmyk, meta, {}), std::invalid_argument);  // 4 channels for RGB
    StridedArray f32 = StridedArray::allocate(DType::F32, {2, 2, 3});
    EXPECT_THROW(png::codec().encode(f32, meta, {}), std::invalid_argument);
    EXPECT_THROW(png::codec().encode(StridedArray::allocate(DType::U8, {2, 2, 3}), meta,
                                     {{"compress_level", std::int64_t{13}}}),
                 std::invalid_argument);
}

TEST(PngCodec, RegressionsReplay) {
    namespace fs = std::filesystem;
    fs::path dir = fs::path(MEDIAVIEW_SOURCE_DIR) / "tests" / "regressions" / "png";
    if (!fs::is_directory(dir)) GTEST_SKIP() << "no PNG regressions saved yet";
    for (const auto& entry : fs::directory_iterator(dir)) {
        std::ifstream f(entry.path(), std::ios::binary);
        std::vector<std::uint8_t> data{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
        SCOPED_TRACE(entry.path().string());
        mediaview::fuzzing::png_one_input(data.data(), data.size());
    }
}
