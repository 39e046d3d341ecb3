// The WebP codec without Python: pixels against libwebp's simple API
// (WebPDecodeRGBA), every target layout against the plain one, crops against
// the full decode sliced, truncation, damage, animation, and encoder round
// trips. Pillow is the oracle in tests/test_webp.py.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <webp/decode.h>

#include "decoders/webp/webp_codec.hpp"

using namespace mediaview;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes sample(const std::string& name) {
    std::ifstream f(std::string(MEDIAVIEW_SOURCE_DIR) + "/samples/" + name, std::ios::binary);
    Bytes bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
    EXPECT_FALSE(bytes.empty()) << name;
    return bytes;
}

ByteSpan span(const Bytes& b) { return {b.data(), b.size()}; }

const ImageCodec& webp_codec() { return webp::codec(); }

// A packed (H, W, C) image.
struct Image {
    int width = 0, height = 0, channels = 0;
    Bytes pixels;
    const std::uint8_t* at(int x, int y) const { return pixels.data() + (static_cast<std::size_t>(y) * width + x) * channels; }
    bool operator==(const Image& o) const {
        return width == o.width && height == o.height && channels == o.channels && pixels == o.pixels;
    }
    Image slice(const CropRect& r) const {
        Image out{r.width, r.height, channels, {}};
        for (int y = 0; y < r.height; ++y)
            out.pixels.insert(out.pixels.end(), at(r.x, r.y + y), at(r.x + r.width, r.y + y));
        return out;
    }
};

Image decode(const Bytes& data, ImageRequest request, Diagnostics* diagnostics = nullptr) {
    Image image;
    Diagnostics local;
    webp_codec().decode(span(data), request, [&](const OutputShape& s) {
        image = {s.width, s.height, s.channels, Bytes(static_cast<std::size_t>(s.width) * s.height * s.channels, 0xAB)};
        return PixelTarget{image.pixels.data(), static_cast<Index>(s.width) * s.channels, s.channels};
    }, diagnostics ? *diagnostics : local);
    return image;
}

ImageRequest with_mode(std::optional<PixelMode> mode) {
    ImageRequest r;
    r.mode = mode;
    return r;
}

// libwebp's own one-call decoder, RGBA.
Image reference_rgba(const Bytes& data) {
    int w = 0, h = 0;
    std::uint8_t* p = WebPDecodeRGBA(data.data(), data.size(), &w, &h);
    EXPECT_NE(p, nullptr);
    Image out{w, h, 4, Bytes(p, p + static_cast<std::size_t>(w) * h * 4)};
    WebPFree(p);
    return out;
}

Image drop_alpha(const Image& rgba, bool bgr = false) {
    Image out{rgba.width, rgba.height, 3, {}};
    for (int y = 0; y < rgba.height; ++y)
        for (int x = 0; x < rgba.width; ++x) {
            const std::uint8_t* p = rgba.at(x, y);
            if (bgr) out.pixels.insert(out.pixels.end(), {p[2], p[1], p[0]});
            else out.pixels.insert(out.pixels.end(), {p[0], p[1], p[2]});
        }
    return out;
}

const char* kStills[] = {"chelsea_lossy.webp", "coffee_lossless.webp", "chelsea_alpha.webp", "rocket_orient6.webp"};

}  // namespace

