// The body shared by fuzz_gif.cpp and fuzz_tiff.cpp: probe, decode one
// frame or page, or decode every frame, with options drawn from the input,
// into targets ending right before a PROT_NONE page (giflib and libtiff are
// not instrumented). Any element type (TIFF's uint16, int32, float64...).
//
// Input layout: 6 option bytes, then the bytes handed to the decoder.
//   [0] bits 0-2 mode (RGB, BGR, RGBA, BGRA, L, LA, the file's own, CMYK),
//       3 strict, 4 allow_truncated, 5 crop, 6 decode_frames, 7 a small
//       max_pixels (the LimitError path)
//   [1] bits 0-2 the frame (page); bit 3 a flipped target (negative row stride);
//       bit 4 frames="raw" (GIF); bit 5 mode P (palette indices)
//   [2..5] crop x, y, width, height as fractions of the output size
#pragma once

#include "jpeg_harness.hpp"  // GuardedBlock, crop_from, kMaxPixels, MEDIAVIEW_FUZZ_CHECK

namespace mediaview::fuzzing {

constexpr std::size_t kFrameOptionBytes = 6;

// Mode P comes with its palette: whole entries of 3 or 4 bytes, at most 256.
inline void check_palette_meta(const ImageRequest& request, const ImageMeta& meta) {
    if (request.mode != PixelMode::P) return;
    const std::size_t n = meta.palette.size(), c = static_cast<std::size_t>(meta.palette_channels);
    MEDIAVIEW_FUZZ_CHECK((c == 3 || c == 4) && n > 0 && n % c == 0 && n / c <= 256);
}

inline void frames_one_input(const ImageCodec& codec, const std::uint8_t* data, std::size_t size) {
    if (size < kFrameOptionBytes) return;
    static const std::optional<PixelMode> modes[] = {PixelMode::RGB, PixelMode::BGR, PixelMode::RGBA, PixelMode::BGRA,
                                                     PixelMode::L,   PixelMode::LA,  std::nullopt,    PixelMode::CMYK};
    const std::uint8_t* o = data;
    ImageRequest request;
    request.mode = modes[o[0] & 7];
    request.dtype.reset();
    request.strict = o[0] & 8;
    request.allow_truncated = o[0] & 16;
    request.max_pixels = (o[0] & 128) ? 4096 : kMaxPixels;
    request.frame = o[1] & 7;
    const bool flipped = o[1] & 8;
    // As the operations do (decode_frames refuses frames="raw" for the others):
    request.raw_frames = (o[1] & 16) && codec.decodes_raw_frames();
    if (o[1] & 32) request.mode = PixelMode::P;
    ByteSpan file{data + kFrameOptionBytes, size - kFrameOptionBytes};

    std::optional<ImageInfo> info;
    try {
        info = codec.probe(file);
    } catch (const Error&) {
    } catch (const std::invalid_argument&) {
    }
    if (info) MEDIAVIEW_FUZZ_CHECK(info->width > 0 && info->height > 0 && info->components >= 1 && info->components <= 4);
    if ((o[0] & 32) && info) {
        const unsigned b[4] = {o[2], o[3], o[4], o[5]};
        request.crop = crop_from(b, info->width, info->height);
    }
    std::optional<GuardedBlock> block;
    Diagnostics diagnostics;
    try {
        if (o[0] & 64) {
            FramesDecodeResult r = codec.decode_frames(file, request, [&](const FramesShape& s) {
                MEDIAVIEW_FUZZ_CHECK(s.frames >= 1 && s.frame.width > 0 && s.frame.height > 0);
                Index pixel = static_cast<Index>(s.frame.channels * itemsize(s.frame.dtype));
                Index row = static_cast<Index>(s.frame.width) * pixel;
                Index frame = row * s.frame.height;
                if (static_cast<std::uint64_t>(frame) * static_cast<std::uint64_t>(s.frames) > 64 * kMaxPixels)
                    throw LimitError("fuzz harness: frames too large to be worth decoding");
                block.emplace(static_cast<std::size_t>(frame * s.frames));
                return FramesTarget{{block->data(), row, pixel}, frame};
            }, diagnostics);
            MEDIAVIEW_FUZZ_CHECK(r.durations_ms.size() == static_cast<std::size_t>(r.shape.frames));
            check_palette_meta(request, r.meta);
            if (request.raw_frames)
                MEDIAVIEW_FUZZ_CHECK(r.meta.frames.size() == static_cast<std::size_t>(r.shape.frames) &&
                                     r.meta.frame_palettes.size() == r.meta.frames.size());
            if (request.strict) MEDIAVIEW_FUZZ_CHECK(diagnostics.warnings.empty());
            return;
        }
        ImageDecodeResult r = codec.decode(file, request, [&](const OutputShape& s) {
            MEDIAVIEW_FUZZ_CHECK(s.width > 0 && s.height > 0 && s.channels >= 1 && s.channels <= 4);
            if (static_cast<std::uint64_t>(s.width) * static_cast<std::uint64_t>(s.height) > 4 * kMaxPixels)
                throw LimitError("fuzz harness: output too large to be worth decoding");
            Index pixel = static_cast<Index>(s.channels * itemsize(s.dtype));
            Index row = static_cast<Index>(s.width) * pixel;
            block.emplace(static_cast<std::size_t>(row * s.height));
            if (flipped) return PixelTarget{block->data() + (s.height - 1) * row, -row, pixel};
            return PixelTarget{block->data(), row, pixel};
        }, diagnostics);
        // The probe reads the first frame (page) whole: what decodes without
        // allow_truncated, at frame 0, it describes. (A GIF cut inside frame
        // 0 decodes its rows with allow_truncated while the probe refuses it;
        // a TIFF's page k may decode while page 0 is refused.)
        if (!request.allow_truncated && request.frame == 0) MEDIAVIEW_FUZZ_CHECK(info.has_value());
        if (request.mode) MEDIAVIEW_FUZZ_CHECK(r.shape.channels == channels_of(*request.mode));
        check_palette_meta(request, r.meta);
        if (request.crop)
            MEDIAVIEW_FUZZ_CHECK(r.shape.width == request.crop->width && r.shape.height == request.crop->height);
        if (request.strict) MEDIAVIEW_FUZZ_CHECK(diagnostics.warnings.empty());
    } catch (const Error&) {
    } catch (const std::invalid_argument&) {
    }
}

}  // namespace mediaview::fuzzing
