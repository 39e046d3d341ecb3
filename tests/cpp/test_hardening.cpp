// Regressions from the sanitizers and fuzzers (issue 5): each input saved in
// tests/regressions/<target>/ is replayed through the fuzz harness that found
// it, and each finding that needs no input file has its own test here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/encode_harness.hpp"
#include "fuzz/jpeg_harness.hpp"

using namespace mediaview;
namespace fs = std::filesystem;

namespace {

std::vector<std::uint8_t> read_bytes(const fs::path& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> regressions(const std::string& target) {
    fs::path dir = fs::path(MEDIAVIEW_SOURCE_DIR) / "tests" / "regressions" / target;
    std::vector<fs::path> files;
    if (fs::is_directory(dir))
        for (const auto& entry : fs::directory_iterator(dir))
            if (entry.is_regular_file() && entry.path().filename().string()[0] != '.') files.push_back(entry.path());
    return files;
}

}  // namespace

// Every saved fuzz input replays without a crash, an untyped exception or a
// broken harness invariant (those abort the test binary).
TEST(Regressions, JpegFuzzInputsReplayCleanly) {
    for (const fs::path& file : regressions("jpeg")) {
        SCOPED_TRACE(file.filename().string());
        auto data = read_bytes(file);
        mediaview::fuzzing::jpeg_one_input(data.data(), data.size());
    }
}

TEST(Regressions, ExifFuzzInputsReplayCleanly) {
    for (const fs::path& file : regressions("exif")) {
        SCOPED_TRACE(file.filename().string());
        auto data = read_bytes(file);
        int o = jpeg::exif_orientation(data.data(), data.size());
        EXPECT_GE(o, 1);
        EXPECT_LE(o, 8);
    }
}

TEST(Regressions, EncodeFuzzInputsReplayCleanly) {
    for (const fs::path& file : regressions("encode")) {
        SCOPED_TRACE(file.filename().string());
        auto data = read_bytes(file);
        fuzzing::encode::encode_one_input(data.data(), data.size());
    }
}

// The encoder harness itself, on a few of fuzz/run.py's seeds: requests it
// must accept (L at quality 100 through a transposed view, CMYK into flipped
// rows, a 65500 pixel side) and ones it must refuse (quality 101, 2 channels
// for RGB, a 65501 pixel side). A wrong expectation aborts.
TEST(Regressions, EncodeHarnessSeedsRunCleanly) {
    const std::vector<std::vector<std::uint8_t>> inputs = {
        {0x05, 99, 32, 16, 4, 2, 0x10, 0, 255, 0, 255, 17, 200, 3},
        {0x06, 99, 16, 8, 2, 0, 0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9},
        {0x05, 89, 0, 0, 0, 10, 0x07, 9, 8, 7},
        {0x20, 242, 7, 7, 0, 0, 0x00, 1},
        {0x00, 89, 7, 7, 0, 1, 0x04, 1},
        {0x05, 89, 0, 0, 0, 11, 0x07, 1},
    };
    for (const auto& input : inputs) fuzzing::encode::encode_one_input(input.data(), input.size());
}

// UBSan: scale_in_eighths computed num * 8 in int. From num = 2^28 that is
// undefined; 2^29 + 1 wrapped to 8 and was accepted as scale 1.
TEST(Regressions, HugeScaleNumeratorIsRejectedNotWrapped) {
    auto data = read_bytes(fs::path(MEDIAVIEW_SOURCE_DIR) / "samples" / "chelsea_420.jpg");
    ASSERT_FALSE(data.empty());
    for (int num : {1 << 28, (1 << 29) + 1, 2147483647}) {
        ImageRequest r;
        r.scale = {num, 1, 0, 0};
        Diagnostics diagnostics;
        StridedArray pixels;
        auto provide = [&](const OutputShape& s) {
            pixels = StridedArray::allocate(DType::U8, {s.height, s.width, s.channels});
            return PixelTarget{pixels.data(), pixels.strides()[0], pixels.strides()[1]};
        };
        EXPECT_THROW(jpeg::codec().decode({data.data(), data.size()}, r, provide, diagnostics),
                     std::invalid_argument)
            << "num=" << num;
    }
}
