// Our GIF LZW decoder (decoders/gif/lzw.*) against giflib's DGifGetLine
// (fuzz/gif_lzw_harness.hpp): every GIF sample, every cut of each, random
// byte damage, and random code streams of every code size (which reach the
// codes not in the table, full tables, early end codes and empty or cut
// sub-blocks) must give the same rows and the same error. Each check also
// asserts that it is not vacuous: rows were decoded, errors were met.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <vector>

#include "fuzz/gif_lzw_harness.hpp"
#include "tests/cpp/image_samples.hpp"

using namespace mediaview;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> gif_files() { return test_samples::files_ending({fs::path(MEDIAVIEW_SOURCE_DIR) / "samples"}, ".gif"); }

using test_samples::file_bytes;
using test_samples::span;

// Both engines' outcome, asserted equal; returned for the vacuity checks.
fuzzing::GifLzwOutcome both(ByteSpan gif) {
    auto own = fuzzing::gif_lzw_outcome(gif, gif::LzwEngine::own);
    auto ref = fuzzing::gif_lzw_outcome(gif, gif::LzwEngine::giflib);
    EXPECT_EQ(own.end, ref.end);
    EXPECT_TRUE(own.rows == ref.rows) << "rows differ (" << own.rows.size() << " vs " << ref.rows.size() << " bytes)";
    return own;
}

}  // namespace

TEST(GifLzw, SamplesDecodeAlikeToTheTrailer) {
    auto files = gif_files();
    ASSERT_GE(files.size(), 5u);
    for (const fs::path& path : files) {
        SCOPED_TRACE(path.filename().string());
        auto data = file_bytes(path);
        auto out = both(span(data));
        EXPECT_EQ(out.end, "trailer");
        EXPECT_GT(out.rows.size(), 1000u);
    }
}

TEST(GifLzw, EveryCutGivesTheSameRowsAndError) {
    for (const fs::path& path : gif_files()) {
        SCOPED_TRACE(path.filename().string());
        auto data = file_bytes(path);
        int truncated = 0;
        // Every cut inside the first 4 KB, then every 97th byte.
        for (std::size_t cut = 0; cut < data.size(); cut += cut < 4096 ? 1 : 97) {
            auto out = both({data.data(), cut});
            truncated += out.end.find("truncated") != std::string::npos;
        }
        EXPECT_GT(truncated, 100);
    }
}

TEST(GifLzw, RandomDamageGivesTheSameRowsAndError) {
    std::mt19937 rng(22);
    for (const fs::path& path : gif_files()) {
        SCOPED_TRACE(path.filename().string());
        const auto data = file_bytes(path);
        int damaged = 0;
        for (int trial = 0; trial < 150; ++trial) {
            auto copy = data;
            const int flips = 1 + static_cast<int>(rng() % 8);
            // Past the header and colour table, so that the damage mostly
            // lands in the image data.
            for (int k = 0; k < flips; ++k)
                copy[800 + rng() % (copy.size() - 800)] ^= static_cast<std::uint8_t>(1 + rng() % 255);
            auto out = both(span(copy));
            damaged += out.end != "trailer";
        }
        EXPECT_GT(damaged, 0);
    }
}

TEST(GifLzw, RandomCodeStreamsOfEveryCodeSize) {
    std::mt19937 rng(5);
    int ended = 0, errors = 0;
    for (int trial = 0; trial < 3000; ++trial) {
        std::uint8_t o[6];
        for (auto& b : o) b = static_cast<std::uint8_t>(rng());
        o[0] = 0;
        o[3] = static_cast<std::uint8_t>(trial % 9);
        std::vector<std::uint8_t> payload(1 + rng() % 3000);
        // Low bits of each byte only, sometimes: small codes are mostly in
        // the table, so the streams run long before they break.
        const std::uint8_t mask = (trial % 3 == 0) ? 0xFF : static_cast<std::uint8_t>((1u << (1 + trial % 8)) - 1);
        for (auto& b : payload) b = static_cast<std::uint8_t>(rng()) & mask;
        auto gif = fuzzing::gif_around_lzw(o, payload.data(), payload.size());
        auto out = both(span(gif));
        ended += out.end == "trailer";
        errors += out.end != "trailer";
    }
    EXPECT_GT(ended, 0);
    EXPECT_GT(errors, 0);
}

