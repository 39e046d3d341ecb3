#include "raw_frames.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace mediaview::gif {
namespace {

std::uint8_t luma(const std::uint8_t* s) {
    return static_cast<std::uint8_t>((s[0] * 19595u + s[1] * 38470u + s[2] * 7471u + 0x8000u) >> 16);
}

}  // namespace

RawLookup::RawLookup(const FrameHeader& frame, PixelMode mode) : px{}, channels(channels_of(mode)) {
    for (int i = 0; i < 256; ++i) {
        const std::uint8_t* c = &frame.palette.rgb[static_cast<std::size_t>(i) * 3];
        const std::uint8_t a = i == frame.transparency ? 0 : 255;
        std::uint8_t* p = px[i];
        switch (mode) {
            case PixelMode::P: p[0] = static_cast<std::uint8_t>(i); break;
            case PixelMode::RGB: std::memcpy(p, c, 3); break;
            case PixelMode::BGR: p[0] = c[2], p[1] = c[1], p[2] = c[0]; break;
            case PixelMode::RGBA: std::memcpy(p, c, 3), p[3] = a; break;
            case PixelMode::BGRA: p[0] = c[2], p[1] = c[1], p[2] = c[0], p[3] = a; break;
            case PixelMode::RGBX: std::memcpy(p, c, 3), p[3] = 255; break;
            case PixelMode::L: p[0] = luma(c); break;
            case PixelMode::LA: p[0] = luma(c), p[1] = a; break;
            default:
                throw std::invalid_argument("GIF decodes to RGB, BGR, RGBA, BGRA, RGBX, L, LA or P, not mode " +
                                            std::string(pixel_mode_name(mode)));
        }
    }
}

void draw_raw(Reader& reader, const FrameHeader& f, int screen_w, int screen_h, const CropRect& crop,
              PixelMode mode, std::uint8_t fill, const PixelTarget& to, int& rows_done) {
    const RawLookup lut(f, mode);
    const std::size_t bytes = static_cast<std::size_t>(lut.channels);
    for (int y = 0; y < crop.height; ++y)
        for (int x = 0; x < crop.width; ++x) std::memset(to.data + y * to.row_stride + x * to.pixel_stride, fill, bytes);
    // The rectangle, clipped to the screen and then to the crop.
    const int x0 = std::max(f.x, crop.x), x1 = std::min({f.x + f.width, screen_w, crop.x + crop.width});
    const int y0 = std::max(f.y, crop.y), y1 = std::min({f.y + f.height, screen_h, crop.y + crop.height});
    rows_done = 0;
    reader.read_rows(f, [&](int row, const std::uint8_t* indices) {
        ++rows_done;
        const int y = f.y + row;
        if (y < y0 || y >= y1 || x0 >= x1) return;
        std::uint8_t* out = to.data + (y - crop.y) * to.row_stride + (x0 - crop.x) * to.pixel_stride;
        const std::uint8_t* in = indices + (x0 - f.x);
        for (int x = 0; x < x1 - x0; ++x, out += to.pixel_stride) std::memcpy(out, lut.px[in[x]], bytes);
    });
}

std::string palette_bytes(const FrameHeader& f, bool with_alpha, int& channels) {
    const int entries = f.palette.entries > 0 ? f.palette.entries : 256;
    channels = with_alpha ? 4 : 3;
    std::string out;
    out.reserve(static_cast<std::size_t>(entries) * channels);
    for (int i = 0; i < entries; ++i) {
        out.append(reinterpret_cast<const char*>(&f.palette.rgb[static_cast<std::size_t>(i) * 3]), 3);
        if (with_alpha) out.push_back(static_cast<char>(i == f.transparency ? 0 : 255));
    }
    return out;
}

Fields frame_fields(const FrameHeader& f) {
    return {
        {"x", static_cast<std::int64_t>(f.x)},
        {"y", static_cast<std::int64_t>(f.y)},
        {"width", static_cast<std::int64_t>(f.width)},
        {"height", static_cast<std::int64_t>(f.height)},
        {"disposal", static_cast<std::int64_t>(f.disposal)},
        {"transparency", f.transparency >= 0 ? FieldValue(static_cast<std::int64_t>(f.transparency)) : FieldValue()},
        {"delay_ms", static_cast<std::int64_t>(f.delay_ms)},
        {"interlaced", f.interlaced},
    };
}

}  // namespace mediaview::gif
