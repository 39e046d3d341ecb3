#include "tiff_pixels.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace mediaview::tiff {
namespace {

// Where each output channel comes from: a sample index, or -1 for the
// type's full value (an added opaque alpha, RGBX's X); `luma`: L from RGB.
struct Mapping {
    int from[4] = {0, 0, 0, 0};
    int channels = 1;
    bool luma = false;
};

Mapping mapping_for(PixelMode own, PixelMode want) {
    auto m = [](std::initializer_list<int> from, bool luma = false) {
        Mapping out;
        out.channels = static_cast<int>(from.size());
        std::copy(from.begin(), from.end(), out.from);
        out.luma = luma;
        return out;
    };
    const bool grey = own == PixelMode::L || own == PixelMode::LA;
    const bool alpha = own == PixelMode::LA || own == PixelMode::RGBA;
    const int a = alpha ? (grey ? 1 : 3) : -1;
    if (own == PixelMode::CMYK) {
        if (want == PixelMode::CMYK) return m({0, 1, 2, 3});
    } else {
        switch (want) {
            case PixelMode::L: return grey ? m({0}) : m({0}, true);
            case PixelMode::LA: return grey ? m({0, a}) : m({0, a}, true);
            case PixelMode::RGB: return grey ? m({0, 0, 0}) : m({0, 1, 2});
            case PixelMode::BGR: return grey ? m({0, 0, 0}) : m({2, 1, 0});
            case PixelMode::RGBA: return grey ? m({0, 0, 0, a}) : m({0, 1, 2, a});
            case PixelMode::BGRA: return grey ? m({0, 0, 0, a}) : m({2, 1, 0, a});
            case PixelMode::RGBX: return grey ? m({0, 0, 0, -1}) : m({0, 1, 2, -1});
            default: break;
        }
    }
    throw std::invalid_argument("this TIFF page is " + std::string(pixel_mode_name(own)) + ": it cannot be decoded as " +
                                std::string(pixel_mode_name(want)));
}

// IEEE half samples, moved as their bits.
struct Half {
    std::uint16_t bits;
};

template <class T>
constexpr T full_value() {
    if constexpr (std::is_same_v<T, Half>) return Half{0x3C00};  // 1.0
    else if constexpr (std::numeric_limits<T>::is_integer) return std::numeric_limits<T>::max();
    else return T(1);
}

std::uint8_t luma(const std::uint8_t* s) {
    return static_cast<std::uint8_t>((s[0] * 19595u + s[1] * 38470u + s[2] * 7471u + 0x8000u) >> 16);
}

// One run of `n` source pixels (`step` samples apart; for a planar page,
// the plane `plane`'s single samples) into the target.
struct Run {
    const std::uint8_t* src;
    int step;
    int n;
    std::uint8_t* dst;
    Index pixel_stride;
    int plane;  // -1: chunky
};

template <class T>
void put(const Run& r, const Mapping& m, bool invert) {
    const T* src = reinterpret_cast<const T*>(r.src);
    for (int x = 0; x < r.n; ++x, src += r.step) {
        T* d = reinterpret_cast<T*>(r.dst + x * r.pixel_stride);
        if constexpr (std::is_same_v<T, std::uint8_t>) {
            if (m.luma) {
                d[0] = luma(src);
                if (m.channels == 2) d[1] = m.from[1] < 0 ? 255 : src[m.from[1]];
                continue;
            }
        }
        for (int c = 0; c < m.channels; ++c) {
            int k = m.from[c];
            if (r.plane >= 0) {
                if (k != r.plane && !(k < 0 && r.plane == 0)) continue;
                k = k < 0 ? -1 : 0;
            }
            T v = k < 0 ? full_value<T>() : src[k];
            if constexpr (std::numeric_limits<T>::is_integer && !std::numeric_limits<T>::is_signed) {
                if (invert && m.from[c] == 0) v = static_cast<T>(full_value<T>() - v);
            }
            d[c] = v;
        }
    }
}

void put_run(DType dtype, const Run& r, const Mapping& m, bool invert) {
    switch (dtype) {
        case DType::U8: return put<std::uint8_t>(r, m, invert);
        case DType::U16: return put<std::uint16_t>(r, m, invert);
        case DType::I16: return put<std::int16_t>(r, m, invert);
        case DType::I32: return put<std::int32_t>(r, m, invert);
        case DType::F32: return put<float>(r, m, invert);
        case DType::F64: return put<double>(r, m, invert);
        case DType::U32: return put<std::uint32_t>(r, m, invert);
        case DType::F16: return put<Half>(r, m, invert);
    }
}

void zero_rows(const PixelTarget& t, int y0, int y1, int x0, int x1, std::size_t pixel_bytes) {
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) std::memset(t.data + y * t.row_stride + x * t.pixel_stride, 0, pixel_bytes);
}

