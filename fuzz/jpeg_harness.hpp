// The body of the JPEG fuzz target, shared with the GoogleTest replay of
// tests/regressions (tests/cpp/test_hardening.cpp), so a saved crash is
// replayed by exactly the code that found it, with or without sanitizers.
//
// Input layout: 8 option bytes, then the bytes handed to the decoder.
//   [0] bits 0-2 mode (of 7), 3 strict, 4 allow_truncated, 5 oriented,
//       6 crop, 7 MinSize scale instead of k/8
//   [1] scale: k/8 with k = 1 + b % 16, or for b >= 240 the unsupported b/3;
//       with MinSize, min_width = 8 * b
//   [2] target layout (see Layout), and with MinSize min_height = 8 * b
//   [3..6] crop x, y, width, height as fractions of the output size
//   [7] bit 0: a small max_pixels (the LimitError path)
//
// The decoder writes into a target whose last byte sits right before a
// PROT_NONE page: libjpeg-turbo itself is not instrumented, so an overrun it
// makes past the target (a wrong size from our side) faults there.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <optional>
#include <stdexcept>

#include "decoders/jpeg/jpeg_codec.hpp"
#include "src/image_codec.hpp"
#include "src/errors.hpp"
#include "src/orientation.hpp"

namespace mediaview::fuzzing {

// Breaks the run in a way every fuzzer and test runner reports as a crash.
[[noreturn]] inline void invariant_broken() { std::abort(); }
#define MEDIAVIEW_FUZZ_CHECK(cond) \
    do {                           \
        if (!(cond)) ::mediaview::fuzzing::invariant_broken(); \
    } while (0)

class GuardedBlock {
public:
    explicit GuardedBlock(std::size_t size) {
        std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
        std::size_t body = (size + page - 1) / page * page;
        total_ = body + page;
        void* base = ::mmap(nullptr, total_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (base == MAP_FAILED) throw std::bad_alloc();
        base_ = static_cast<std::uint8_t*>(base);
        ::mprotect(base_ + body, page, PROT_NONE);
        data_ = base_ + body - size;
    }
    ~GuardedBlock() { ::munmap(base_, total_); }
    GuardedBlock(const GuardedBlock&) = delete;
    GuardedBlock& operator=(const GuardedBlock&) = delete;
    std::uint8_t* data() const { return data_; }

private:
    std::uint8_t* base_ = nullptr;
    std::uint8_t* data_ = nullptr;
    std::size_t total_ = 0;
};

// How the target's pixels lie in memory: as decode_image(out=...) allows.
enum class Layout { Plain, PaddedRows, FlippedRows, MirroredPixels, Transposed, Count };

constexpr std::size_t kOptionBytes = 8;
// Larger outputs are skipped, not decoded: they only slow the fuzzer down.
constexpr std::uint64_t kMaxPixels = 4u << 20;

struct Plan {
    ImageRequest request;
    Layout layout = Layout::Plain;
    unsigned crop_bytes[4] = {0, 0, 0, 0};
};

inline Plan plan_from(const std::uint8_t* o) {
    static const PixelMode modes[] = {PixelMode::RGB,  PixelMode::BGR, PixelMode::RGBA, PixelMode::BGRA,
                                      PixelMode::RGBX, PixelMode::L,   PixelMode::CMYK};
    Plan p;
    p.request.mode = modes[(o[0] & 7) % 7];
    p.request.strict = o[0] & 8;
    p.request.allow_truncated = o[0] & 16;
    p.request.oriented = o[0] & 32;
    if (o[0] & 128) {
        p.request.scale = {0, 0, 8 * o[1], 8 * o[2]};  // num == 0: the MinSize rule
    } else if (o[1] >= 240) {
        p.request.scale = {o[1], 3, 0, 0};
    } else {
        p.request.scale = {1 + o[1] % 16, 8, 0, 0};
    }
    p.layout = static_cast<Layout>(o[2] % static_cast<int>(Layout::Count));
    for (int i = 0; i < 4; ++i) p.crop_bytes[i] = o[3 + i];
    p.request.max_pixels = (o[7] & 1) ? 4096 : kMaxPixels;
    return p;
}

// A crop inside the output frame (in the frame the request is given in),
// derived from the option bytes and the header's size.
inline CropRect crop_from(const unsigned b[4], long long width, long long height) {
    CropRect r;
    r.x = static_cast<int>(b[0] * width / 256);
    r.y = static_cast<int>(b[1] * height / 256);
    r.width = static_cast<int>(std::max<long long>(1, b[2] * (width - r.x) / 255));
    r.height = static_cast<int>(std::max<long long>(1, b[3] * (height - r.y) / 255));
    return r;
}

struct Target {
    std::optional<GuardedBlock> block;
    PixelTarget target;
};

inline PixelTarget make_target(Target& t, Layout layout, const OutputShape& s) {
    MEDIAVIEW_FUZZ_CHECK(s.width > 0 && s.height > 0 && s.channels >= 1 && s.channels <= 4);
    Index w = s.width, h = s.height, ch = s.channels;
    if (static_cast<std::uint64_t>(w) * static_cast<std::uint64_t>(h) > 4 * kMaxPixels)
        throw LimitError("fuzz harness: output too large to be worth decoding");
    Index row = w * ch;
    switch (layout) {
        case Layout::Plain:
        case Layout::Count:
            t.block.emplace(static_cast<std::size_t>(h * row));
            return {t.block->data(), row, ch};
        case Layout::PaddedRows:
            t.block.emplace(static_cast<std::size_t>((h - 1) * (row + 5) + row));
            return {t.block->data(), row + 5, ch};
        case Layout::FlippedRows:
            t.block.emplace(static_cast<std::size_t>(h * row));
            return {t.block->data() + (h - 1) * row, -row, ch};
        case Layout::MirroredPixels:
            t.block.emplace(static_cast<std::size_t>(h * row));
            return {t.block->data() + (w - 1) * ch, row, -ch};
        case Layout::Transposed:
            t.block.emplace(static_cast<std::size_t>(h * row));
            return {t.block->data(), ch, h * ch};
    }
    return {};
}

// One fuzz input: probe, then decode with the options it carries. Returns
// normally on success or on a typed failure (mediaview::Error, or
// std::invalid_argument for options the image does not admit); anything else
// escapes, and a broken invariant aborts.
inline void jpeg_one_input(const std::uint8_t* data, std::size_t size) {
    if (size < kOptionBytes) return;
    Plan plan = plan_from(data);
    ByteSpan jpeg{data + kOptionBytes, size - kOptionBytes};
    const ImageCodec& decoder = jpeg::codec();

    std::optional<ImageInfo> info;
    try {
        info = decoder.probe(jpeg);
    } catch (const Error&) {
    }
    if (info) {
        MEDIAVIEW_FUZZ_CHECK(info->width > 0 && info->height > 0);
        MEDIAVIEW_FUZZ_CHECK(info->orientation >= 1 && info->orientation <= 8);
        MEDIAVIEW_FUZZ_CHECK(info->components >= 1 && info->components <= 10);
    }
    // For a k/8 scale without a crop, libjpeg's output size is ceil(size * k / 8).
    bool fixed_scale = plan.request.scale.den == 8 && !plan.request.scale.at_least_size();
    // A crop (option byte 0, bit 6) needs the size, so only when the header could be read.
    if ((data[0] & 64) && info) {
        long long k = plan.request.scale.at_least_size() ? 8 : std::clamp(plan.request.scale.num, 1, 16);
        long long w = (info->width * k + 7) / 8, h = (info->height * k + 7) / 8;
        if (plan.request.oriented && exif_orientation_transposes(info->orientation)) std::swap(w, h);
        plan.request.crop = crop_from(plan.crop_bytes, w, h);
    }

    Target target;
    std::optional<ImageDecodeResult> result;
    try {
        Diagnostics diagnostics;
        result = decoder.decode(
            jpeg, plan.request, [&](const OutputShape& s) { return make_target(target, plan.layout, s); },
            diagnostics);
        if (plan.request.strict) MEDIAVIEW_FUZZ_CHECK(diagnostics.warnings.empty());
    } catch (const Error&) {
    } catch (const std::invalid_argument&) {
    }
    if (!result) return;
    // A header probe rejects is never decoded (unless truncation is allowed,
    // where decode reads on through a damaged header by design).
    if (!plan.request.allow_truncated) MEDIAVIEW_FUZZ_CHECK(info.has_value());
    if (!info) return;
    const OutputShape& s = result->shape;
    MEDIAVIEW_FUZZ_CHECK(s.channels == channels_of(*plan.request.mode));
    MEDIAVIEW_FUZZ_CHECK(result->orientation == info->orientation);
    if (plan.request.crop) {
        const CropRect& c = *plan.request.crop;
        bool swap = plan.request.oriented && exif_orientation_transposes(info->orientation);
        MEDIAVIEW_FUZZ_CHECK(s.width == (swap ? c.height : c.width) && s.height == (swap ? c.width : c.height));
    } else if (fixed_scale) {
        long long k = plan.request.scale.num;
        MEDIAVIEW_FUZZ_CHECK(s.width == (info->width * k + 7) / 8 && s.height == (info->height * k + 7) / 8);
    }
}

}  // namespace mediaview::fuzzing
