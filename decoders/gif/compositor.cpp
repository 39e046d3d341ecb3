#include "compositor.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>


namespace mediaview::gif {
namespace {

// Pillow's RGB to L (rgb2l, and p2l for palette images): ITU-R 601-2 luma in
// 16-bit fixed point, rounded.
std::uint8_t luma(const std::uint8_t* s) {
    return static_cast<std::uint8_t>((s[0] * 19595u + s[1] * 38470u + s[2] * 7471u + 0x8000u) >> 16);
}

void palette_rgba(const Palette& p, int index, int transparency, std::uint8_t* out) {
    std::memcpy(out, &p.rgb[static_cast<std::size_t>(index) * 3], 3);
    out[3] = index == transparency ? 0 : 255;
}

// Pillow's _rgb() for a disposal colour: an index past the colour table's
// end reads entry 0; without a table (or a grey ramp) the index is the grey.
void disposal_rgb(const Palette& p, int index, std::uint8_t* out) {
    if (!p.grey_ramp && index >= p.entries) index = 0;
    std::memcpy(out, &p.rgb[static_cast<std::size_t>(index) * 3], 3);
}

}  // namespace

Compositor::Compositor(Reader& reader)
    : reader_(reader), width_(reader.width()), height_(reader.height()),
      canvas_(static_cast<std::size_t>(reader.width()) * reader.height() * 4) {}

void Compositor::fill(int x0, int y0, int x1, int y1, const std::uint8_t* rgba) {
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) std::memcpy(at(x, y), rgba, 4);
}

void Compositor::apply_dispose() {
    if (!dispose_.active) return;
    const Dispose& d = dispose_;
    if (!d.restore) {
        fill(d.x0, d.y0, d.x1, d.y1, d.colour);
    } else {
        std::size_t row = static_cast<std::size_t>(d.x1 - d.x0) * 4;
        for (int y = d.y0; y < d.y1; ++y) std::memcpy(at(d.x0, y), d.saved.data() + (y - d.y0) * row, row);
    }
    dispose_.active = false;
}

// What the frame just read leaves behind when the next one is drawn
// (decided before it is drawn: method 3 saves the canvas as it is now).
void Compositor::plan_dispose(int x0, int y0, int x1, int y1) {
    dispose_ = Dispose{};
    if (disposal_ < 2 || x0 >= x1 || y0 >= y1) return;
    Dispose& d = dispose_;
    d.x0 = x0, d.y0 = y0, d.x1 = x1, d.y1 = y1;
    const FrameHeader& f = frame_;
    const bool first = frames_done_ == 0;
    if (disposal_ == 2) {
        d.active = true;
        int index = f.transparency >= 0 ? f.transparency : reader_.background();
        if (first) {
            // Still a palette image: the index, seen through frame 0's palette.
            palette_rgba(f.palette, index, f.transparency, d.colour);
        } else {
            disposal_rgb(f.palette, index, d.colour);
            d.colour[3] = f.transparency >= 0 ? 0 : 255;
        }
        return;
    }
    if (first) {
        // Pillow has no previous image for frame 0: the transparent colour.
        if (f.transparency < 0) return;
        d.active = true;
        palette_rgba(f.palette, f.transparency, f.transparency, d.colour);
        return;
    }
    d.active = true;
    d.restore = true;
    std::size_t row = static_cast<std::size_t>(x1 - x0) * 4;
    d.saved.resize(row * static_cast<std::size_t>(y1 - y0));
    for (int y = y0; y < y1; ++y) std::memcpy(d.saved.data() + (y - y0) * row, at(x0, y), row);
}