TEST(Webp, SniffAndProbe) {
    Bytes lossy = sample("chelsea_lossy.webp");
    EXPECT_TRUE(webp_codec().sniff(span(lossy)));
    Bytes jpeg = sample("chelsea_420.jpg");
    EXPECT_FALSE(webp_codec().sniff(span(jpeg)));

    ImageInfo info = webp_codec().probe(span(lossy));
    EXPECT_EQ(info.format, "WEBP");
    EXPECT_EQ(info.width, 451);
    EXPECT_EQ(info.height, 300);
    EXPECT_EQ(info.components, 3);
    EXPECT_EQ(info.colorspace, "YCbCr");
    EXPECT_FALSE(info.has_icc);
    ASSERT_EQ(info.extra.size(), 5u);
    EXPECT_EQ(info.extra[0].first, "lossless");
    EXPECT_EQ(std::get<bool>(info.extra[0].second), false);
    EXPECT_EQ(std::get<bool>(info.extra[1].second), false);  // alpha

    ImageInfo lossless = webp_codec().probe(span(sample("coffee_lossless.webp")));
    EXPECT_EQ(std::get<bool>(lossless.extra[0].second), true);
    EXPECT_EQ(lossless.colorspace, "RGB");

    ImageInfo alpha = webp_codec().probe(span(sample("chelsea_alpha.webp")));
    EXPECT_EQ(alpha.components, 4);
    EXPECT_EQ(std::get<bool>(alpha.extra[1].second), true);

    ImageInfo rocket = webp_codec().probe(span(sample("rocket_orient6.webp")));
    EXPECT_EQ(rocket.orientation, 6);
    EXPECT_TRUE(rocket.has_icc);

    ImageInfo anim = webp_codec().probe(span(sample("coffee_animated.webp")));
    EXPECT_EQ(anim.width, 180);
    EXPECT_EQ(anim.height, 120);
    EXPECT_EQ(std::get<bool>(anim.extra[2].second), true);
    EXPECT_EQ(std::get<std::int64_t>(anim.extra[3].second), 6);
    EXPECT_EQ(std::get<std::int64_t>(anim.extra[4].second), 3);
}

TEST(Webp, EveryModeMatchesLibwebp) {
    for (const char* name : kStills) {
        SCOPED_TRACE(name);
        Bytes data = sample(name);
        Image rgba = reference_rgba(data);
        EXPECT_EQ(decode(data, with_mode(PixelMode::RGBA)), rgba);
        EXPECT_EQ(decode(data, with_mode(PixelMode::RGB)), drop_alpha(rgba));
        EXPECT_EQ(decode(data, with_mode(PixelMode::BGR)), drop_alpha(rgba, true));
        Image bgra = decode(data, with_mode(PixelMode::BGRA));
        for (std::size_t i = 0; i < bgra.pixels.size(); i += 4) {
            ASSERT_EQ(bgra.pixels[i], rgba.pixels[i + 2]);
            ASSERT_EQ(bgra.pixels[i + 3], rgba.pixels[i + 3]);
        }
        Image l = decode(data, with_mode(PixelMode::L));
        Image la = decode(data, with_mode(PixelMode::LA));
        for (std::size_t i = 0; i < l.pixels.size(); ++i) {
            const std::uint8_t* p = rgba.pixels.data() + 4 * i;
            ASSERT_EQ(l.pixels[i], webp::pillow_luma(p[0], p[1], p[2]));
            ASSERT_EQ(la.pixels[2 * i], l.pixels[i]);
            ASSERT_EQ(la.pixels[2 * i + 1], p[3]);
        }
        // The file's own layout: RGBA with alpha, else RGB.
        Image own = decode(data, with_mode(std::nullopt));
        EXPECT_EQ(own.channels, std::string(name) == "chelsea_alpha.webp" ? 4 : 3);
    }
}

TEST(Webp, PillowLumaFormula) {
    // Pillow's documented formula, exact where it has no rounding to do.
    EXPECT_EQ(webp::pillow_luma(255, 255, 255), 255);
    EXPECT_EQ(webp::pillow_luma(0, 0, 0), 0);
    EXPECT_EQ(webp::pillow_luma(255, 0, 0), 76);   // 76.245
    EXPECT_EQ(webp::pillow_luma(0, 255, 0), 150);  // 149.685, rounded
    EXPECT_EQ(webp::pillow_luma(0, 0, 255), 29);   // 29.07
}

