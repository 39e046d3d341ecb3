// Colour conversion (src/colour.hpp) against lcms2 called directly: every
// element type and layout, strided and flipped views, threads sharing a
// cached transform, and the fuzz regressions (tests/regressions/icc/).
#include <gtest/gtest.h>

#include <lcms2.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "fuzz/icc_harness.hpp"
#include "src/colour.hpp"
#include "src/colour_matrix.hpp"

using namespace mediaview;
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

const fs::path kAdobe = "/usr/share/color/icc/colord/AdobeRGB1998.icc";

std::string adobe_profile() {
    if (!fs::exists(kAdobe)) return {};
    return read_text(kAdobe);
}

template <typename T>
StridedArray pattern(DType dtype, int h, int w, int c) {
    StridedArray a = StridedArray::allocate(dtype, {h, w, c});
    T* p = reinterpret_cast<T*>(a.data());
    for (std::size_t i = 0; i < a.count(); ++i) {
        if constexpr (std::is_floating_point_v<T>)
            p[i] = static_cast<T>((i * 7919) % 1000) / 1000;
        else
            p[i] = static_cast<T>((i * 7919) % (std::size_t(std::numeric_limits<T>::max()) + 1));
    }
    return a;
}

// lcms2 itself: the same profiles, format, intent and flags, not in place.
std::vector<std::uint8_t> reference(const std::string& icc, const StridedArray& a, cmsUInt32Number format) {
    cmsHPROFILE in = cmsOpenProfileFromMem(icc.data(), static_cast<cmsUInt32Number>(icc.size()));
    cmsHPROFILE out = cmsCreate_sRGBProfile();
    cmsHTRANSFORM t = cmsCreateTransform(in, format, out, format, INTENT_RELATIVE_COLORIMETRIC,
                                         cmsFLAGS_BLACKPOINTCOMPENSATION | cmsFLAGS_COPY_ALPHA);
    std::vector<std::uint8_t> result(a.nbytes());
    cmsDoTransform(t, a.data(), result.data(), static_cast<cmsUInt32Number>(a.shape()[0] * a.shape()[1]));
    cmsDeleteTransform(t);
    cmsCloseProfile(in);
    cmsCloseProfile(out);
    return result;
}

template <typename T>
void expect_near(const std::uint8_t* ours, const std::uint8_t* theirs, std::size_t count, double tolerance) {
    const T* a = reinterpret_cast<const T*>(ours);
    const T* b = reinterpret_cast<const T*>(theirs);
    double worst = 0;
    for (std::size_t i = 0; i < count; ++i) worst = std::max(worst, std::abs(double(a[i]) - double(b[i])));
    EXPECT_LE(worst, tolerance);
}

// Display P3 (P3 primaries, D65, the sRGB curve), as the iPhone's photos
// carry it.
std::string display_p3() {
    cmsCIExyY white{0.3127, 0.3290, 1.0};
    cmsCIExyYTRIPLE primaries{{0.680, 0.320, 1.0}, {0.265, 0.690, 1.0}, {0.150, 0.060, 1.0}};
    double params[5] = {2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045};
    cmsToneCurve* curve = cmsBuildParametricToneCurve(nullptr, 4, params);
    cmsToneCurve* curves[3] = {curve, curve, curve};
    cmsHPROFILE p = cmsCreateRGBProfile(&white, &primaries, curves);
    cmsUInt32Number size = 0;
    cmsSaveProfileToMem(p, nullptr, &size);
    std::string bytes(size, '\0');
    cmsSaveProfileToMem(p, bytes.data(), &size);
    cmsCloseProfile(p);
    cmsFreeToneCurve(curve);
    return bytes;
}

}  // namespace