class PageReader {
public:
    PageReader(File& file, const Layout& l, const CropRect& crop, PixelMode want, const PixelTarget& target,
               const ImageRequest& request, int page)
        : file_(file), l_(l), crop_(crop), target_(target), request_(request), page_(page),
          indices_(want == PixelMode::P), map_(indices_ ? Mapping{} : mapping_for(l.own, want)) {
        TIFF* tif = file.get();
        scratch_size_ = l.tiled ? TIFFTileSize64(tif) : TIFFVStripSize64(tif, l.tile_height);
        row_bytes_ = l.tiled ? TIFFTileRowSize64(tif) : TIFFScanlineSize64(tif);
        if (scratch_size_ == 0 || row_bytes_ == 0) throw DecodeError("TIFF page " + std::to_string(page) + " is damaged (no strip size)");
        if (scratch_size_ > (std::uint64_t{1} << 32)) throw LimitError("TIFF strips or tiles above 4 GB are refused");
        pixel_bytes_ = itemsize(l.dtype) * static_cast<std::size_t>(map_.channels);
        // The samples as stored are the pixels as wanted: rows are copied
        // whole, or whole strips decoded straight into the target.
        copy_rows_ = !l.planar && !l.bilevel && (l.palette.empty() || indices_) && !l.min_is_white && !map_.luma &&
                     map_.channels == l.samples && target.pixel_stride == static_cast<Index>(pixel_bytes_);
        for (int ch = 0; ch < map_.channels; ++ch) copy_rows_ = copy_rows_ && map_.from[ch] == ch;
        if (l.bilevel || !l.palette.empty()) expanded_.resize(static_cast<std::size_t>(l.strile_width()) * 3);
    }

    int lost = 0, total = 0;

    void read_all() {
        const std::uint32_t sw = l_.strile_width(), sh = l_.strile_height();
        const std::uint32_t x_end = static_cast<std::uint32_t>(crop_.x + crop_.width);
        const std::uint32_t y_end = static_cast<std::uint32_t>(crop_.y + crop_.height);
        const int planes = l_.planar ? std::min(l_.samples, 4) : 1;
        for (std::uint32_t ty = crop_.y / sh * sh; ty < y_end; ty += sh)
            for (std::uint32_t tx = l_.tiled ? crop_.x / sw * sw : 0; tx < x_end; tx += sw)
                for (int p = 0; p < planes; ++p)
                    if (!l_.planar || plane_used(p)) strile(tx, ty, p);
    }

private:
    bool plane_used(int p) const {
        for (int c = 0; c < map_.channels; ++c)
            if (map_.from[c] == p || (map_.from[c] < 0 && p == 0)) return true;
        return false;
    }

    void strile(std::uint32_t tx, std::uint32_t ty, int plane) {
        TIFF* tif = file_.get();
        std::uint16_t sample = static_cast<std::uint16_t>(plane);
        std::uint32_t index = l_.tiled ? TIFFComputeTile(tif, tx, ty, 0, sample) : TIFFComputeStrip(tif, ty, sample);
        const char* kind = l_.tiled ? "tile" : "strip";
        int xa = std::max<int>(crop_.x, static_cast<int>(tx));
        int xb = static_cast<int>(std::min<std::uint64_t>({static_cast<std::uint64_t>(crop_.x) + crop_.width,
                                                           static_cast<std::uint64_t>(tx) + l_.strile_width(), l_.width}));
        int ya = std::max<int>(crop_.y, static_cast<int>(ty));
        int yb = static_cast<int>(std::min<std::uint64_t>({static_cast<std::uint64_t>(crop_.y) + crop_.height,
                                                           static_cast<std::uint64_t>(ty) + l_.strile_height(), l_.height}));
        ++total;
        int err = 0;
        std::uint64_t offset = TIFFGetStrileOffsetWithErr(tif, index, &err);
        std::uint64_t count = err ? 0 : TIFFGetStrileByteCountWithErr(tif, index, &err);
        if (err) throw DecodeError("TIFF page " + std::to_string(page_) + " has no offset for its " + kind + " " +
                                   std::to_string(index));
        if (offset == 0 && count == 0) {  // a sparse file's absent strile: zeros by definition
            zero_rows(shifted(), ya - crop_.y, yb - crop_.y, xa - crop_.x, xb - crop_.x, pixel_bytes_);
            return;
        }
        if (offset >= file_.size() || count > file_.size() - offset) {
            if (!request_.allow_truncated || request_.strict)
                throw DecodeError("TIFF data is truncated: " + std::string(kind) + " " + std::to_string(index) +
                                  " of page " + std::to_string(page_) +
                                  " lies past the end",
                                  pass_allow_truncated("to get the rest zero-filled"));
            ++lost;
            zero_rows(shifted(), ya - crop_.y, yb - crop_.y, xa - crop_.x, xb - crop_.x, pixel_bytes_);
            return;
        }
        if (!l_.tiled && copy_rows_ && crop_.x == 0 && crop_.width == static_cast<int>(l_.width) && ya == static_cast<int>(ty) &&
            target_.row_stride == static_cast<Index>(row_bytes_)) {
            // Whole rows of a strip, laid out in the target as in the file.
            tmsize_t want = static_cast<tmsize_t>(row_bytes_) * (yb - ya);
            std::uint32_t rows_in_strip = std::min<std::uint32_t>(l_.strile_height(), l_.height - ty);
            if (yb - ya == static_cast<int>(rows_in_strip)) {
                std::uint8_t* into = target_.data + (ya - crop_.y) * target_.row_stride;
                tmsize_t got = TIFFReadEncodedStrip(tif, index, into, want);
                file_.take_warnings();
                if (got == want) return;
                file_.take_errors();
                throw DecodeError("TIFF strip " + std::to_string(index) + " of page " + std::to_string(page_) +
                                  " is damaged (its " + compression_name(l_.compression) + " data does not decode)");
            }
        }
        if (scratch_.empty()) scratch_.resize(scratch_size_);  // only when a strile is not read in place
        tmsize_t got = l_.tiled ? TIFFReadEncodedTile(tif, index, scratch_.data(), static_cast<tmsize_t>(scratch_size_))
                                : TIFFReadEncodedStrip(tif, index, scratch_.data(), static_cast<tmsize_t>(scratch_size_));
        file_.take_warnings();
        if (got < 0) {
            file_.take_errors();
            throw DecodeError("TIFF " + std::string(kind) + " " + std::to_string(index) + " of page " +
                              std::to_string(page_) + " is damaged (its " + compression_name(l_.compression) +
                              " data does not decode)");
        }
        for (int y = ya; y < yb; ++y) row(scratch_.data() + (y - ty) * row_bytes_, xa - static_cast<int>(tx), xb - xa,
                                          y - crop_.y, xa - crop_.x, plane);
    }

