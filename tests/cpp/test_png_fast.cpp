// Our PNG decode path (libdeflate + SIMD unfilter, decoders/png/png_fast.*)
// against libspng's: every file of PngSuite (../shared/corpus/png, skipped
// when absent) and samples/, in every mode and dtype, plus cut and damaged
// copies, must give the same pixels and warnings or the same error
// (fuzz/png_fast_harness.hpp). And the SIMD unfilter against the scalar one.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "decoders/png/unfilter.hpp"
#include "fuzz/png_fast_harness.hpp"
#include "tests/cpp/image_samples.hpp"

using namespace mediaview;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> png_files() {
    return test_samples::files_ending({fs::path(MEDIAVIEW_SOURCE_DIR) / "samples",
                                       fs::path(MEDIAVIEW_SOURCE_DIR) / ".." / "shared" / "corpus" / "png"},
                                      ".png");
}

using test_samples::file_bytes;
using test_samples::span;

bool pngsuite_present() {
    return fs::is_directory(fs::path(MEDIAVIEW_SOURCE_DIR) / ".." / "shared" / "corpus" / "png");
}

}  // namespace

TEST(PngFastUnfilter, SimdEqualsScalarForEveryFilterAndBpp) {
    std::mt19937 rng(7);
    for (int bpp : {1, 2, 3, 4, 6, 8}) {
        for (int filter = 0; filter <= 4; ++filter) {
            for (std::size_t pixels : {1u, 2u, 5u, 17u, 333u}) {
                std::size_t n = pixels * static_cast<std::size_t>(bpp);
                std::vector<std::uint8_t> prev(n), row(n);
                for (auto& b : prev) b = static_cast<std::uint8_t>(rng());
                for (auto& b : row) b = static_cast<std::uint8_t>(rng());
                // The fast path works in place: the next row's bytes follow.
                std::vector<std::uint8_t> a(row), b(row);
                a.push_back(0x5A);
                ASSERT_TRUE(png::unfilter_row(filter, a.data(), prev.data(), n, bpp));
                ASSERT_TRUE(png::unfilter_row_scalar(filter, b.data(), prev.data(), n, bpp));
                EXPECT_EQ(a.back(), 0x5A) << "wrote past the row";
                a.pop_back();
                EXPECT_EQ(a, b) << "bpp " << bpp << " filter " << filter << " pixels " << pixels;
            }
        }
    }
    std::vector<std::uint8_t> row(8), prev(8);
    EXPECT_FALSE(png::unfilter_row(5, row.data(), prev.data(), 8, 4));
}

TEST(PngFastDifferential, EveryFileModeAndDtype) {
    std::vector<fs::path> files = png_files();
    ASSERT_FALSE(files.empty());
    int compared = 0;
    for (const fs::path& path : files) {
        std::vector<std::uint8_t> data = file_bytes(path);
        for (int mode = 0; mode < 8; ++mode)
            for (int dtype = 0; dtype < 3; ++dtype)
                for (int strict = 0; strict < 2; ++strict) {
                    std::uint8_t o[8] = {static_cast<std::uint8_t>(mode | strict << 3), static_cast<std::uint8_t>(dtype)};
                    ImageRequest request = fuzzing::png_fast_request(o, span(data));
                    // Strict or not, once decoded in place in the output's
                    // own block and once into a caller's buffer (no room).
                    EXPECT_TRUE(fuzzing::png_paths_agree(span(data), request, strict == 0))
                        << path.filename() << " mode " << mode << " dtype " << dtype << " strict " << strict;
                    ++compared;
                }
    }
    EXPECT_GT(compared, 0);
    if (!pngsuite_present()) GTEST_SKIP() << "PngSuite absent: only samples/ compared";
}

TEST(PngFastDifferential, CropsAgree) {
    for (const fs::path& path : png_files()) {
        std::vector<std::uint8_t> data = file_bytes(path);
        std::uint8_t o[8] = {0x40, 0, 0, 30, 70, 150, 100, 0};
        EXPECT_TRUE(fuzzing::png_paths_agree(span(data), fuzzing::png_fast_request(o, span(data))))
            << path.filename();
    }
}

TEST(PngFastDifferential, CutAndDamagedCopiesAgree) {
    for (const fs::path& path : png_files()) {
        std::vector<std::uint8_t> data = file_bytes(path);
        std::vector<std::vector<std::uint8_t>> variants;
        for (int k = 1; k < 8; ++k) variants.emplace_back(data.begin(), data.begin() + data.size() * k / 8);
        if (data.size() > 12) variants.emplace_back(data.begin(), data.end() - 12);  // no IEND
        variants.emplace_back(data.begin(), data.end() - 1);
        for (int k = 1; k < 16; ++k) {  // one flipped byte: CRCs, zlib data, filter bytes
            std::vector<std::uint8_t> flipped(data);
            flipped[flipped.size() * k / 16] ^= 0x24;
            // With the CRCs made right, the damage reaches the inflaters.
            variants.push_back(fuzzing::with_fixed_crcs(span(flipped)));
            variants.push_back(std::move(flipped));
        }
        variants.push_back(data);
        variants.back().insert(variants.back().end(), {1, 2, 3});  // bytes after IEND
        for (std::size_t v = 0; v < variants.size(); ++v)
            // plain, allow_truncated, and strict too; in place, and into a caller's buffer
            for (std::uint8_t flags : {0x00, 0x10, 0x18, 0x20, 0x30}) {
                std::uint8_t o[8] = {flags, 0};
                ByteSpan s = span(variants[v]);
                EXPECT_TRUE(fuzzing::png_paths_agree(s, fuzzing::png_fast_request(o, s), !(flags & 0x20)))
                    << path.filename() << " variant " << v << " flags " << int(flags);
            }
    }
}
