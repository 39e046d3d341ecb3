// The differential PNG check, shared by fuzz/fuzz_png_fast.cpp and the
// GoogleTest replay over PngSuite and the samples (tests/cpp/test_png_fast.cpp):
// our decode path (png::codec(), libdeflate + SIMD unfilter) and libspng's
// (png::libspng_codec()) on the same bytes and request must give the same
// shape, pixels and warnings, or both refuse with the same error.
//
// Input layout: 8 option bytes, then the bytes handed to the decoders.
//   [0] bits 0-2 mode (own layout, RGB, BGR, RGBA, BGRA, RGBX, L, LA),
//       3 strict, 4 allow_truncated, 5 the output is a caller's buffer (no
//       working room after it; else the decoder gets the scratch_after it
//       asks for, as for the library's own buffer, and PNG decodes in
//       place), 6 crop, 7 rewrite every chunk's CRC
//       (so that a mutated IDAT reaches the inflaters and the unfilter
//       instead of stopping at its CRC)
//   [1] dtype: b % 3 = file depth, uint8, uint16
//   [3..6] crop x, y, width, height as fractions of the image size
#pragma once

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <typeinfo>
#include <vector>

#include "decoders/png/png_codec.hpp"
#include "decoders/png/png_fast.hpp"
#include "jpeg_harness.hpp"

namespace mediaview::fuzzing {

struct PngOutcome {
    bool ok = false;
    std::string error;  // the exception's type and message when not ok
    OutputShape shape;
    std::vector<std::uint8_t> pixels;
    std::vector<std::string> warnings;
};

inline PngOutcome png_outcome(const ImageCodec& codec, ByteSpan png, const ImageRequest& request,
                              bool grant_room) {
    PngOutcome out;
    std::size_t image_bytes = 0;
    try {
        Diagnostics diagnostics;
        codec.decode(
            png, request,
            [&](const OutputShape& s) {
                std::uint64_t bytes = static_cast<std::uint64_t>(s.width) * static_cast<std::uint64_t>(s.height) *
                                      static_cast<std::uint64_t>(s.channels) * itemsize(s.dtype);
                if (bytes > 64u * kMaxPixels) throw LimitError("fuzz harness: output too large to be worth decoding");
                out.shape = s;
                image_bytes = static_cast<std::size_t>(bytes);
                std::size_t room = grant_room ? image_bytes + s.scratch_after : 0;
                // Filled with a pattern, not zeros: a row the decoder forgets shows.
                out.pixels.assign(std::max(image_bytes, room), 0xA5);
                Index px = static_cast<Index>(s.channels * itemsize(s.dtype));
                return PixelTarget{out.pixels.data(), px * s.width, px, room};
            },
            diagnostics);
        out.pixels.resize(image_bytes);  // the room is scratch, not image
        out.ok = true;
        out.warnings = diagnostics.warnings;
    } catch (const std::exception& e) {
        out.error = std::string(typeid(e).name()) + ": " + e.what();
    }
    return out;
}

inline ImageRequest png_fast_request(const std::uint8_t* o, ByteSpan png) {
    static const std::optional<PixelMode> modes[] = {std::nullopt,    PixelMode::RGB,  PixelMode::BGR,
                                                     PixelMode::RGBA, PixelMode::BGRA, PixelMode::RGBX,
                                                     PixelMode::L,    PixelMode::LA};
    ImageRequest request;
    request.mode = modes[o[0] & 7];
    request.strict = o[0] & 8;
    request.allow_truncated = o[0] & 16;
    request.max_pixels = 4 * kMaxPixels;
    if (o[1] % 3 == 1) request.dtype = DType::U8;
    if (o[1] % 3 == 2) request.dtype = DType::U16;
    if (o[0] & 64) {
        try {
            ImageInfo info = png::libspng_codec().probe(png);
            unsigned b[4] = {o[3], o[4], o[5], o[6]};
            request.crop = crop_from(b, info.width, info.height);
        } catch (const Error&) {
        }
    }
    return request;
}

// Returns true when both paths agree (the fuzz target aborts otherwise).
inline bool png_paths_agree(ByteSpan png, const ImageRequest& request, bool grant_room = true) {
    PngOutcome fast = png_outcome(png::codec(), png, request, grant_room);
    PngOutcome reference = png_outcome(png::libspng_codec(), png, request, false);
    if (fast.ok != reference.ok) return false;
    if (!fast.ok) return fast.error == reference.error;
    return fast.shape.width == reference.shape.width && fast.shape.height == reference.shape.height &&
           fast.shape.channels == reference.shape.channels && fast.shape.dtype == reference.shape.dtype &&
           fast.pixels == reference.pixels && fast.warnings == reference.warnings;
}

// A copy of `png` with the CRC of every whole chunk made right.
inline std::vector<std::uint8_t> with_fixed_crcs(ByteSpan png) {
    std::vector<std::uint8_t> out(png.data, png.data + png.size);
    std::size_t pos = 8;
    while (out.size() >= pos + 12) {
        std::size_t length = static_cast<std::size_t>(out[pos]) << 24 | static_cast<std::size_t>(out[pos + 1]) << 16 |
                             static_cast<std::size_t>(out[pos + 2]) << 8 | out[pos + 3];
        if (length > out.size() - pos - 12) break;
        std::uint32_t crc = png::fast_crc32(out.data() + pos + 4, 4 + length);
        for (int k = 0; k < 4; ++k) out[pos + 8 + length + k] = static_cast<std::uint8_t>(crc >> (24 - 8 * k));
        pos += 12 + length;
    }
    return out;
}

inline void png_fast_one_input(const std::uint8_t* data, std::size_t size) {
    if (size < kOptionBytes) return;
    ByteSpan png{data + kOptionBytes, size - kOptionBytes};
    std::vector<std::uint8_t> fixed;
    if (data[0] & 128) {
        fixed = with_fixed_crcs(png);
        png = {fixed.data(), fixed.size()};
    }
    MEDIAVIEW_FUZZ_CHECK(png_paths_agree(png, png_fast_request(data, png), !(data[0] & 32)));
}

}  // namespace mediaview::fuzzing
