// The differential GIF LZW check, shared by fuzz/fuzz_gif_lzw.cpp and the
// GoogleTest over the samples (tests/cpp/test_gif_lzw.cpp): our LZW decoder
// (decoders/gif/lzw.*) and giflib's DGifGetLine, each walking every frame of
// the same bytes through gif::Reader, must give the same rows (row number
// and indices, in the order given) and then the same end: the trailer, or
// the same error type and message.
//
// Input layout: byte [0] bit 0 set: the rest is a GIF file as it is.
// Otherwise the rest is one frame's image data, wrapped into a GIF here so
// that the fuzzer works on the LZW stream itself:
//   [1] width - 1, [2] height - 1 (mod 64), [3] code size (mod 9: 0..8, all
//   of which giflib takes), [4] sub-block length (0: 255), [5] bit 0
//   interlaced, bit 1 no block terminator, bit 2 no trailer, bit 3 the same
//   data again as a second frame; then the data.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <typeinfo>
#include <vector>

#include "decoders/gif/gif_reader.hpp"
#include "jpeg_harness.hpp"

namespace mediaview::fuzzing {

struct GifLzwOutcome {
    std::vector<std::uint8_t> rows;  // per frame: each row's number (2 bytes) and indices
    std::string end;                 // "trailer", or the error's type and message
    bool operator==(const GifLzwOutcome& o) const { return rows == o.rows && end == o.end; }
};

inline GifLzwOutcome gif_lzw_outcome(ByteSpan gif, gif::LzwEngine engine) {
    GifLzwOutcome out;
    // Frames past this many pixels are skipped (alike in both): a short
    // input can ask for gigapixels, which only slows the fuzzer down.
    std::uint64_t budget = 1u << 22;
    try {
        gif::Reader reader(gif, engine);
        gif::FrameHeader f;
        while (reader.next_frame(f)) {
            const std::uint64_t pixels = static_cast<std::uint64_t>(f.width) * static_cast<std::uint64_t>(f.height);
            out.rows.push_back(0xF0);  // a frame starts
            if (pixels > budget) {
                reader.skip_rows();
                continue;
            }
            budget -= pixels;
            reader.read_rows(f, [&](int y, const std::uint8_t* line) {
                out.rows.push_back(static_cast<std::uint8_t>(y));
                out.rows.push_back(static_cast<std::uint8_t>(y >> 8));
                out.rows.insert(out.rows.end(), line, line + f.width);
            });
        }
        out.end = "trailer";
    } catch (const std::exception& e) {
        out.end = std::string(typeid(e).name()) + ": " + e.what();
    }
    return out;
}

inline bool gif_lzw_engines_agree(ByteSpan gif) {
    return gif_lzw_outcome(gif, gif::LzwEngine::own) == gif_lzw_outcome(gif, gif::LzwEngine::giflib);
}

// A GIF around `data` as one frame's image data (see the layout above).
inline std::vector<std::uint8_t> gif_around_lzw(const std::uint8_t* o, const std::uint8_t* data, std::size_t size) {
    const int width = o[1] + 1, height = o[2] % 64 + 1, code_size = o[3] % 9;
    const std::size_t block = o[4] ? o[4] : 255;
    std::vector<std::uint8_t> g = {'G', 'I', 'F', '8', '9', 'a'};
    auto word = [&g](int v) {
        g.push_back(static_cast<std::uint8_t>(v));
        g.push_back(static_cast<std::uint8_t>(v >> 8));
    };
    word(width);
    word(height);
    g.push_back(0x87);  // a global table of 256 entries
    g.push_back(0);
    g.push_back(0);
    for (int i = 0; i < 256; ++i) g.insert(g.end(), {static_cast<std::uint8_t>(i), 0, static_cast<std::uint8_t>(255 - i)});
    const int frames = (o[5] & 8) ? 2 : 1;
    for (int k = 0; k < frames; ++k) {
        g.push_back(',');
        word(0);
        word(0);
        word(width);
        word(height);
        g.push_back((o[5] & 1) ? 0x40 : 0);
        g.push_back(static_cast<std::uint8_t>(code_size));
        for (std::size_t at = 0; at < size; at += block) {
            const std::size_t n = std::min(block, size - at);
            g.push_back(static_cast<std::uint8_t>(n));
            g.insert(g.end(), data + at, data + at + n);
        }
        if (!(o[5] & 2)) g.push_back(0);
    }
    if (!(o[5] & 4)) g.push_back(';');
    return g;
}

constexpr std::size_t kGifLzwOptionBytes = 6;

inline void gif_lzw_one_input(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return;
    if (data[0] & 1) {
        MEDIAVIEW_FUZZ_CHECK(gif_lzw_engines_agree({data + 1, size - 1}));
        return;
    }
    if (size < kGifLzwOptionBytes) return;
    const std::vector<std::uint8_t> gif = gif_around_lzw(data, data + kGifLzwOptionBytes, size - kGifLzwOptionBytes);
    MEDIAVIEW_FUZZ_CHECK(gif_lzw_engines_agree({gif.data(), gif.size()}));
}

}  // namespace mediaview::fuzzing