TEST(Colour, EveryElementTypeMatchesLcms2) {
    std::string icc = adobe_profile();
    if (icc.empty()) GTEST_SKIP() << kAdobe << " (colord-data) is not installed";
    ColourRequest srgb;
    Diagnostics d;
    {
        StridedArray a = pattern<std::uint8_t>(DType::U8, 9, 11, 4);
        auto want = reference(icc, a, TYPE_RGBA_8);
        ImageMeta meta{PixelMode::RGBA, icc};
        convert_colour(a, meta, srgb, true, d);
        // 8-bit matrix/TRC: our fast path (colour_matrix.hpp), within 1 of lcms2.
        expect_near<std::uint8_t>(a.data(), want.data(), a.count(), 1);
        EXPECT_TRUE(meta.colour_converted);
    }
    {
        StridedArray a = pattern<std::uint16_t>(DType::U16, 9, 11, 3);
        auto want = reference(icc, a, TYPE_RGB_16);
        ImageMeta meta{PixelMode::RGB, icc};
        convert_colour(a, meta, srgb, true, d);
        expect_near<std::uint16_t>(a.data(), want.data(), a.count(), 0);
    }
    {
        StridedArray a = pattern<float>(DType::F32, 9, 11, 3);
        auto want = reference(icc, a, TYPE_RGB_FLT);
        ImageMeta meta{PixelMode::RGB, icc};
        convert_colour(a, meta, srgb, true, d);
        expect_near<float>(a.data(), want.data(), a.count(), 1e-6);
    }
    EXPECT_TRUE(d.warnings.empty());
}

// Transposed, flipped and every-other-pixel views convert each pixel as the
// contiguous image does.
TEST(Colour, StridedViewsConvertEveryPixelOnce) {
    std::string icc = adobe_profile();
    if (icc.empty()) GTEST_SKIP();
    ColourRequest srgb;
    Diagnostics d;
    StridedArray plain = pattern<std::uint8_t>(DType::U8, 6, 10, 3);
    StridedArray expected = StridedArray::allocate(DType::U8, {6, 10, 3});
    std::memcpy(expected.data(), plain.data(), plain.nbytes());
    ImageMeta m1{PixelMode::RGB, icc};
    convert_colour(expected, m1, srgb, true, d);
    auto views = [&](const StridedArray& a) {
        return std::vector<StridedArray>{a.permuted({1, 0, 2}), a.flipped(0), a.flipped(1).permuted({1, 0, 2})};
    };
    for (std::size_t v = 0; v < 3; ++v) {
        StridedArray copy = StridedArray::allocate(DType::U8, {6, 10, 3});
        std::memcpy(copy.data(), plain.data(), plain.nbytes());
        ImageMeta meta{PixelMode::RGB, icc};
        convert_colour(views(copy)[v], meta, srgb, true, d);
        EXPECT_EQ(0, std::memcmp(copy.data(), expected.data(), copy.nbytes())) << "view " << v;
    }
    // Every other pixel of a wider buffer: the pixels between stay as they were.
    StridedArray wide = StridedArray::allocate(DType::U8, {6, 20, 3});
    std::memset(wide.data(), 77, wide.nbytes());
    StridedArray every_other(wide.storage(), DType::U8, {6, 10, 3}, {60, 6, 1});
    for (int y = 0; y < 6; ++y)
        for (int x = 0; x < 10; ++x) std::memcpy(every_other.data() + y * 60 + x * 6, plain.data() + (y * 10 + x) * 3, 3);
    ImageMeta meta{PixelMode::RGB, icc};
    convert_colour(every_other, meta, srgb, true, d);
    for (int y = 0; y < 6; ++y)
        for (int x = 0; x < 10; ++x) {
            EXPECT_EQ(0, std::memcmp(every_other.data() + y * 60 + x * 6, expected.data() + (y * 10 + x) * 3, 3));
            EXPECT_EQ(77, wide.data()[y * 60 + x * 6 + 3]);
        }
}

