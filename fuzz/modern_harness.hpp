// The body of the AVIF, JPEG XL and HEIF fuzz targets (fuzz/fuzz_avif.cpp,
// fuzz_jxl.cpp, fuzz_heif.cpp): one harness for the codecs that decode whole
// frames (src/interleaved_rows.hpp), kept in a header so a saved crash can be
// replayed by the same code.
//
// Input layout: 8 option bytes (webp_harness.hpp's, read by webp_plan_from),
// then the file. Differences: the scale is 1 (these codecs refuse any other)
// unless bit 7 of [0] asks for MinSize; bit 6 of [7] asks for uint16 (into a
// plain target), bit 5 of [7] for a re-encode round trip of a small RGB
// decode (AVIF and JPEG XL: lossless JPEG XL must come back exactly, AVIF at
// quality 100 close).
//
// Targets end right before a PROT_NONE page (the libraries are not
// instrumented), so a write past the caller's buffer faults.
#pragma once

#include <cstdlib>
#include <cstring>
#include <vector>

#include "webp_harness.hpp"  // webp_plan_from, make_target, make_frames_target, GuardedBlock, crop_from

namespace mediaview::fuzzing {

inline void modern_reencode_check(const ImageCodec& codec, const OutputShape& s, const PixelTarget& target) {
    if (!codec.can_encode() || s.channels != 3 || s.dtype != DType::U8 || s.width > 48 || s.height > 48 ||
        target.pixel_stride != 3 || target.row_stride <= 0)
        return;
    StridedArray pixels = StridedArray::allocate(DType::U8, {s.height, s.width, 3});
    for (int y = 0; y < s.height; ++y)
        std::memcpy(pixels.data() + y * pixels.strides()[0], target.data + y * target.row_stride,
                    static_cast<std::size_t>(s.width) * 3);
    const bool jxl = codec.name() == "jxl";
    Options options = jxl ? Options{{"lossless", true}, {"effort", std::int64_t{1}}}
                          : Options{{"quality", std::int64_t{100}}, {"speed", std::int64_t{10}}, {"subsampling", std::string("4:4:4")}};
    EncodedBytes encoded = codec.encode(pixels, {PixelMode::RGB, {}, {}}, options);
    std::vector<std::uint8_t> back(pixels.nbytes());
    ImageRequest request;
    request.mode = PixelMode::RGB;
    Diagnostics diagnostics;
    codec.decode({encoded.data.get(), encoded.size}, request, [&](const OutputShape& b) {
        MEDIAVIEW_FUZZ_CHECK(b.width == s.width && b.height == s.height && b.channels == 3);
        return PixelTarget{back.data(), static_cast<Index>(s.width) * 3, 3};
    }, diagnostics);
    if (jxl) {
        MEDIAVIEW_FUZZ_CHECK(std::memcmp(back.data(), pixels.data(), back.size()) == 0);
    } else {
        for (std::size_t i = 0; i < back.size(); ++i)
            MEDIAVIEW_FUZZ_CHECK(std::abs(back[i] - pixels.data()[i]) <= 48);
    }
}

inline void modern_one_input(const ImageCodec& decoder, const std::uint8_t* data, std::size_t size) {
    if (size < kOptionBytes) return;
    WebpPlan plan = webp_plan_from(data);
    if (!(data[0] & 128)) plan.request.scale = {1, 1, 0, 0};
    const bool wide = data[7] & 64;
    if (wide) plan.request.dtype = DType::U16;
    ByteSpan file{data + kOptionBytes, size - kOptionBytes};

    std::optional<ImageInfo> info;
    try {
        info = decoder.probe(file);
    } catch (const Error&) {
    }
    if (info) {
        MEDIAVIEW_FUZZ_CHECK(info->width > 0 && info->height > 0);
        MEDIAVIEW_FUZZ_CHECK(info->orientation >= 1 && info->orientation <= 8);
        if (data[0] & 64) {
            long long w = info->width, h = info->height;
            if (plan.request.oriented && exif_orientation_transposes(info->orientation)) std::swap(w, h);
            plan.request.crop = crop_from(plan.crop_bytes, w, h);
        }
    }
    Target target;
    Diagnostics diagnostics;
    try {
        if (plan.frames && !wide) {
            FramesDecodeResult r = decoder.decode_frames(
                file, plan.request, [&](const FramesShape& s) { return make_frames_target(target, s); }, diagnostics);
            MEDIAVIEW_FUZZ_CHECK(r.durations_ms.size() == static_cast<std::size_t>(r.shape.frames));
            return;
        }
        PixelTarget written;
        ImageDecodeResult r = decoder.decode(file, plan.request, [&](const OutputShape& s) {
            if (!wide) return written = make_target(target, plan.layout, s);
            MEDIAVIEW_FUZZ_CHECK(s.dtype == DType::U16);
            if (static_cast<std::uint64_t>(s.width) * s.height > 4 * kMaxPixels)
                throw LimitError("fuzz harness: output too large to be worth decoding");
            Index row = static_cast<Index>(s.width) * s.channels * 2;
            target.block.emplace(static_cast<std::size_t>(row * s.height));
            return written = PixelTarget{target.block->data(), row, s.channels * 2};
        }, diagnostics);
        if (plan.request.strict) MEDIAVIEW_FUZZ_CHECK(diagnostics.warnings.empty());
        if (plan.request.mode) MEDIAVIEW_FUZZ_CHECK(r.shape.channels == channels_of(*plan.request.mode));
        if (plan.reencode && diagnostics.warnings.empty()) modern_reencode_check(decoder, r.shape, written);
    } catch (const Error&) {
    } catch (const std::invalid_argument&) {
    }
}

}  // namespace mediaview::fuzzing
