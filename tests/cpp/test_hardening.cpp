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