TEST(Colour, ThreadsShareTheCachedTransform) {
    std::string icc = adobe_profile();
    if (icc.empty()) GTEST_SKIP();
    StridedArray base = pattern<std::uint8_t>(DType::U8, 64, 64, 3);
    std::vector<StridedArray> copies;
    for (int i = 0; i < 4; ++i) {
        copies.push_back(StridedArray::allocate(DType::U8, {64, 64, 3}));
        std::memcpy(copies.back().data(), base.data(), base.nbytes());
    }
    std::vector<std::thread> threads;
    for (auto& c : copies)
        threads.emplace_back([&c, &icc] {
            Diagnostics d;
            ImageMeta meta{PixelMode::RGB, icc};
            for (int k = 0; k < 1; ++k) convert_colour(c, meta, ColourRequest{}, true, d);
        });
    for (auto& t : threads) t.join();
    for (auto& c : copies) EXPECT_EQ(0, std::memcmp(c.data(), copies[0].data(), c.nbytes()));
    EXPECT_NE(0, std::memcmp(copies[0].data(), base.data(), base.nbytes()));
}

TEST(Colour, RefusedProfileWarnsOrFailsStrict) {
    std::string garbage(400, '\xff');
    garbage.replace(36, 4, "acsp");
    StridedArray a = pattern<std::uint8_t>(DType::U8, 4, 4, 3);
    std::vector<std::uint8_t> before(a.data(), a.data() + a.nbytes());
    Diagnostics d;
    ImageMeta meta{PixelMode::RGB, garbage};
    convert_colour(a, meta, ColourRequest{}, false, d);
    ASSERT_EQ(d.warnings.size(), 1u);
    EXPECT_NE(d.warnings[0].find("colour not converted"), std::string::npos);
    EXPECT_EQ(0, std::memcmp(a.data(), before.data(), before.size()));
    EXPECT_EQ(meta.icc, garbage);
    EXPECT_THROW(convert_colour(a, meta, ColourRequest{}, true, d), DecodeError);
}

TEST(Colour, HdrCicpIsRefusedAndP3IsBuilt) {
    Diagnostics d;
    StridedArray a = pattern<std::uint8_t>(DType::U8, 4, 4, 3);
    ImageMeta pq{PixelMode::RGB};
    pq.colour.cicp = Cicp{9, 16, 0, true};
    EXPECT_THROW(convert_colour(a, pq, ColourRequest{}, true, d), DecodeError);
    ImageMeta p3{PixelMode::RGB};
    p3.colour.cicp = Cicp{12, 13, 0, true};
    convert_colour(a, p3, ColourRequest{}, true, d);
    EXPECT_TRUE(p3.colour_converted);
}

TEST(Regressions, IccFuzzInputsReplayCleanly) {
    fs::path dir = fs::path(MEDIAVIEW_SOURCE_DIR) / "tests" / "regressions" / "icc";
    int replayed = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        std::string bytes = read_text(entry.path());
        fuzz::run_icc_input(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
        ++replayed;
    }
    EXPECT_GT(replayed, 0);
}