TEST(Webp, EveryTargetLayoutHoldsTheSamePixels) {
    for (const char* name : kStills) {
        SCOPED_TRACE(name);
        Bytes data = sample(name);
        for (PixelMode mode : {PixelMode::RGB, PixelMode::BGRA, PixelMode::L}) {
            Image plain = decode(data, with_mode(mode));
            const int w = plain.width, h = plain.height, c = plain.channels;
            // layout 0: padded rows; 1: bottom-up rows; 2: mirrored pixels; 3: transposed
            for (int layout = 0; layout < 4; ++layout) {
                SCOPED_TRACE(layout);
                Index row = static_cast<Index>(w) * c;
                Bytes block(static_cast<std::size_t>(h) * (row + 7), 0xCD);
                PixelTarget t{};
                if (layout == 0) t = {block.data(), row + 7, c};
                if (layout == 1) t = {block.data() + (h - 1) * row, -row, c};
                if (layout == 2) t = {block.data() + (w - 1) * c, row, -c};
                if (layout == 3) t = {block.data(), c, static_cast<Index>(h) * c};
                Diagnostics d;
                webp_codec().decode(span(data), with_mode(mode), [&](const OutputShape&) { return t; }, d);
                for (int y = 0; y < h; ++y)
                    for (int x = 0; x < w; ++x)
                        ASSERT_EQ(std::memcmp(t.data + y * t.row_stride + x * t.pixel_stride, plain.at(x, y), c), 0)
                            << x << "," << y;
            }
        }
    }
}

TEST(Webp, CropsEqualTheFullDecodeSliced) {
    std::mt19937 rng(7);
    for (const char* name : kStills) {
        SCOPED_TRACE(name);
        Bytes data = sample(name);
        for (PixelMode mode : {PixelMode::RGBA, PixelMode::L}) {
            Image full = decode(data, with_mode(mode));
            std::vector<CropRect> crops = {{0, 0, 1, 1}, {1, 1, 1, 1}, {full.width - 1, full.height - 1, 1, 1},
                                           {3, 5, full.width - 3, full.height - 5}, {0, 17, full.width, 3}};
            for (int i = 0; i < 60; ++i) {
                int x = static_cast<int>(rng() % full.width), y = static_cast<int>(rng() % full.height);
                int cw = 1 + static_cast<int>(rng() % (full.width - x)), ch = 1 + static_cast<int>(rng() % (full.height - y));
                crops.push_back({x, y, cw, ch});
            }
            for (const CropRect& r : crops) {
                ImageRequest request = with_mode(mode);
                request.crop = r;
                ASSERT_EQ(decode(data, request), full.slice(r)) << r.x << "," << r.y << " " << r.width << "x" << r.height;
            }
        }
    }
}

TEST(Webp, ScaleSizesAndScaledCrops) {
    Bytes data = sample("chelsea_lossy.webp");  // 451x300
    ImageRequest half = with_mode(PixelMode::RGB);
    half.scale = {1, 2, 0, 0};
    Image scaled = decode(data, half);
    EXPECT_EQ(scaled.width, 226);
    EXPECT_EQ(scaled.height, 150);
    // Libwebp's own scaled decode into its own buffer.
    WebPDecoderConfig config;
    ASSERT_TRUE(WebPInitDecoderConfig(&config));
    config.options.use_scaling = 1;
    config.options.scaled_width = 226;
    config.options.scaled_height = 150;
    config.output.colorspace = MODE_RGB;
    ASSERT_EQ(WebPDecode(data.data(), data.size(), &config), VP8_STATUS_OK);
    Bytes expected(config.output.u.RGBA.rgba, config.output.u.RGBA.rgba + 226 * 150 * 3);
    WebPFreeDecBuffer(&config.output);
    EXPECT_EQ(scaled.pixels, expected);

    ImageRequest crop = half;
    crop.crop = CropRect{10, 20, 100, 50};
    EXPECT_EQ(decode(data, crop), scaled.slice(*crop.crop));

    ImageRequest at_least = with_mode(PixelMode::RGB);
    at_least.scale = {0, 0, 100, 10};
    Image min = decode(data, at_least);
    EXPECT_EQ(min.width, 100);
    EXPECT_EQ(min.height, 67);  // ceil(300 * 100 / 451)
    at_least.scale = {0, 0, 1000, 10};
    EXPECT_EQ(decode(data, at_least).width, 451);

    ImageRequest bad = with_mode(PixelMode::RGB);
    bad.scale = {3, 2, 0, 0};
    EXPECT_THROW(decode(data, bad), std::invalid_argument);
    bad.scale = {0, 2, 0, 0};
    bad.scale.num = -1;
    EXPECT_THROW(decode(data, bad), std::invalid_argument);
}

