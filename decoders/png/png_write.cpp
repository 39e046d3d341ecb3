#include "png_write.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include <libdeflate.h>

namespace mediaview::png {
namespace {

struct CompressorFree {
    void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};
using Compressor = std::unique_ptr<libdeflate_compressor, CompressorFree>;

Compressor compressor(int level) {
    Compressor c(libdeflate_alloc_compressor(level));
    if (!c) throw std::bad_alloc();
    return c;
}

// zlib-wrapped deflate of `data` in one call.
std::vector<std::uint8_t> deflate_all(const std::uint8_t* data, std::size_t size, int level) {
    Compressor c = compressor(level);
    std::vector<std::uint8_t> out(libdeflate_zlib_compress_bound(c.get(), size));
    std::size_t n = libdeflate_zlib_compress(c.get(), data, size, out.data(), out.size());
    if (n == 0) throw Error("PNG encoder: libdeflate could not compress the image");  // the bound says never
    out.resize(n);
    return out;
}

class ChunkWriter {
public:
    ChunkWriter() { bytes_.assign({0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}); }

    void add(const char* type, const std::uint8_t* body, std::size_t size) {
        put32(static_cast<std::uint32_t>(size));
        std::size_t start = bytes_.size();
        bytes_.insert(bytes_.end(), type, type + 4);
        bytes_.insert(bytes_.end(), body, body + size);
        put32(libdeflate_crc32(0, bytes_.data() + start, 4 + size));
    }
    void add(const char* type, const std::vector<std::uint8_t>& body) { add(type, body.data(), body.size()); }
    void reserve(std::size_t n) { bytes_.reserve(n); }

