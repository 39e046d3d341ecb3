// Regressions from the sanitizers and fuzzers (issue 5): each input saved in
// tests/regressions/<target>/ is replayed through the fuzz harness that found
// it, and each finding that needs no input file has its own test here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

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
        EXPECT_THROW(jpeg::decoder().decode({data.data(), data.size()}, r, provide, diagnostics),
                     std::invalid_argument)
            << "num=" << num;
    }
}