TEST(Webp, OrientedCropIsGivenInTheDisplayedFrame) {
    Bytes data = sample("rocket_orient6.webp");  // stored 427x640, shown 640x427
    Image full = decode(data, with_mode(PixelMode::RGB));
    ImageRequest r = with_mode(PixelMode::RGB);
    r.oriented = true;
    r.crop = CropRect{600, 0, 40, 10};  // only fits in the displayed frame
    Image part = decode(data, r);
    CropRect stored = stored_rect(*r.crop, 6, 427, 640);
    EXPECT_EQ(part, full.slice(stored));
    r.oriented = false;
    EXPECT_THROW(decode(data, r), std::invalid_argument);
}

TEST(Webp, MetaCarriesIccAndExif) {
    Bytes data = sample("rocket_orient6.webp");
    Diagnostics d;
    ImageDecodeResult result = webp_codec().decode(span(data), with_mode(PixelMode::RGB), [](const OutputShape& s) {
        static Bytes block;
        block.assign(static_cast<std::size_t>(s.width) * s.height * s.channels, 0);
        return PixelTarget{block.data(), static_cast<Index>(s.width) * s.channels, s.channels};
    }, d);
    EXPECT_EQ(result.orientation, 6);
    EXPECT_EQ(result.meta.icc.size(), 588u);
    ASSERT_GE(result.meta.exif.size(), 8u);
    EXPECT_TRUE(result.meta.exif.compare(0, 2, "II") == 0 || result.meta.exif.compare(0, 2, "MM") == 0);
}

TEST(Webp, TruncatedFiles) {
    for (const char* name : {"chelsea_lossy.webp", "coffee_lossless.webp", "chelsea_alpha.webp"}) {
        SCOPED_TRACE(name);
        Bytes data = sample(name);
        Image full = decode(data, with_mode(PixelMode::RGB));
        Bytes cut(data.begin(), data.begin() + static_cast<long>(data.size() * 2 / 3));
        EXPECT_THROW(decode(cut, with_mode(PixelMode::RGB)), DecodeError);
        ImageRequest allow = with_mode(PixelMode::RGB);
        allow.allow_truncated = true;
        Diagnostics d;
        Image partial = decode(cut, allow, &d);
        ASSERT_EQ(d.warnings.size(), 1u);
        EXPECT_NE(d.warnings[0].find("truncated"), std::string::npos);
        // The rows it decoded are the full decode's; the rest are zero.
        int rows = std::stoi(d.warnings[0].substr(d.warnings[0].find(": ") + 2));
        EXPECT_GT(rows, 0);
        EXPECT_LT(rows, full.height);
        EXPECT_EQ(partial.slice({0, 0, full.width, rows}), full.slice({0, 0, full.width, rows}));
        for (std::size_t i = static_cast<std::size_t>(rows) * full.width * 3; i < partial.pixels.size(); ++i)
            ASSERT_EQ(partial.pixels[i], 0);
        // Cropped, through the scratch window: the same rows.
        ImageRequest crop = allow;
        crop.crop = CropRect{5, 3, 100, full.height - 3};
        Diagnostics d2;
        Image part = decode(cut, crop, &d2);
        EXPECT_EQ(part.slice({0, 0, 100, 10}), full.slice({5, 3, 100, 10}));
        allow.strict = true;
        EXPECT_THROW(decode(cut, allow), DecodeError);
        // A cut inside the header is never an image.
        Bytes header(data.begin(), data.begin() + 20);
        EXPECT_THROW(decode(header, allow), DecodeError);
        EXPECT_THROW(webp_codec().probe(span(header)), DecodeError);
    }
}