    EncodedBytes release() {
        EncodedBytes out;
        out.data = {static_cast<std::uint8_t*>(std::malloc(bytes_.size() ? bytes_.size() : 1)), std::free};
        if (!out.data) throw std::bad_alloc();
        std::memcpy(out.data.get(), bytes_.data(), bytes_.size());
        out.size = bytes_.size();
        return out;
    }

private:
    void put32(std::uint32_t v) {
        for (int s = 24; s >= 0; s -= 8) bytes_.push_back(static_cast<std::uint8_t>(v >> s));
    }
    std::vector<std::uint8_t> bytes_;
};

void be32_into(std::vector<std::uint8_t>& v, std::uint32_t x) {
    for (int s = 24; s >= 0; s -= 8) v.push_back(static_cast<std::uint8_t>(x >> s));
}

// One row of `pixels` as PNG stores it: samples packed, 16-bit big-endian.
void gather_row(const StridedArray& pixels, Index y, std::uint8_t* to) {
    const auto& s = pixels.strides();
    Index w = pixels.shape()[1], c = pixels.ndim() == 3 ? pixels.shape()[2] : 1;
    std::size_t item = pixels.itemsize();
    const std::uint8_t* row = pixels.data() + y * s[0];
    Index cs = pixels.ndim() == 3 ? s[2] : 0;
    bool packed = s[1] == static_cast<Index>(c * item) && (c == 1 || cs == static_cast<Index>(item));
    if (item == 1) {
        if (packed) {
            std::memcpy(to, row, static_cast<std::size_t>(w * c));
            return;
        }
        for (Index x = 0; x < w; ++x)
            for (Index k = 0; k < c; ++k) *to++ = row[x * s[1] + k * cs];
        return;
    }
    for (Index x = 0; x < w; ++x)
        for (Index k = 0; k < c; ++k) {
            std::uint16_t v;
            std::memcpy(&v, row + x * s[1] + k * cs, 2);
            *to++ = static_cast<std::uint8_t>(v >> 8);
            *to++ = static_cast<std::uint8_t>(v);
        }
}

inline std::uint8_t paeth(int a, int b, int c) {
    int pa = std::abs(b - c), pb = std::abs(a - c), pc = std::abs(a + b - 2 * c);
    return static_cast<std::uint8_t>(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

inline unsigned cost(std::uint8_t v) { return v < 128 ? v : 256u - v; }

// One byte of filter F: `a` and `c` are the bytes a pixel to the left.
template <int F>
inline std::uint8_t filtered_byte(const std::uint8_t* cur, const std::uint8_t* prev, std::size_t i, int a, int c) {
    int b = prev[i], pred = 0;
    if constexpr (F == 1) pred = a;
    if constexpr (F == 2) pred = b;
    if constexpr (F == 3) pred = (a + b) >> 1;
    if constexpr (F == 4) pred = paeth(a, b, c);
    return static_cast<std::uint8_t>(cur[i] - pred);
}

// Writes filter F of `cur` (previous row `prev`) to `out`; returns the sum
// of the output's bytes read as signed, the size the heuristic compares.
template <int F>
__attribute__((optimize("tree-vectorize"))) std::uint64_t apply_filter(const std::uint8_t* cur,
                                                                       const std::uint8_t* prev, std::size_t n,
                                                                       std::size_t bpp, std::uint8_t* out) {
    std::uint64_t total = 0;
    std::size_t head = std::min(bpp, n);
    for (std::size_t i = 0; i < head; ++i) {  // no pixel to the left
        out[i] = filtered_byte<F>(cur, prev, i, 0, 0);
        total += cost(out[i]);
    }
    // The rest in blocks of 2^20 bytes, each summed in 32 bits (no overflow),
    // the loop free of branches so that the compiler vectorises it.
    for (std::size_t start = head; start < n; start += std::size_t{1} << 20) {
        std::size_t end = std::min(n, start + (std::size_t{1} << 20));
        std::uint32_t sum = 0;
        for (std::size_t i = start; i < end; ++i) {
            out[i] = filtered_byte<F>(cur, prev, i, cur[i - bpp], prev[i - bpp]);
            sum += cost(out[i]);
        }
        total += sum;
    }
    return total;
}

std::uint64_t apply_filter(int f, const std::uint8_t* cur, const std::uint8_t* prev, std::size_t n, std::size_t bpp,
                           std::uint8_t* out) {
    switch (f) {
        case 1: return apply_filter<1>(cur, prev, n, bpp, out);
        case 2: return apply_filter<2>(cur, prev, n, bpp, out);
        case 3: return apply_filter<3>(cur, prev, n, bpp, out);
        case 4: return apply_filter<4>(cur, prev, n, bpp, out);
        default: return apply_filter<0>(cur, prev, n, bpp, out);
    }
}

// The filtered image: each row its filter byte then the filtered samples.
std::vector<std::uint8_t> filtered_rows(const StridedArray& pixels, std::size_t row_bytes, std::size_t bpp,
                                        bool adaptive) {
    Index h = pixels.shape()[0];
    std::vector<std::uint8_t> out(static_cast<std::size_t>(h) * (row_bytes + 1));
    std::vector<std::uint8_t> rows[2] = {std::vector<std::uint8_t>(row_bytes, 0), std::vector<std::uint8_t>(row_bytes)};
    std::vector<std::uint8_t> trial(row_bytes);
    for (Index y = 0; y < h; ++y) {
        std::uint8_t* dst = out.data() + static_cast<std::size_t>(y) * (row_bytes + 1);
        std::vector<std::uint8_t>& cur = rows[(y + 1) & 1];
        const std::vector<std::uint8_t>& prev = rows[y & 1];
        gather_row(pixels, y, cur.data());
        if (!adaptive) {
            dst[0] = 0;
            std::memcpy(dst + 1, cur.data(), row_bytes);
            continue;
        }
        // Try each filter into `trial`; keep the best in the output row.
        std::uint64_t best = ~std::uint64_t{0};
        for (int f = 0; f <= 4; ++f) {
            std::uint64_t sum = apply_filter(f, cur.data(), prev.data(), row_bytes, bpp, trial.data());
            if (sum < best) {
                best = sum;
                dst[0] = static_cast<std::uint8_t>(f);
                std::memcpy(dst + 1, trial.data(), row_bytes);
            }
        }
    }
    return out;
}

bool is_tiff(const std::string& exif) {
    return exif.size() >= 8 && (std::memcmp(exif.data(), "II*\0", 4) == 0 || std::memcmp(exif.data(), "MM\0*", 4) == 0);
}

}  // namespace

EncodedBytes write_png(const StridedArray& pixels, const ImageMeta& meta, int color_type, int level) {
    if (level < 0 || level > kMaxCompressLevel) throw std::invalid_argument("PNG compress_level must be 0 to 12");
    if (!meta.exif.empty() && !is_tiff(meta.exif))
        throw std::invalid_argument("PNG encoder: the EXIF block is not a TIFF structure (eXIf needs one)");
    Index h = pixels.shape()[0], w = pixels.shape()[1];
    int channels = pixels.ndim() == 3 ? static_cast<int>(pixels.shape()[2]) : 1;
    std::size_t item = pixels.itemsize();
    std::size_t bpp = static_cast<std::size_t>(channels) * item;
    std::size_t row_bytes = static_cast<std::size_t>(w) * bpp;

    std::vector<std::uint8_t> filtered = filtered_rows(pixels, row_bytes, bpp, level > 0);
    std::vector<std::uint8_t> stream = deflate_all(filtered.data(), filtered.size(), level);
    filtered = {};

    ChunkWriter png;
    png.reserve(stream.size() + meta.icc.size() + meta.exif.size() + 256);
    std::vector<std::uint8_t> ihdr;
    be32_into(ihdr, static_cast<std::uint32_t>(w));
    be32_into(ihdr, static_cast<std::uint32_t>(h));
    ihdr.insert(ihdr.end(), {static_cast<std::uint8_t>(item * 8), static_cast<std::uint8_t>(color_type), 0, 0, 0});
    png.add("IHDR", ihdr);
    if (!meta.icc.empty()) {
        static const char kName[] = "ICC Profile";
        std::vector<std::uint8_t> iccp(kName, kName + sizeof kName);  // the name and its NUL
        iccp.push_back(0);                                            // compression method: deflate
        std::vector<std::uint8_t> z = deflate_all(reinterpret_cast<const std::uint8_t*>(meta.icc.data()),
                                                  meta.icc.size(), level ? level : 6);
        iccp.insert(iccp.end(), z.begin(), z.end());
        png.add("iCCP", iccp);
    }
    if (meta.dpi_x > 0 && meta.dpi_y > 0) {
        std::vector<std::uint8_t> phys;
        be32_into(phys, static_cast<std::uint32_t>(meta.dpi_x / 0.0254 + 0.5));
        be32_into(phys, static_cast<std::uint32_t>(meta.dpi_y / 0.0254 + 0.5));
        phys.push_back(1);  // pixels per metre
        png.add("pHYs", phys);
    }
    if (!meta.exif.empty())
        png.add("eXIf", reinterpret_cast<const std::uint8_t*>(meta.exif.data()), meta.exif.size());
    // IDAT chunks of at most 1 GiB (a chunk's length is below 2^31).
    constexpr std::size_t kIdatMax = std::size_t{1} << 30;
    for (std::size_t at = 0; at < stream.size(); at += kIdatMax)
        png.add("IDAT", stream.data() + at, std::min(kIdatMax, stream.size() - at));
    png.add("IEND", nullptr, 0);
    return png.release();
}

}  // namespace mediaview::png