// Our matrix/TRC fast path (src/colour_matrix.cpp) against lcms2 over every
// 8-bit RGB value, for the RGB matrix/TRC profiles Debian installs and the
// Display P3 (built here, as samples/make_colour_samples.py writes it), to
// sRGB and to linear sRGB, relative colorimetric and (to sRGB) perceptual:
// within 1 level (lcms2 itself rounds through 16 bits). Each
// kernel (scalar, and SSE4.1 where the CPU has it: CI machines without it
// still test the scalar one), and the kernels give the same bytes.
TEST(Colour, MatrixShaperFastPathMatchesLcms2OnEveryRgbValue) {
    std::vector<fs::path> profiles;
    for (const char* p : {"/usr/share/color/icc/colord/AdobeRGB1998.icc", "/usr/share/color/icc/colord/ProPhotoRGB.icc",
                          "/usr/share/color/icc/compatibleWithAdobeRGB1998.icc", "/usr/share/color/icc/colord/Rec709.icc"})
        if (fs::exists(p)) profiles.push_back(p);
    profiles.push_back("Display P3");  // built here: no Debian package ships it
    StridedArray every = StridedArray::allocate(DType::U8, {4096, 4096, 3});
    for (std::size_t i = 0; i < 4096u * 4096u; ++i) {
        every.data()[3 * i] = static_cast<std::uint8_t>(i >> 16);
        every.data()[3 * i + 1] = static_cast<std::uint8_t>(i >> 8);
        every.data()[3 * i + 2] = static_cast<std::uint8_t>(i);
    }
    std::vector<ColourKernel> kernels = {ColourKernel::Scalar};
    if (cpu_has_sse41()) kernels.push_back(ColourKernel::Sse41);
    int fast_paths = 0;
    for (const fs::path& path : profiles) {
        std::string icc = path == "Display P3" ? display_p3() : read_text(path);
        const std::pair<const char*, Intent> cases[] = {{"srgb", Intent::RelativeColorimetric},
                                                        {"linear-srgb", Intent::RelativeColorimetric},
                                                        {"srgb", Intent::Perceptual}};
        for (const auto& [target, intent] : cases) {
            ColourRequest request;
            request.target = target;
            request.intent = intent;
            std::vector<std::uint8_t> first_kernel;
            for (ColourKernel kernel : kernels) {
                ASSERT_TRUE(force_colour_kernel(kernel));
                StridedArray ours = StridedArray::allocate(DType::U8, {4096, 4096, 3});
                std::memcpy(ours.data(), every.data(), every.nbytes());
                ImageMeta meta{PixelMode::RGB, icc};
                Diagnostics d;
                convert_colour(ours, meta, request, true, d);
                force_colour_kernel(std::nullopt);
                std::string out_icc = meta.icc;
                cmsHPROFILE in = cmsOpenProfileFromMem(icc.data(), static_cast<cmsUInt32Number>(icc.size()));
                cmsHPROFILE out = cmsOpenProfileFromMem(out_icc.data(), static_cast<cmsUInt32Number>(out_icc.size()));
                fast_paths += matrix_shaper_transform(in, out, TYPE_RGB_8, intent) != nullptr;
                cmsHTRANSFORM t = cmsCreateTransform(in, TYPE_RGB_8, out, TYPE_RGB_8,
                                                     intent == Intent::Perceptual ? INTENT_PERCEPTUAL
                                                                                  : INTENT_RELATIVE_COLORIMETRIC,
                                                     cmsFLAGS_BLACKPOINTCOMPENSATION);
                std::vector<std::uint8_t> want(every.nbytes());
                cmsDoTransform(t, every.data(), want.data(), 4096u * 4096u);
                cmsDeleteTransform(t);
                cmsCloseProfile(in);
                cmsCloseProfile(out);
                int worst = 0;
                std::size_t off_by_one = 0;
                for (std::size_t i = 0; i < want.size(); ++i) {
                    int diff = std::abs(int(ours.data()[i]) - int(want[i]));
                    worst = std::max(worst, diff);
                    off_by_one += diff != 0;
                }
                const char* intent_name = intent == Intent::Perceptual ? "perceptual" : "relative";
                EXPECT_LE(worst, 1) << path << " to " << target << ", " << intent_name << ", kernel "
                                    << colour_kernel_name(kernel);
                std::printf("%s to %s (%s), %s kernel: max %d, %.3f%% of values off by one\n",
                            path.filename().c_str(), target, intent_name, colour_kernel_name(kernel), worst,
                            100.0 * off_by_one / want.size());
                std::vector<std::uint8_t> got(ours.data(), ours.data() + ours.nbytes());
                if (first_kernel.empty())
                    first_kernel = std::move(got);
                else
                    EXPECT_TRUE(got == first_kernel) << "the kernels differ: " << path << " to " << target;
            }
        }
    }
    EXPECT_GT(fast_paths, 0) << "the fast path ran for no profile: this test would test lcms2 against itself";
}