    // `n` pixels of a strile row from column `first` into target row `ty`, column `tx`.
    void row(const std::uint8_t* src, int first, int n, int ty, int tx, int plane) {
        int step = l_.planar ? 1 : l_.samples;
        std::size_t bytes = itemsize(l_.dtype);
        std::uint8_t* to = target_.data + ty * target_.row_stride + tx * target_.pixel_stride;
        if (copy_rows_) {
            std::memcpy(to, src + static_cast<std::size_t>(first) * pixel_bytes_, static_cast<std::size_t>(n) * pixel_bytes_);
            return;
        }
        const std::uint8_t* from = src + static_cast<std::size_t>(first) * step * bytes;
        if (l_.bilevel) {
            for (int x = 0; x < n; ++x) {
                int bit = src[(first + x) >> 3] >> (7 - ((first + x) & 7)) & 1;
                expanded_[x] = (bit != 0) != l_.min_is_white ? 255 : 0;
            }
            from = expanded_.data();
            step = 1;
        } else if (!l_.palette.empty() && !indices_) {
            for (int x = 0; x < n; ++x) std::memcpy(&expanded_[x * 3], &l_.palette[src[first + x] * 3], 3);
            from = expanded_.data();
            step = 3;
        }
        Run r{from, step, n, to, target_.pixel_stride,
              l_.planar ? plane : -1};
        put_run(l_.dtype, r, map_, l_.min_is_white && !l_.bilevel);
    }

    const PixelTarget& shifted() const { return target_; }

    File& file_;
    const Layout& l_;
    CropRect crop_;
    PixelTarget target_;
    const ImageRequest& request_;
    int page_;
    bool indices_;  // mode P: a palette page's indices as stored
    Mapping map_;
    std::uint64_t scratch_size_ = 0, row_bytes_ = 0;
    std::vector<std::uint8_t> scratch_, expanded_;
    std::size_t pixel_bytes_ = 0;
    bool copy_rows_ = false;
};

}  // namespace

void check_mode(const Layout& layout, PixelMode want) {
    if (want == PixelMode::P) {
        if (layout.palette.empty())
            throw ArgumentError("mode", "mode='P' gives a palette TIFF page's indices; this page is " +
                                            std::string(pixel_mode_name(layout.own)) + " " +
                                            photometric_name(layout.photometric) + ": pass another mode");
        return;
    }
    Mapping m = mapping_for(layout.own, want);
    if (m.luma && layout.dtype != DType::U8)
        throw std::invalid_argument("L from a colour TIFF is computed for uint8 samples only; this page holds " +
                                    std::string(dtype_name(layout.dtype)));
    if (m.luma && layout.planar) throw std::invalid_argument("L from a planar colour TIFF is not supported");
}

void read_pixels(File& file, const Layout& layout, const CropRect& crop, PixelMode want, const PixelTarget& target,
                 const ImageRequest& request, Diagnostics& diagnostics, int page) {
    check_mode(layout, want);
    PageReader reader(file, layout, crop, want, target, request, page);
    reader.read_all();
    if (reader.lost)
        diagnostics.warn("TIFF data is truncated: " + std::to_string(reader.lost) + " of " +
                         std::to_string(reader.total) + " strips or tiles of page " + std::to_string(page) +
                         " lie past the end (zero-filled)");
}

}  // namespace mediaview::tiff
