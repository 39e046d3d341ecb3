#include "png_fast.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <utility>
#include <vector>

#include <libdeflate.h>

#include "unfilter.hpp"

namespace mediaview::png {
namespace {

std::uint32_t be32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
           static_cast<std::uint32_t>(p[2]) << 8 | p[3];
}

bool is_type(const std::uint8_t* chunk, const char* type) { return std::memcmp(chunk + 4, type, 4) == 0; }

// The zlib stream of the image: a view of the file when it is one IDAT chunk,
// else the chunks' payloads joined. Empty when the chunk list is not one we
// vouch for (see png_fast.hpp).
struct Stream {
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
    std::vector<std::uint8_t> joined;
};

bool whole_chunk_at(ByteSpan d, std::size_t pos, std::uint32_t& length) {
    if (d.size - pos < 12) return false;
    length = be32(d.data + pos);
    return length <= 0x7FFFFFFFu && d.size - pos - 12 >= length;
}

bool crc_ok(ByteSpan d, std::size_t pos, std::uint32_t length) {
    return fast_crc32(d.data + pos + 4, 4 + static_cast<std::size_t>(length)) == be32(d.data + pos + 8 + length);
}

std::optional<Stream> image_stream(ByteSpan d) {
    std::size_t pos = 8;
    std::uint32_t length = 0;
    while (true) {  // the chunks before the image data (libspng has read them)
        if (!whole_chunk_at(d, pos, length) || is_type(d.data + pos, "IEND")) return std::nullopt;
        if (is_type(d.data + pos, "IDAT")) break;
        pos += 12 + static_cast<std::size_t>(length);
    }
    std::vector<std::pair<std::size_t, std::uint32_t>> parts;
    while (whole_chunk_at(d, pos, length) && is_type(d.data + pos, "IDAT")) {
        if (!crc_ok(d, pos, length)) return std::nullopt;
        if (length) parts.emplace_back(pos + 8, length);
        pos += 12 + static_cast<std::size_t>(length);
    }
    if (!whole_chunk_at(d, pos, length) || !is_type(d.data + pos, "IEND") || length != 0 || !crc_ok(d, pos, 0))
        return std::nullopt;
    Stream s;
    if (parts.size() == 1) {
        s.data = d.data + parts[0].first;
        s.size = parts[0].second;
        return s;
    }
    std::size_t total = 0;
    for (const auto& part : parts) total += part.second;
    s.joined.resize(total);
    std::size_t at = 0;
    for (const auto& part : parts) {
        std::memcpy(s.joined.data() + at, d.data + part.first, part.second);
        at += part.second;
    }
    s.data = s.joined.data();
    s.size = total;
    return s;
}

// The joined copy of the compressed stream (several IDAT chunks) is not
// needed once inflated: freed before any output row is written.
void drop_joined(Stream& s) {
    std::vector<std::uint8_t>().swap(s.joined);
    s.data = nullptr;
    s.size = 0;
}

struct DecompressorFree {
    void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

// One decompressor per thread (libdeflate's are not shared between threads;
// making one costs an allocation of ~10 KB).
libdeflate_decompressor* decompressor() {
    thread_local std::unique_ptr<libdeflate_decompressor, DecompressorFree> d(libdeflate_alloc_decompressor());
    if (!d) throw std::bad_alloc();
    return d.get();
}

// Inflates the whole stream into `out`, which must come out exactly full.
// zlib (libspng's inflater) refuses a distance beyond the window the header
// declares; libdeflate allows 32 KiB always. They agree when the declared
// window holds the whole image: 32 KiB, or a smaller one that covers it (what
// libpng writes for small images). Other streams fall back.
bool inflate_exact(const Stream& s, std::uint8_t* out, std::size_t size) {
    if (s.size < 2 || (s.data[0] & 0x0F) != 8) return false;
    unsigned window_bits = (s.data[0] >> 4) + 8u;
    if (window_bits > 15 || (window_bits < 15 && size > (std::size_t{1} << window_bits))) return false;
    std::size_t used_in = 0, used_out = 0;
    libdeflate_result r = libdeflate_zlib_decompress_ex(decompressor(), s.data, s.size, out, size, &used_in, &used_out);
    return r == LIBDEFLATE_SUCCESS && used_in == s.size && used_out == size;
}

int samples_of(int color_type) { return color_type == 2 ? 3 : color_type == 4 ? 2 : color_type == 6 ? 4 : 1; }

void swap16(std::uint8_t* row, std::size_t bytes) {
    for (std::size_t i = 0; i + 1 < bytes; i += 2) {
        std::uint16_t v;
        std::memcpy(&v, row + i, 2);
        v = static_cast<std::uint16_t>(v << 8 | v >> 8);
        std::memcpy(row + i, &v, 2);
    }
}

// Unfilters `rows` rows of `bytes` bytes (each after its filter-type byte)
// in place. With `swap`, a row is byte-swapped once the next no longer needs
// it in file order. With a `sink`, each row goes to it once unfiltered (and
// swapped): row y before row y + 1 is unfiltered, or, with `swap`, right
// after it.
bool unfilter_rows(std::uint8_t* at, std::size_t rows, std::size_t bytes, int bpp, bool swap,
                   const std::uint8_t* zeros, const RowSink* sink = nullptr) {
    const std::uint8_t* prev = zeros;
    for (std::size_t y = 0; y < rows; ++y) {
        std::uint8_t* row = at + y * (bytes + 1) + 1;
        if (!unfilter_row(row[-1], row, prev, bytes, bpp)) return false;
        if (swap && y > 0) swap16(row - bytes - 1, bytes);
        if (sink && (!swap || y > 0))
            (*sink)(static_cast<std::uint32_t>(swap ? y - 1 : y), swap ? row - bytes - 1 : row);
        prev = row;
    }
    if (swap && rows > 0) {
        std::uint8_t* last = at + (rows - 1) * (bytes + 1) + 1;
        swap16(last, bytes);
        if (sink) (*sink)(static_cast<std::uint32_t>(rows - 1), last);
    }
    return true;
}

struct Pass {
    int x0, y0, dx, dy;
};
constexpr Pass kAdam7[7] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
                            {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};

std::uint32_t pass_extent(std::uint32_t size, int start, int step) {
    return size > static_cast<std::uint32_t>(start) ? (size - start + step - 1) / step : 0;
}

std::size_t row_bytes(std::uint32_t width, int bits_per_pixel) {
    return (static_cast<std::size_t>(width) * bits_per_pixel + 7) / 8;
}

// Places one unfiltered pass row into the full image.
void place_pass_row(const std::uint8_t* src, std::uint32_t n, std::uint8_t* dst_row, const Pass& p,
                    int bits_per_pixel) {
    if (bits_per_pixel >= 8) {
        std::size_t px = static_cast<std::size_t>(bits_per_pixel) / 8;
        for (std::uint32_t i = 0; i < n; ++i)
            std::memcpy(dst_row + (static_cast<std::size_t>(p.x0) + static_cast<std::size_t>(i) * p.dx) * px,
                        src + i * px, px);
        return;
    }
    unsigned per_byte = 8u / static_cast<unsigned>(bits_per_pixel);
    unsigned mask = (1u << bits_per_pixel) - 1;
    for (std::uint32_t i = 0; i < n; ++i) {
        unsigned v = (src[i / per_byte] >> (8 - bits_per_pixel * (i % per_byte + 1))) & mask;
        std::size_t x = static_cast<std::size_t>(p.x0) + static_cast<std::size_t>(i) * p.dx;
        unsigned shift = 8 - bits_per_pixel * static_cast<unsigned>(x % per_byte + 1);
        dst_row[x / per_byte] = static_cast<std::uint8_t>(dst_row[x / per_byte] | v << shift);
    }
}

// Inflated into a buffer of its own (the output is a caller's buffer, or
// cropped, or the block had no room).
bool decode_progressive(Stream s, std::uint32_t w, std::uint32_t h, int bits, int bpp, bool swap,
                        const RowSink& sink) {
    std::size_t bytes = row_bytes(w, bits);
    std::unique_ptr<std::uint8_t[]> filtered(new std::uint8_t[static_cast<std::size_t>(h) * (bytes + 1)]);
    if (!inflate_exact(s, filtered.get(), static_cast<std::size_t>(h) * (bytes + 1))) return false;
    drop_joined(s);
    std::vector<std::uint8_t> zeros(bytes, 0);
    return unfilter_rows(filtered.get(), h, bytes, bpp, swap, zeros.data(), &sink);
}

// Adam7: every pass unfiltered where it was inflated, then each image row
// gathered from the passes into one row (not a whole second image) and
// handed on. The passes cannot share the output's block: output row 0
// needs bytes of six passes spread over the first half of the stream, so
// forward writes from the block's start would overtake them unless the
// block held the output and the whole stream side by side.
bool decode_adam7(Stream s, std::uint32_t w, std::uint32_t h, int bits, int bpp, bool swap,
                  const RowSink& sink) {
    std::size_t filtered = 0;
    std::size_t starts[7] = {};
    for (int i = 0; i < 7; ++i) {
        const Pass& p = kAdam7[i];
        starts[i] = filtered;
        std::uint32_t pw = pass_extent(w, p.x0, p.dx), ph = pass_extent(h, p.y0, p.dy);
        if (pw && ph) filtered += static_cast<std::size_t>(ph) * (row_bytes(pw, bits) + 1);
    }
    std::unique_ptr<std::uint8_t[]> passes(new std::uint8_t[filtered]);
    if (!inflate_exact(s, passes.get(), filtered)) return false;
    drop_joined(s);
    std::size_t bytes = row_bytes(w, bits);
    std::vector<std::uint8_t> zeros(bytes, 0), row(bytes);
    for (int i = 0; i < 7; ++i) {
        const Pass& p = kAdam7[i];
        std::uint32_t pw = pass_extent(w, p.x0, p.dx), ph = pass_extent(h, p.y0, p.dy);
        if (pw && ph && !unfilter_rows(passes.get() + starts[i], ph, row_bytes(pw, bits), bpp, false, zeros.data()))
            return false;
    }
    for (std::uint32_t y = 0; y < h; ++y) {
        if (bits < 8) std::memset(row.data(), 0, bytes);  // bits are OR-ed in
        for (int i = 0; i < 7; ++i) {
            const Pass& p = kAdam7[i];
            std::uint32_t pw = pass_extent(w, p.x0, p.dx);
            if (!pw || y < static_cast<std::uint32_t>(p.y0) || (y - p.y0) % p.dy != 0) continue;
            std::size_t pass_row = (y - p.y0) / p.dy;
            place_pass_row(passes.get() + starts[i] + pass_row * (row_bytes(pw, bits) + 1) + 1, pw, row.data(), p,
                           bits);
        }
        if (swap) swap16(row.data(), bytes);
        sink(y, row.data());
    }
    return true;
}

// Where the filtered rows start in the block. Output row y is written to
// [y*O, (y+1)*O) while raw row y is read, and raw row y's bytes (after its
// filter byte) lie at [base + y*F + 1, base + (y+1)*F); rows after it lie
// higher still and rows before it are never read again (the row above is the
// unfilter's `prev`, but row y is unfiltered before row y's output is
// written, and row y-1's output never reaches row y: see below). So the
// writes of row y meet no byte still to be read when, for every y in
// [0, h), (y+1)*O <= base + y*F + 1. Since (y+1)*O - y*F - 1 is linear in y,
// its largest value is at y = 0 or y = h-1:
//   base = max(0, O - 1, h*O - (h-1)*F - 1).
// 16-bit rows are delivered one row late (row y-1 after row y is unfiltered,
// as the byte swap must wait until row y no longer needs row y-1 in file
// order): that writes [(y-1)*O, y*O), within the same bound for y-1.
// The block is base + h*F: h*O + F - 1 when O >= F; h*O + h + F - 2 when
// O = F - 1 (8-bit rows delivered as they are); h*F + O - 1 when O < F - 1
// (the output's rows are shorter than the file's: the filtered stream is
// then larger than the output, and the block is that stream plus a row).
bool in_place_layout(std::uint32_t h, std::size_t out_row, std::size_t raw_row, std::size_t& base,
                     std::size_t& total) {
    std::size_t f = raw_row + 1;
    if (h == 0 || out_row == 0) return false;
    std::size_t last = 0, filtered = 0;
    if (__builtin_mul_overflow(static_cast<std::size_t>(h), out_row, &last) ||
        __builtin_mul_overflow(static_cast<std::size_t>(h), f, &filtered))
        return false;
    std::size_t below = static_cast<std::size_t>(h - 1) * f + 1;  // <= filtered: no overflow
    base = std::max(out_row - 1, last > below ? last - below : 0);
    return !__builtin_add_overflow(base, filtered, &total);
}

}  // namespace

std::size_t in_place_bytes(std::uint32_t height, std::size_t out_row_bytes, std::size_t raw_row_bytes) {
    std::size_t base = 0, total = 0;
    return in_place_layout(height, out_row_bytes, raw_row_bytes, base, total) ? total : 0;
}

bool fast_decode_in_place(ByteSpan data, const RawFormat& format, std::uint32_t width, std::uint32_t height,
                          std::uint8_t* block, std::size_t block_bytes, std::size_t out_row_bytes,
                          const RowSink& sink) {
    int bits = samples_of(format.color_type) * format.bit_depth;
    int bpp = std::max(1, bits / 8);
    std::size_t bytes = row_bytes(width, bits), base = 0, total = 0;
    if (!in_place_layout(height, out_row_bytes, bytes, base, total) || block_bytes < total) return false;
    std::uint8_t* at = block + base;
    {
        // The joined IDAT payloads (a copy of the compressed stream when the
        // file has several chunks) are freed before any output row is written.
        std::optional<Stream> stream = image_stream(data);
        if (!stream || !inflate_exact(*stream, at, total - base)) return false;
    }
    std::vector<std::uint8_t> zeros(bytes, 0);
    return unfilter_rows(at, height, bytes, bpp, format.bit_depth == 16, zeros.data(), &sink);
}

std::uint32_t fast_crc32(const std::uint8_t* data, std::size_t size, std::uint32_t crc) {
    return libdeflate_crc32(crc, data, size);
}

bool fast_decode_rows(ByteSpan data, const RawFormat& format, std::uint32_t width, std::uint32_t height,
                      bool interlaced, const RowSink& sink) {
    std::optional<Stream> stream = image_stream(data);
    if (!stream) return false;
    int bits = samples_of(format.color_type) * format.bit_depth;
    int bpp = std::max(1, bits / 8);
    bool swap = format.bit_depth == 16;  // PNG is big-endian; the raw layout is host order
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the fast PNG path assumes a little-endian host");
    return interlaced ? decode_adam7(std::move(*stream), width, height, bits, bpp, swap, sink)
                      : decode_progressive(std::move(*stream), width, height, bits, bpp, swap, sink);
}

}  // namespace mediaview::png
