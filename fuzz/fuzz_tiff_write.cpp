// libFuzzer target: the TIFF writer (decoders/tiff/tiff_write.cpp) with the
// element type, layout, size, compression, level, predictor, the source's
// strides and the page count drawn from the input, every page read back by
// our libtiff reader.
//
// Input layout: 7 option bytes, then the sample bytes (repeated to fill the
// source; zeros when there are none).
//   [0] bits 0-2 dtype (of 8), 3-4 channels - 1, 5 a 2-D source (1 channel),
//       6 BGR(A) for 3/4 channels (CMYK with 4 and bit 7)
//   [1] bits 0-2 compression (of 6, 6-7: none), 3 predictor
//   [2] compress_level: none for b >= 200, else b % 24 (some out of range)
//   [3] [4] width, height: 1 + b % 64
//   [5] the source's strides: 0 C order, 1 rows flipped, 2 columns flipped,
//       3 transposed, 4 every other column
//   [6] pages: 1 + b % 3; bit 7: the sample bytes are also the pages' EXIF
//       block (its orientation and IFD0 text tags are stored)
//
// Invariants: only the documented bad combinations (a predictor without
// LZW/Deflate/ZSTD/LZMA, a level for another compression or out of its
// range) throw, std::invalid_argument; every page reads back with the same
// bytes, element for element, as the source view holds.
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "decoders/tiff/tiff_codec.hpp"
#include "src/image_codec.hpp"

namespace {

using namespace mediaview;

[[noreturn]] void broken() { std::abort(); }
#define CHECK(cond) \
    do {            \
        if (!(cond)) broken(); \
    } while (0)

constexpr DType kTypes[] = {DType::U8, DType::U16, DType::U32, DType::I16,
                            DType::I32, DType::F16, DType::F32, DType::F64};
const char* const kCompressions[] = {"none", "lzw", "deflate", "zstd", "lzma", "packbits", "none", "none"};

PixelMode mode_for(int channels, std::uint8_t b) {
    switch (channels) {
        case 1: return PixelMode::L;
        case 2: return PixelMode::LA;
        case 3: return (b & 0x40) ? PixelMode::BGR : PixelMode::RGB;
        default: return (b & 0x40) ? ((b & 0x80) ? PixelMode::CMYK : PixelMode::BGRA) : PixelMode::RGBA;
    }
}

// The source view over a fresh block: (H, W[, C]) with the strides [5] asks for.
StridedArray source(DType dtype, Index h, Index w, Index c, bool two_d, std::uint8_t layout,
                    const std::uint8_t* payload, std::size_t payload_size, std::size_t shift) {
    const bool transposed = layout % 5 == 3;
    const Index wide = layout % 5 == 4 ? 2 * w : w;
    const Index rows = transposed ? wide : h, cols = transposed ? h : wide;
    StridedArray block = StridedArray::allocate(dtype, {rows, cols, c});
    for (std::size_t i = 0; i < block.nbytes(); ++i) block.data()[i] = payload_size ? payload[(i + shift) % payload_size] : 0;
    StridedArray view = transposed ? block.permuted({1, 0, 2}) : block;
    if (layout % 5 == 1) view = view.flipped(0);
    if (layout % 5 == 2) view = view.flipped(1);
    std::vector<Index> shape = {h, w, c}, strides = view.strides();
    if (layout % 5 == 4) strides[1] *= 2;
    if (two_d) {
        shape.pop_back();
        strides.pop_back();
    }
    return StridedArray(view.storage(), dtype, shape, strides, view.offset());
}

bool expected_refusal(const std::string& compression, bool predictor, int level) {
    const bool none = compression == "none" || compression == "packbits";
    if (predictor && none) return true;
    if (level < 0) return false;
    if (compression == "deflate") return level < 1 || level > 12;
    if (compression == "zstd") return level < 1 || level > 22;
    if (compression == "lzma") return level > 9;
    return true;  // a level for none, packbits or LZW
}

void check_page(ByteSpan file, int page, const StridedArray& src, PixelMode mode) {
    ImageRequest request;
    request.mode = mode;
    request.frame = page;
    const Index h = src.shape()[0], w = src.shape()[1], c = channels_of(mode);
    const std::size_t item = src.itemsize();
    std::vector<std::uint8_t> out(static_cast<std::size_t>(h * w * c) * item);
    Diagnostics diagnostics;
    ImageDecodeResult result = tiff::codec().decode(
        file, request,
        [&](const OutputShape& shape) {
            CHECK(shape.width == w && shape.height == h && shape.channels == c && shape.dtype == src.dtype());
            return PixelTarget{out.data(), static_cast<Index>(w * c * item), static_cast<Index>(c * item)};
        },
        diagnostics);
    CHECK(diagnostics.warnings.empty());
    const Index channel_stride = src.ndim() == 3 ? src.strides()[2] : 0;
    for (Index y = 0; y < h; ++y)
        for (Index x = 0; x < w; ++x)
            for (Index k = 0; k < c; ++k) {
                const std::uint8_t* a = src.data() + y * src.strides()[0] + x * src.strides()[1] + k * channel_stride;
                const std::uint8_t* b = out.data() + ((y * w + x) * c + k) * static_cast<Index>(item);
                CHECK(std::memcmp(a, b, item) == 0);
            }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 7) return 0;
    const DType dtype = kTypes[data[0] & 7];
    const int channels = 1 + ((data[0] >> 3) & 3);
    const bool two_d = channels == 1 && (data[0] & 0x20);
    const PixelMode mode = mode_for(channels, data[0]);
    const std::string compression = kCompressions[data[1] & 7];
    const bool predictor = data[1] & 8;
    const int level = data[2] >= 200 ? -1 : data[2] % 24;
    const Index w = 1 + data[3] % 64, h = 1 + data[4] % 64;
    const int pages = 1 + (data[6] & 0x7F) % 3;

    std::vector<StridedArray> arrays;
    std::vector<ImageMeta> metas;
    for (int p = 0; p < pages; ++p) {
        arrays.push_back(source(dtype, h, w, channels, two_d, static_cast<std::uint8_t>(data[5] + p), data + 7,
                                size - 7, static_cast<std::size_t>(p)));
        ImageMeta meta;
        meta.mode = mode;
        if (data[6] & 0x80) meta.exif.assign(reinterpret_cast<const char*>(data + 7), size - 7);
        metas.push_back(meta);
    }
    Options options{{"compression", compression}, {"predictor", predictor}};
    if (level >= 0) options["compress_level"] = std::int64_t{level};
    EncodedBytes encoded;
    try {
        encoded = tiff::codec().encode_pages(arrays, metas, options);
    } catch (const std::invalid_argument&) {
        CHECK(expected_refusal(compression, predictor, level));
        return 0;
    }
    CHECK(!expected_refusal(compression, predictor, level));
    const ByteSpan file{encoded.data.get(), encoded.size};
    for (int p = 0; p < pages; ++p) check_page(file, p, arrays[static_cast<std::size_t>(p)], mode);
    return 0;
}