namespace {

// A code stream that stays (mostly) valid, packed with giflib's code widths,
// so that it runs long: it fills the table, goes on with 12-bit codes without
// a clear (the deferred clear), and ends with the end code and trailing bytes,
// or early. `junk` in 1000 of its codes are beyond the table's next entry.
std::vector<std::uint8_t> valid_code_stream(std::mt19937& rng, int code_size, int pixels_wanted, int junk) {
    const int clear = 1 << code_size, end = clear + 1;
    int running = end + 1, bits = code_size + 1, max1 = 1 << bits, defined_end = end + 1, last = -1;
    std::vector<int> length(4096, 0);
    std::vector<std::uint8_t> out;
    std::uint32_t acc = 0;
    int acc_bits = 0, pixels = 0;
    auto put = [&](int code) {
        acc |= static_cast<std::uint32_t>(code) << acc_bits;
        acc_bits += bits;
        while (acc_bits >= 8) {
            out.push_back(static_cast<std::uint8_t>(acc));
            acc >>= 8;
            acc_bits -= 8;
        }
        if (running < 4097 && ++running > max1 && bits < 12) max1 <<= 1, ++bits;
    };
    const bool full_first = rng() % 2;  // mostly literals until the table is full
    while (pixels < pixels_wanted) {
        const int slot = (running < 4097 ? running + 1 : running) - 2;
        int code;
        const unsigned r = rng() % 1000;
        if (r < static_cast<unsigned>(junk) && last >= 0 && slot < 4095)
            code = slot + 1 + static_cast<int>(rng() % (4095 - slot));
        else if (r < 1000 - 2 && (defined_end <= end + 1 || (full_first && defined_end < 4096 && r < 900)))
            code = static_cast<int>(rng() % clear);
        else if (r >= 998 && defined_end > 2000)
            code = clear;
        else if (last >= 0 && slot >= defined_end && r % 7 == 0)
            code = slot;  // KwKwK
        else
            code = end + 1 + static_cast<int>(rng() % std::max(1, defined_end - end - 1));
        if (code > end && code >= defined_end && code != slot && junk == 0) code = static_cast<int>(rng() % clear);
        if (code >= (1 << bits)) code = static_cast<int>(rng() % clear);
        const int previous = running;
        put(code);
        (void)previous;
        if (code == clear) {
            running = end + 1, bits = code_size + 1, max1 = 1 << bits, defined_end = end + 1, last = -1;
            continue;
        }
        const int n = code < clear ? 1 : (code < defined_end ? length[code] : (last >= 0 ? length[last] + 1 : 1));
        pixels += n;
        if (last >= 0 && slot >= defined_end) {
            length[slot] = (last < clear ? 1 : length[last]) + 1;
            defined_end = slot + 1;
        }
        last = code;
    }
    if (rng() % 4) put(end);
    if (acc_bits) out.push_back(static_cast<std::uint8_t>(acc));
    for (int k = static_cast<int>(rng() % 20); k > 0; --k) out.push_back(static_cast<std::uint8_t>(rng()));
    return out;
}

}  // namespace

TEST(GifLzw, LongStreamsFillTheTableAndGoOnWithoutAClear) {
    std::mt19937 rng(9);
    int trailers = 0, errors = 0;
    for (int trial = 0; trial < 400; ++trial) {
        const int code_size = 1 + trial % 8;
        std::uint8_t o[6] = {0, 255, 63, static_cast<std::uint8_t>(code_size), static_cast<std::uint8_t>(rng()),
                             static_cast<std::uint8_t>(rng() & 9)};
        const int pixels = 256 * 64 + static_cast<int>(rng() % 64) - 32;  // sometimes short of the frame
        auto payload = valid_code_stream(rng, code_size, pixels, trial % 5 == 4 ? 3 : 0);
        auto gif = fuzzing::gif_around_lzw(o, payload.data(), payload.size());
        auto out = both(span(gif));
        trailers += out.end == "trailer";
        errors += out.end != "trailer";
    }
    EXPECT_GT(trailers, 100);
    EXPECT_GT(errors, 10);
}
