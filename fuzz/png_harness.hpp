// The body of the PNG fuzz target, shared with the GoogleTest replay of
// tests/regressions/png (tests/cpp/test_png_codec.cpp).
//
// Input layout: 8 option bytes, then the bytes handed to the decoder.
//   [0] bits 0-2 mode (own layout, RGB, BGR, RGBA, BGRA, RGBX, L, LA),
//       3 strict, 4 allow_truncated, 5 oriented, 6 crop, 7 ask for scale 1/2
//       (PNG has none: must be refused with std::invalid_argument)
//   [1] dtype: b % 3 = file depth, uint8, uint16
//   [2] target layout (see jpeg_harness.hpp's Layout)
//   [3..6] crop x, y, width, height as fractions of the output size
//   [7] bit 0: a small max_pixels (the LimitError path); bit 1: encode what
//       was decoded (modes L, LA, RGB, RGBA) and decode it again: the round
//       trip must give the same pixels
//
// The target ends right before a PROT_NONE page (libspng is not
// instrumented, so an overrun past a wrongly sized target faults there).
#pragma once

#include <cstring>
#include <vector>

#include "decoders/png/png_codec.hpp"
#include "jpeg_harness.hpp"

namespace mediaview::fuzzing {

inline PixelTarget make_png_target(Target& t, Layout layout, const OutputShape& s) {
    MEDIAVIEW_FUZZ_CHECK(s.width > 0 && s.height > 0 && s.channels >= 1 && s.channels <= 4);
    MEDIAVIEW_FUZZ_CHECK(s.dtype == DType::U8 || s.dtype == DType::U16);
    Index w = s.width, h = s.height, px = s.channels * static_cast<Index>(itemsize(s.dtype));
    if (static_cast<std::uint64_t>(w) * static_cast<std::uint64_t>(h) > 4 * kMaxPixels)
        throw LimitError("fuzz harness: output too large to be worth decoding");
    Index row = w * px;
    switch (layout) {
        case Layout::Plain:
        case Layout::Count:
            t.block.emplace(static_cast<std::size_t>(h * row));
            return {t.block->data(), row, px};
        case Layout::PaddedRows:
            t.block.emplace(static_cast<std::size_t>((h - 1) * (row + 6) + row));
            return {t.block->data(), row + 6, px};
        case Layout::FlippedRows:
            t.block.emplace(static_cast<std::size_t>(h * row));
            return {t.block->data() + (h - 1) * row, -row, px};
        case Layout::MirroredPixels:
            t.block.emplace(static_cast<std::size_t>(h * row));
            return {t.block->data() + (w - 1) * px, row, -px};
        case Layout::Transposed:
            t.block.emplace(static_cast<std::size_t>(h * row));
            return {t.block->data(), px, h * px};
    }
    return {};
}

inline void png_one_input(const std::uint8_t* data, std::size_t size) {
    if (size < kOptionBytes) return;
    static const std::optional<PixelMode> modes[] = {std::nullopt,    PixelMode::RGB,  PixelMode::BGR,
                                                     PixelMode::RGBA, PixelMode::BGRA, PixelMode::RGBX,
                                                     PixelMode::L,    PixelMode::LA};
    const std::uint8_t* o = data;
    ImageRequest request;
    request.mode = modes[o[0] & 7];
    request.strict = o[0] & 8;
    request.allow_truncated = o[0] & 16;
    request.oriented = o[0] & 32;
    if (o[0] & 128) request.scale = {1, 2, 0, 0};
    if (o[1] % 3 == 1) request.dtype = DType::U8;
    if (o[1] % 3 == 2) request.dtype = DType::U16;
    Layout layout = static_cast<Layout>(o[2] % static_cast<int>(Layout::Count));
    unsigned crop_bytes[4] = {o[3], o[4], o[5], o[6]};
    request.max_pixels = (o[7] & 1) ? 4096 : kMaxPixels;
    ByteSpan png{data + kOptionBytes, size - kOptionBytes};
    const ImageCodec& codec = png::codec();

    std::optional<ImageInfo> info;
    try {
        info = codec.probe(png);
    } catch (const Error&) {
    }
    if (info) {
        MEDIAVIEW_FUZZ_CHECK(info->width > 0 && info->height > 0);
        MEDIAVIEW_FUZZ_CHECK(info->orientation >= 1 && info->orientation <= 8);
        MEDIAVIEW_FUZZ_CHECK(info->components >= 1 && info->components <= 4);
        MEDIAVIEW_FUZZ_CHECK(info->precision == 1 || info->precision == 2 || info->precision == 4 ||
                             info->precision == 8 || info->precision == 16);
    }
    if ((o[0] & 64) && info) {
        long long w = info->width, h = info->height;
        if (request.oriented && exif_orientation_transposes(info->orientation)) std::swap(w, h);
        request.crop = crop_from(crop_bytes, w, h);
    }

    Target target;
    PixelTarget where;
    std::optional<ImageDecodeResult> result;
    bool refused = false;
    try {
        Diagnostics diagnostics;
        result = codec.decode(
            png, request, [&](const OutputShape& s) { return where = make_png_target(target, layout, s); },
            diagnostics);
        if (request.strict) MEDIAVIEW_FUZZ_CHECK(diagnostics.warnings.empty());
    } catch (const Error&) {
    } catch (const std::invalid_argument&) {
        refused = true;
    }
    if (o[0] & 128) MEDIAVIEW_FUZZ_CHECK(!result);  // a scale is never honoured
    (void)refused;
    if (!result || !info) return;
    const OutputShape& s = result->shape;
    if (request.mode) MEDIAVIEW_FUZZ_CHECK(s.channels == channels_of(*request.mode));
    else MEDIAVIEW_FUZZ_CHECK(s.channels == info->components);
    if (request.dtype) MEDIAVIEW_FUZZ_CHECK(s.dtype == *request.dtype);
    else MEDIAVIEW_FUZZ_CHECK(s.dtype == (info->precision == 16 ? DType::U16 : DType::U8));
    MEDIAVIEW_FUZZ_CHECK(result->orientation == info->orientation);
    if (request.crop) {
        const CropRect& c = *request.crop;
        bool swap = request.oriented && exif_orientation_transposes(info->orientation);
        MEDIAVIEW_FUZZ_CHECK(s.width == (swap ? c.height : c.width) && s.height == (swap ? c.width : c.height));
    } else {
        MEDIAVIEW_FUZZ_CHECK(s.width == info->width && s.height == info->height);
    }

    // Round trip: what was decoded, encoded and decoded again, is the same.
    PixelMode mode = result->meta.mode;
    bool storable = mode == PixelMode::L || mode == PixelMode::LA || mode == PixelMode::RGB || mode == PixelMode::RGBA;
    if (!(o[7] & 2) || !storable || layout != Layout::Plain) return;
    std::size_t bytes = static_cast<std::size_t>(s.height) * static_cast<std::size_t>(where.row_stride);
    auto storage = Storage::allocate(bytes);
    std::memcpy(storage->data, where.data, bytes);
    Index item = static_cast<Index>(itemsize(s.dtype));
    StridedArray pixels(storage, s.dtype, {s.height, s.width, s.channels},
                        {where.row_stride, where.pixel_stride, item});
    EncodedBytes encoded = codec.encode(pixels, result->meta, {});
    ImageRequest again;
    again.mode = mode;
    again.dtype = s.dtype;
    again.strict = true;
    std::vector<std::uint8_t> back(bytes);
    Diagnostics diagnostics;
    codec.decode({encoded.data.get(), encoded.size}, again,
                 [&](const OutputShape& t) {
                     MEDIAVIEW_FUZZ_CHECK(t.width == s.width && t.height == s.height && t.channels == s.channels);
                     return PixelTarget{back.data(), where.row_stride, where.pixel_stride};
                 },
                 diagnostics);
    MEDIAVIEW_FUZZ_CHECK(std::memcmp(back.data(), storage->data, bytes) == 0);
}

}  // namespace mediaview::fuzzing