// Each kernel on every layout it takes (RGB, BGR, RGBA, BGRA, RGBX), in
// place and into another buffer, row lengths that are not a multiple of
// anything: the same bytes as the scalar kernel, alpha untouched or copied.
TEST(Colour, MatrixShaperKernelsAgreeOnEveryLayout) {
    std::string icc = adobe_profile();
    if (icc.empty()) GTEST_SKIP() << kAdobe << " (colord-data) is not installed";
    if (!cpu_has_sse41()) GTEST_SKIP() << "this CPU has only the scalar kernel";
    cmsHPROFILE in = cmsOpenProfileFromMem(icc.data(), static_cast<cmsUInt32Number>(icc.size()));
    cmsHPROFILE out = cmsCreate_sRGBProfile();
    for (cmsUInt32Number format : {TYPE_RGB_8, TYPE_BGR_8, TYPE_RGBA_8, TYPE_BGRA_8}) {
        auto t = matrix_shaper_transform(in, out, format, Intent::RelativeColorimetric);
        ASSERT_TRUE(t) << format;
        std::size_t bytes = T_CHANNELS(format) + T_EXTRA(format);
        for (std::size_t pixels : {0u, 1u, 7u, 8u, 9u, 1001u}) {
            std::vector<std::uint8_t> src(pixels * bytes);
            for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<std::uint8_t>(i * 7919 >> 3);
            std::vector<std::vector<std::uint8_t>> results;
            for (ColourKernel kernel : {ColourKernel::Scalar, ColourKernel::Sse41}) {
                ASSERT_TRUE(force_colour_kernel(kernel));
                std::vector<std::uint8_t> in_place = src, apart(src.size(), 0xAB);
                t->apply(in_place.data(), in_place.data(), pixels);
                t->apply(src.data(), apart.data(), pixels);
                force_colour_kernel(std::nullopt);
                EXPECT_TRUE(in_place == apart) << "in place and apart differ, " << colour_kernel_name(kernel);
                for (std::size_t p = 0; bytes == 4 && p < pixels; ++p) EXPECT_EQ(in_place[4 * p + 3], src[4 * p + 3]);
                results.push_back(in_place);
            }
            EXPECT_TRUE(results[0] == results[1]) << "format " << format << ", " << pixels << " pixels";
            if (pixels > 8) {
                EXPECT_NE(results[0], src);  // a test that cannot fail is a defect
            }
        }
    }
    cmsCloseProfile(in);
    cmsCloseProfile(out);
}

// The hand-off of bands between a decoder and the converting worker
// (decode_converting): every row converted exactly once, whichever thread
// took it, over band sizes that do not divide the image; a decoder that
// fails midway passes its exception on and leaves no thread waiting.
TEST(Colour, BandsConvertedWhileDecodingEachOnce) {
    cmsHPROFILE in = cmsCreate_sRGBProfile();
    std::string p3 = display_p3();
    cmsHPROFILE from = cmsOpenProfileFromMem(p3.data(), static_cast<cmsUInt32Number>(p3.size()));
    auto t = matrix_shaper_transform(from, in, TYPE_RGB_8, Intent::RelativeColorimetric);
    ASSERT_TRUE(t);
    const std::size_t width = 1031, rows = 1100;  // 1.13 MP: above the hand-off's threshold
    std::vector<std::uint8_t> source(width * rows * 3);
    for (std::size_t i = 0; i < source.size(); ++i) source[i] = static_cast<std::uint8_t>(i * 7919 >> 5);
    std::vector<std::uint8_t> want = source;
    t->apply(want.data(), want.data(), width * rows);
    for (std::size_t band : {1u, 2u, 7u, 16u, 1100u}) {
        std::vector<std::uint8_t> image(source.size(), 0);
        decode_converting(*t, image.data(), width, static_cast<std::ptrdiff_t>(width * 3), rows,
                          [&](const BandDone& done) {
                              for (std::size_t y = 0; y < rows; y += band) {
                                  std::size_t n = std::min(band, rows - y);
                                  std::memcpy(&image[y * width * 3], &source[y * width * 3], n * width * 3);
                                  done(y, n);
                              }
                          });
        EXPECT_TRUE(image == want) << "bands of " << band << " rows";
    }
    std::vector<std::uint8_t> image(source.size(), 0);
    EXPECT_THROW(decode_converting(*t, image.data(), width, static_cast<std::ptrdiff_t>(width * 3), rows,
                                   [&](const BandDone& done) {
                                       for (std::size_t y = 0; y < 300; ++y) done(y, 1);
                                       throw DecodeError("JPEG: data ends early");
                                   }),
                 DecodeError);
    cmsCloseProfile(in);
    cmsCloseProfile(from);
}