TEST(Webp, DamagedFilesFailTyped) {
    Bytes data = sample("chelsea_lossy.webp");
    std::mt19937 rng(11);
    int failures = 0;
    for (int i = 0; i < 300; ++i) {
        Bytes damaged = data;
        for (int k = 0; k < 4; ++k) damaged[12 + rng() % (damaged.size() - 12)] ^= static_cast<std::uint8_t>(1 + rng() % 255);
        try {
            decode(damaged, with_mode(PixelMode::RGBA));
        } catch (const Error&) {
            ++failures;
        } catch (const std::invalid_argument&) {
            ++failures;
        }
    }
    SUCCEED() << failures << " of 300 damaged files were refused";
    Bytes junk = data;
    std::memset(junk.data() + 20, 0x5A, 40);  // the VP8 frame header
    EXPECT_THROW(decode(junk, with_mode(PixelMode::RGB)), Error);
}

TEST(Webp, LimitsAndBadRequests) {
    Bytes data = sample("chelsea_lossy.webp");
    ImageRequest limited = with_mode(PixelMode::RGB);
    limited.max_pixels = 451 * 300 - 1;
    EXPECT_THROW(decode(data, limited), LimitError);
    limited.max_pixels = 451 * 300;
    EXPECT_NO_THROW(decode(data, limited));
    EXPECT_THROW(decode(data, with_mode(PixelMode::CMYK)), std::invalid_argument);
    ImageRequest frame = with_mode(PixelMode::RGB);
    frame.frame = 1;
    EXPECT_THROW(decode(data, frame), std::invalid_argument);
    ImageRequest crop = with_mode(PixelMode::RGB);
    crop.crop = CropRect{400, 0, 52, 1};
    EXPECT_THROW(decode(data, crop), std::invalid_argument);
}

TEST(Webp, AnimationFramesAndDurations) {
    Bytes data = sample("coffee_animated.webp");
    Diagnostics d;
    Bytes block;
    FramesDecodeResult all = webp_codec().decode_frames(span(data), with_mode(PixelMode::RGBA), [&](const FramesShape& s) {
        std::size_t frame = static_cast<std::size_t>(s.frame.width) * s.frame.height * s.frame.channels;
        block.assign(frame * s.frames, 0);
        return FramesTarget{{block.data(), static_cast<Index>(s.frame.width) * 4, 4}, static_cast<Index>(frame)};
    }, d);
    ASSERT_EQ(all.shape.frames, 6);
    EXPECT_EQ(all.durations_ms, (std::vector<int>{60, 80, 100, 120, 140, 160}));
    EXPECT_EQ(all.loop_count, 3);
    std::size_t frame_bytes = 180 * 120 * 4;
    for (int k = 0; k < 6; ++k) {
        ImageRequest r = with_mode(PixelMode::RGBA);
        r.frame = k;
        Image one = decode(data, r);
        ASSERT_EQ(one.pixels, Bytes(block.begin() + k * frame_bytes, block.begin() + (k + 1) * frame_bytes)) << k;
    }
    // Frames differ (the pan), and frame 0 is what libwebp's demuxer-free call gives.
    EXPECT_NE(Bytes(block.begin(), block.begin() + frame_bytes), Bytes(block.begin() + frame_bytes, block.begin() + 2 * frame_bytes));
    ImageRequest crop = with_mode(PixelMode::L);
    crop.frame = 4;
    crop.crop = CropRect{10, 20, 30, 40};
    Image part = decode(data, crop);
    ImageRequest whole = with_mode(PixelMode::L);
    whole.frame = 4;
    EXPECT_EQ(part, decode(data, whole).slice(*crop.crop));
    ImageRequest bad = with_mode(PixelMode::RGB);
    bad.frame = 6;
    EXPECT_THROW(decode(data, bad), std::invalid_argument);
    bad.frame = 0;
    bad.scale = {1, 2, 0, 0};
    EXPECT_THROW(decode(data, bad), std::invalid_argument);
    // A cut animation is refused with a typed error.
    Bytes cut(data.begin(), data.begin() + static_cast<long>(data.size() / 2));
    EXPECT_THROW(decode(cut, with_mode(PixelMode::RGB)), DecodeError);
}

