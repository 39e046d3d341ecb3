// The body of the WebP fuzz target (fuzz/fuzz_webp.cpp), kept in a header
// like jpeg_harness.hpp so a saved crash can be replayed by the same code.
//
// Input layout: 8 option bytes, then the bytes handed to the decoder.
//   [0] bits 0-2 mode (RGB, BGR, RGBA, BGRA, L, LA, the file's own, CMYK:
//       refused), 3 strict, 4 allow_truncated, 5 oriented, 6 crop,
//       7 MinSize scale instead of num/8
//   [1] scale: (1 + b % 8)/8, or for b >= 240 the refused b/3; with
//       MinSize, min_width = 4 * b
//   [2] target layout (see jpeg_harness.hpp's Layout), and with MinSize
//       min_height = 4 * b
//   [3..6] crop x, y, width, height as fractions of the output size
//   [7] bit 0 a small max_pixels (the LimitError path); bit 1 decode_frames
//       instead of decode; bits 2-4 the frame; bit 5 re-encode a small
//       decoded RGB image losslessly and check it decodes back exactly
//
// Targets end right before a PROT_NONE page (libwebp is not instrumented).
#pragma once

#include <cstring>
#include <vector>

#include "decoders/webp/webp_codec.hpp"
#include "jpeg_harness.hpp"  // GuardedBlock, Layout, make_target, crop_from, MEDIAVIEW_FUZZ_CHECK