bool Compositor::next() {
    rows_done_ = 0;
    frame_ = FrameHeader{};  // a cut inside the next header reports 0 of 0 rows
    if (!reader_.next_frame(frame_)) return false;
    const FrameHeader& f = frame_;
    const bool first = frames_done_ == 0;
    if (first) {
        disposal_ = 0;
        first_transparency_ = f.transparency;
        grey_ = f.palette.grey_ramp;
    } else {
        apply_dispose();
    }
    if (f.disposal != 0) disposal_ = f.disposal;
    const int x0 = std::min(f.x, width_), y0 = std::min(f.y, height_);
    const int x1 = std::min(f.x + f.width, width_), y1 = std::min(f.y + f.height, height_);
    if (first) {
        std::uint8_t background[4];
        palette_rgba(f.palette, f.transparency >= 0 ? f.transparency : 0, f.transparency, background);
        fill(0, 0, width_, height_, background);
    }
    plan_dispose(x0, y0, x1, y1);
    // Each index's canvas pixel, looked up as one 32-bit word; from frame 1
    // on, the transparent index keeps the canvas.
    const int t = f.transparency;
    std::uint32_t lut[256];
    for (int i = 0; i < 256; ++i) {
        std::uint8_t px[4];
        palette_rgba(f.palette, i, first ? t : -1, px);
        std::memcpy(&lut[i], px, 4);
    }
    const bool skip = !first && t >= 0;
    reader_.read_rows(f, [&](int row, const std::uint8_t* indices) {
        ++rows_done_;
        int y = f.y + row;
        if (y >= y1 || x0 >= x1) return;
        std::uint8_t* out = at(x0, y);
        const std::uint8_t* in = indices + (x0 - f.x);
        const int n = x1 - x0;
        if (!skip) {
            for (int x = 0; x < n; ++x) std::memcpy(out + 4 * x, &lut[in[x]], 4);
        } else {
            for (int x = 0; x < n; ++x)
                if (in[x] != t) std::memcpy(out + 4 * x, &lut[in[x]], 4);
        }
    });
    ++frames_done_;
    return true;
}

// Pillow's alpha: RGBA's own after a transparent frame 0; an L GIF's
// transparency is frame 0's index taken as a grey; else opaque.
std::uint8_t Compositor::alpha_of(const std::uint8_t* pixel) const {
    if (first_transparency_ < 0) return 255;
    if (grey_) return pixel[0] == first_transparency_ ? 0 : 255;
    return pixel[3];
}

// One loop per mode, the mode decided once (this copy is most of a frame's
// cost after LZW decoding).
template <class Put>
void Compositor::each_pixel(const CropRect& crop, const PixelTarget& to, Put put) const {
    for (int y = 0; y < crop.height; ++y) {
        const std::uint8_t* s = canvas_.data() + ((static_cast<std::size_t>(crop.y) + y) * width_ + crop.x) * 4;
        std::uint8_t* d = to.data + y * to.row_stride;
        for (int x = 0; x < crop.width; ++x, s += 4, d += to.pixel_stride) put(s, d);
    }
}

void Compositor::write(const CropRect& crop, PixelMode mode, const PixelTarget& to) const {
    const bool opaque = first_transparency_ < 0;
    switch (mode) {
        case PixelMode::RGB: return each_pixel(crop, to, [](const std::uint8_t* s, std::uint8_t* d) { std::memcpy(d, s, 3); });
        case PixelMode::BGR:
            return each_pixel(crop, to, [](const std::uint8_t* s, std::uint8_t* d) { d[0] = s[2], d[1] = s[1], d[2] = s[0]; });
        case PixelMode::RGBA:
            if (opaque || grey_) break;
            return each_pixel(crop, to, [](const std::uint8_t* s, std::uint8_t* d) { std::memcpy(d, s, 4); });
        case PixelMode::RGBX:
            return each_pixel(crop, to, [](const std::uint8_t* s, std::uint8_t* d) {
                std::memcpy(d, s, 3);
                d[3] = 255;
            });
        case PixelMode::L: return each_pixel(crop, to, [](const std::uint8_t* s, std::uint8_t* d) { d[0] = luma(s); });
        case PixelMode::BGRA:
        case PixelMode::LA: break;
        default:
            throw std::invalid_argument("GIF decodes to RGB, BGR, RGBA, BGRA, RGBX, L or LA, not mode " +
                                        std::string(pixel_mode_name(mode)));
    }
    // The modes whose alpha follows Pillow's rules for the GIF at hand.
    each_pixel(crop, to, [this, mode](const std::uint8_t* s, std::uint8_t* d) {
        std::uint8_t a = alpha_of(s);
        if (mode == PixelMode::RGBA) {
            std::memcpy(d, s, 3);
            d[3] = a;
        } else if (mode == PixelMode::BGRA) {
            d[0] = s[2], d[1] = s[1], d[2] = s[0], d[3] = a;
        } else {
            d[0] = luma(s), d[1] = a;
        }
    });
}

}  // namespace mediaview::gif