TEST(Webp, StillImageAsOneFrame) {
    Bytes data = sample("chelsea_lossy.webp");
    Bytes block;
    Diagnostics d;
    FramesDecodeResult all = webp_codec().decode_frames(span(data), with_mode(PixelMode::RGB), [&](const FramesShape& s) {
        block.assign(static_cast<std::size_t>(s.frame.width) * s.frame.height * 3, 0);
        return FramesTarget{{block.data(), static_cast<Index>(s.frame.width) * 3, 3}, 0};
    }, d);
    EXPECT_EQ(all.shape.frames, 1);
    EXPECT_EQ(all.durations_ms, std::vector<int>{0});
    EXPECT_EQ(block, decode(data, with_mode(PixelMode::RGB)).pixels);
}

namespace {

StridedArray array_of(const Image& image) {
    StridedArray a = image.channels == 1 ? StridedArray::allocate(DType::U8, {image.height, image.width})
                                         : StridedArray::allocate(DType::U8, {image.height, image.width, image.channels});
    std::memcpy(a.data(), image.pixels.data(), image.pixels.size());
    return a;
}

Bytes bytes_of(const EncodedBytes& e) { return {e.data.get(), e.data.get() + e.size}; }

}  // namespace

TEST(WebpEncoder, LosslessRoundTripIsExact) {
    Image rgba = decode(sample("chelsea_alpha.webp"), with_mode(PixelMode::RGBA));
    Options o{{"lossless", true}};
    for (PixelMode mode : {PixelMode::RGBA, PixelMode::RGB, PixelMode::L}) {
        SCOPED_TRACE(std::string(pixel_mode_name(mode)));
        Image source = mode == PixelMode::RGBA ? rgba : decode(sample("chelsea_alpha.webp"), with_mode(mode));
        EncodedBytes e = webp_codec().encode(array_of(source), {mode, {}, {}}, o);
        Bytes file = bytes_of(e);
        ImageInfo info = webp_codec().probe(span(file));
        EXPECT_EQ(std::get<bool>(info.extra[0].second), true);
        PixelMode back = mode == PixelMode::L ? PixelMode::RGB : mode;
        Image decoded = decode(file, with_mode(back));
        if (mode == PixelMode::L) {
            for (std::size_t i = 0; i < source.pixels.size(); ++i) ASSERT_EQ(decoded.pixels[3 * i + 1], source.pixels[i]);
        } else if (mode == PixelMode::RGBA) {
            // libwebp may change the colour under fully transparent pixels (exact=0, as Pillow).
            for (std::size_t i = 0; i < source.pixels.size(); i += 4) {
                ASSERT_EQ(decoded.pixels[i + 3], source.pixels[i + 3]);
                if (source.pixels[i + 3] != 0) ASSERT_EQ(std::memcmp(&decoded.pixels[i], &source.pixels[i], 3), 0);
            }
        } else {
            EXPECT_EQ(decoded, source);
        }
    }
}