namespace mediaview::fuzzing {

struct WebpPlan {
    ImageRequest request;
    Layout layout = Layout::Plain;
    unsigned crop_bytes[4] = {0, 0, 0, 0};
    bool frames = false;
    bool reencode = false;
};

inline WebpPlan webp_plan_from(const std::uint8_t* o) {
    static const std::optional<PixelMode> modes[] = {PixelMode::RGB, PixelMode::BGR, PixelMode::RGBA, PixelMode::BGRA,
                                                     PixelMode::L,   PixelMode::LA,  std::nullopt,    PixelMode::CMYK};
    WebpPlan p;
    p.request.mode = modes[o[0] & 7];
    p.request.strict = o[0] & 8;
    p.request.allow_truncated = o[0] & 16;
    p.request.oriented = o[0] & 32;
    if (o[0] & 128)
        p.request.scale = {0, 0, 4 * o[1], 4 * o[2]};
    else if (o[1] >= 240)
        p.request.scale = {o[1], 3, 0, 0};
    else
        p.request.scale = {1 + o[1] % 8, 8, 0, 0};
    p.layout = static_cast<Layout>(o[2] % static_cast<int>(Layout::Count));
    for (int i = 0; i < 4; ++i) p.crop_bytes[i] = o[3 + i];
    p.request.max_pixels = (o[7] & 1) ? 4096 : kMaxPixels;
    p.frames = o[7] & 2;
    p.request.frame = (o[7] >> 2) & 7;
    p.reencode = o[7] & 32;
    return p;
}

// The frames of decode_frames in one guarded block, frame after frame.
inline FramesTarget make_frames_target(Target& t, const FramesShape& s) {
    MEDIAVIEW_FUZZ_CHECK(s.frames >= 1 && s.frame.width > 0 && s.frame.height > 0);
    Index row = static_cast<Index>(s.frame.width) * s.frame.channels;
    Index frame = row * s.frame.height;
    if (static_cast<std::uint64_t>(frame) * static_cast<std::uint64_t>(s.frames) > 16 * kMaxPixels)
        throw LimitError("fuzz harness: frames too large to be worth decoding");
    t.block.emplace(static_cast<std::size_t>(frame * s.frames));
    return {{t.block->data(), row, s.frame.channels}, frame};
}

inline void webp_reencode_check(const OutputShape& s, const PixelTarget& target) {
    if (s.channels != 3 || s.width > 64 || s.height > 64 || target.pixel_stride != 3 || target.row_stride <= 0) return;
    StridedArray pixels = StridedArray::allocate(DType::U8, {s.height, s.width, 3});
    for (int y = 0; y < s.height; ++y)
        std::memcpy(pixels.data() + y * pixels.strides()[0], target.data + y * target.row_stride,
                    static_cast<std::size_t>(s.width) * 3);
    EncodedBytes encoded = webp::codec().encode(pixels, {PixelMode::RGB, {}, {}}, {{"lossless", true}, {"method", std::int64_t{0}}});
    std::vector<std::uint8_t> back(pixels.nbytes());
    ImageRequest request;
    request.mode = PixelMode::RGB;
    Diagnostics diagnostics;
    webp::codec().decode({encoded.data.get(), encoded.size}, request, [&](const OutputShape& b) {
        MEDIAVIEW_FUZZ_CHECK(b.width == s.width && b.height == s.height && b.channels == 3);
        return PixelTarget{back.data(), static_cast<Index>(s.width) * 3, 3};
    }, diagnostics);
    MEDIAVIEW_FUZZ_CHECK(std::memcmp(back.data(), pixels.data(), back.size()) == 0);
}

inline void webp_one_input(const std::uint8_t* data, std::size_t size) {
    if (size < kOptionBytes) return;
    WebpPlan plan = webp_plan_from(data);
    ByteSpan webp{data + kOptionBytes, size - kOptionBytes};
    const ImageCodec& decoder = webp::codec();

    std::optional<ImageInfo> info;
    try {
        info = decoder.probe(webp);
    } catch (const Error&) {
    }
    if (info) {
        MEDIAVIEW_FUZZ_CHECK(info->width > 0 && info->height > 0 && info->width <= (1 << 24) && info->height <= (1 << 24));
        MEDIAVIEW_FUZZ_CHECK(info->orientation >= 1 && info->orientation <= 8);
        MEDIAVIEW_FUZZ_CHECK(info->components == 3 || info->components == 4);
    }
    if ((data[0] & 64) && info) {
        long long w = info->width, h = info->height;
        if (!plan.request.scale.at_least_size() && plan.request.scale.den == 8) {
            w = (w * plan.request.scale.num + 7) / 8;
            h = (h * plan.request.scale.num + 7) / 8;
        }
        if (plan.request.oriented && exif_orientation_transposes(info->orientation)) std::swap(w, h);
        plan.request.crop = crop_from(plan.crop_bytes, w, h);
    }

    Target target;
    Diagnostics diagnostics;
    try {
        if (plan.frames) {
            FramesDecodeResult r = decoder.decode_frames(
                webp, plan.request, [&](const FramesShape& s) { return make_frames_target(target, s); }, diagnostics);
            MEDIAVIEW_FUZZ_CHECK(info.has_value());
            MEDIAVIEW_FUZZ_CHECK(r.durations_ms.size() == static_cast<std::size_t>(r.shape.frames));
            return;
        }
        PixelTarget written;
        ImageDecodeResult r = decoder.decode(webp, plan.request, [&](const OutputShape& s) {
            written = make_target(target, plan.layout, s);
            return written;
        }, diagnostics);
        if (plan.request.strict) MEDIAVIEW_FUZZ_CHECK(diagnostics.warnings.empty());
        MEDIAVIEW_FUZZ_CHECK(info.has_value());
        const OutputShape& s = r.shape;
        if (plan.request.mode) MEDIAVIEW_FUZZ_CHECK(s.channels == channels_of(*plan.request.mode));
        MEDIAVIEW_FUZZ_CHECK(r.orientation == info->orientation);
        if (plan.request.crop) {
            const CropRect& c = *plan.request.crop;
            bool swap = plan.request.oriented && exif_orientation_transposes(info->orientation);
            MEDIAVIEW_FUZZ_CHECK(s.width == (swap ? c.height : c.width) && s.height == (swap ? c.width : c.height));
        }
        if (plan.reencode && diagnostics.warnings.empty()) webp_reencode_check(s, written);
    } catch (const Error&) {
    } catch (const std::invalid_argument&) {
    }
}

}  // namespace mediaview::fuzzing