TEST(WebpEncoder, LossyQualityStridesAndMeta) {
    Image rgb = decode(sample("chelsea_lossy.webp"), with_mode(PixelMode::RGB));
    StridedArray packed = array_of(rgb);
    Bytes q90 = bytes_of(webp_codec().encode(packed, {PixelMode::RGB, {}, {}}, {{"quality", std::int64_t{90}}}));
    Bytes q20 = bytes_of(webp_codec().encode(packed, {PixelMode::RGB, {}, {}}, {{"quality", std::int64_t{20}}}));
    EXPECT_LT(q20.size(), q90.size());
    Image back = decode(q90, with_mode(PixelMode::RGB));
    double sum = 0;
    for (std::size_t i = 0; i < back.pixels.size(); ++i) {
        double d = double(back.pixels[i]) - double(rgb.pixels[i]);
        sum += d * d;
    }
    double psnr = 10 * std::log10(255.0 * 255.0 * back.pixels.size() / sum);
    EXPECT_GT(psnr, 35.0);
    // A flipped view encodes as the flipped image.
    Bytes flipped = bytes_of(webp_codec().encode(packed.flipped(0), {PixelMode::RGB, {}, {}}, {{"lossless", true}}));
    Image f = decode(flipped, with_mode(PixelMode::RGB));
    EXPECT_EQ(f.slice({0, 0, rgb.width, 1}), rgb.slice({0, rgb.height - 1, rgb.width, 1}));
    // BGR input is the same picture.
    Image bgr = decode(sample("chelsea_lossy.webp"), with_mode(PixelMode::BGR));
    Bytes from_bgr = bytes_of(webp_codec().encode(array_of(bgr), {PixelMode::BGR, {}, {}}, {{"lossless", true}}));
    EXPECT_EQ(decode(from_bgr, with_mode(PixelMode::RGB)), rgb);
    // ICC and EXIF are stored and read back.
    std::string icc(300, 'p'), exif = std::string("II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x03\0\0\0\0\0\0\0", 26);
    Bytes with_meta = bytes_of(webp_codec().encode(packed, {PixelMode::RGB, icc, exif}, {}));
    ImageInfo info = webp_codec().probe(span(with_meta));
    EXPECT_TRUE(info.has_icc);
    EXPECT_EQ(info.orientation, 3);
    Diagnostics d;
    Bytes block;
    ImageDecodeResult r = webp_codec().decode(span(with_meta), with_mode(PixelMode::RGB), [&](const OutputShape& s) {
        block.assign(static_cast<std::size_t>(s.width) * s.height * 3, 0);
        return PixelTarget{block.data(), static_cast<Index>(s.width) * 3, 3};
    }, d);
    EXPECT_EQ(r.meta.icc, icc);
    EXPECT_EQ(r.meta.exif, exif);
}

TEST(WebpEncoder, RefusesWhatWebpCannotStore) {
    EXPECT_THROW(webp_codec().encode(StridedArray::allocate(DType::U8, {10, 16384, 3}), {PixelMode::RGB, {}, {}}, {}),
                 std::invalid_argument);
    EXPECT_THROW(webp_codec().encode(StridedArray::allocate(DType::U16, {10, 10, 3}), {PixelMode::RGB, {}, {}}, {}),
                 std::invalid_argument);
    EXPECT_THROW(webp_codec().encode(StridedArray::allocate(DType::U8, {10, 10, 4}), {PixelMode::CMYK, {}, {}}, {}),
                 std::invalid_argument);
    EXPECT_THROW(webp_codec().encode(StridedArray::allocate(DType::U8, {10, 10, 3}), {PixelMode::RGBA, {}, {}}, {}),
                 std::invalid_argument);
    EXPECT_THROW(webp_codec().encode(StridedArray::allocate(DType::U8, {0, 10, 3}), {PixelMode::RGB, {}, {}}, {}),
                 std::invalid_argument);
}
