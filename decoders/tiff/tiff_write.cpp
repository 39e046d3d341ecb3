#include "tiff_write.hpp"

#include <tiffio.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#include "src/exif.hpp"
#include "libtiff_messages.hpp"
#include "tiff_write_tags.hpp"

namespace mediaview::tiff {
namespace {

constexpr std::size_t kStripBytes = 64 * 1024;  // libtiff's and tifffile's usual strip size
// Past this many bytes of samples a classic TIFF's 32-bit offsets may not
// reach the end (compression can grow data a little): write BigTIFF.
constexpr std::uint64_t kBigTiffAbove = std::uint64_t{3} << 30;

// ---- the output: a growing block libtiff writes, seeks and reads back in
// (it reads the previous directory's link when it appends a page).
struct MemorySink {
    std::uint8_t* data = nullptr;
    std::uint64_t size = 0, capacity = 0, at = 0;
    bool out_of_memory = false;
    ~MemorySink() { std::free(data); }

    bool reserve(std::uint64_t need) {
        if (need <= capacity) return true;
        std::uint64_t grown = std::max<std::uint64_t>(need, capacity + capacity / 2 + 4096);
        auto* p = static_cast<std::uint8_t*>(std::realloc(data, grown));
        if (!p) return out_of_memory = true, false;
        data = p;
        capacity = grown;
        return true;
    }
};

MemorySink& sink_of(thandle_t h) { return *static_cast<MemorySink*>(h); }

tmsize_t write_proc(thandle_t h, void* from, tmsize_t n) {
    MemorySink& s = sink_of(h);
    if (n < 0 || !s.reserve(s.at + static_cast<std::uint64_t>(n))) return -1;
    if (s.at > s.size) std::memset(s.data + s.size, 0, s.at - s.size);  // a seek past the end leaves a gap
    std::memcpy(s.data + s.at, from, static_cast<std::size_t>(n));
    s.at += static_cast<std::uint64_t>(n);
    s.size = std::max(s.size, s.at);
    return n;
}

tmsize_t read_proc(thandle_t h, void* to, tmsize_t n) {
    MemorySink& s = sink_of(h);
    if (n <= 0 || s.at >= s.size) return 0;
    std::uint64_t k = std::min<std::uint64_t>(static_cast<std::uint64_t>(n), s.size - s.at);
    std::memcpy(to, s.data + s.at, k);
    s.at += k;
    return static_cast<tmsize_t>(k);
}

toff_t seek_proc(thandle_t h, toff_t offset, int whence) {
    MemorySink& s = sink_of(h);
    std::uint64_t base = whence == SEEK_CUR ? s.at : whence == SEEK_END ? s.size : 0;
    s.at = base + offset;
    return s.at;
}

int close_proc(thandle_t) { return 0; }
toff_t size_proc(thandle_t h) { return sink_of(h).size; }
int map_proc(thandle_t, void**, toff_t*) { return 0; }
void unmap_proc(thandle_t, void*, toff_t) {}

// ---- libtiff's messages, kept on the writer (never printed)
struct Messages {
    std::string first_error;
};

int on_error(TIFF*, void* user, const char*, const char* fmt, va_list ap) {
    auto* m = static_cast<Messages*>(user);
    if (m->first_error.empty()) m->first_error = libtiff_message(nullptr, fmt, ap);
    return 1;
}

int on_warning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

// The open TIFF* (RAII): closing writes nothing more (every directory is
// written explicitly), so the destructor only frees.
class Writer {
public:
    Writer(MemorySink& sink, bool bigtiff) {
        silence_libtiff_global_handlers();
        TIFFOpenOptions* opts = TIFFOpenOptionsAlloc();
        if (!opts) throw std::bad_alloc();
        TIFFOpenOptionsSetErrorHandlerExtR(opts, on_error, &messages_);
        TIFFOpenOptionsSetWarningHandlerExtR(opts, on_warning, &messages_);
        tif_ = TIFFClientOpenExt("TIFF", bigtiff ? "w8m" : "wm", &sink, read_proc, write_proc, seek_proc,
                                 close_proc, size_proc, map_proc, unmap_proc, opts);
        TIFFOpenOptionsFree(opts);
        if (!tif_) fail("cannot start a TIFF", sink);
    }
    ~Writer() {
        if (tif_) TIFFClose(tif_);
    }
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;
    TIFF* get() const { return tif_; }

    [[noreturn]] void fail(const std::string& what, const MemorySink& sink) const {
        if (sink.out_of_memory) throw std::bad_alloc();
        throw std::runtime_error("TIFF writer: " + what +
                                 (messages_.first_error.empty() ? "" : " (libtiff: " + messages_.first_error + ")"));
    }

private:
    Messages messages_;
    TIFF* tif_ = nullptr;
};

// ---- options
struct Settings {
    int compression = COMPRESSION_NONE;
    std::string compression_name = "none";
    std::int64_t level = -1;  // -1: the codec's default
    bool predictor = false;
};

int compression_code(const std::string& name) {
    if (name == "none" || name == "raw") return COMPRESSION_NONE;
    if (name == "lzw" || name == "tiff_lzw") return COMPRESSION_LZW;
    if (name == "deflate" || name == "tiff_adobe_deflate") return COMPRESSION_ADOBE_DEFLATE;
    if (name == "tiff_deflate") return COMPRESSION_DEFLATE;  // the old code, same data
    if (name == "zstd") return COMPRESSION_ZSTD;
    if (name == "lzma") return COMPRESSION_LZMA;
    if (name == "packbits") return COMPRESSION_PACKBITS;
    throw std::invalid_argument("compression '" + name + "' is not one TIFF writes here");
}

Settings settings_of(const Options& options) {
    Settings s;
    s.compression_name = text_option(options, "compression", "none");
    s.compression = compression_code(s.compression_name);
    s.level = int_option(options, "compress_level", -1);
    s.predictor = bool_option(options, "predictor", false);
    if (!TIFFIsCODECConfigured(static_cast<uint16_t>(s.compression)))
        throw UnsupportedFormatError("this libtiff has no " + s.compression_name + " compression");
    const bool levelled = s.compression == COMPRESSION_ADOBE_DEFLATE || s.compression == COMPRESSION_DEFLATE ||
                          s.compression == COMPRESSION_ZSTD || s.compression == COMPRESSION_LZMA;
    if (s.level >= 0 && !levelled)
        throw ArgumentError("compress_level",
                            "compress_level is for deflate, zstd and lzma compression, not " + s.compression_name);
    const bool deflate = s.compression == COMPRESSION_ADOBE_DEFLATE || s.compression == COMPRESSION_DEFLATE;
    const std::int64_t low = s.compression == COMPRESSION_LZMA ? 0 : 1;
    const std::int64_t high = deflate ? 12 : s.compression == COMPRESSION_ZSTD ? 22 : 9;
    if (s.level >= 0 && (s.level < low || s.level > high))
        throw ArgumentError("compress_level", "compress_level for " + s.compression_name + " must be " +
                                                  std::to_string(low) + " to " + std::to_string(high) + ", not " +
                                                  std::to_string(s.level));
    if (s.predictor && (s.compression == COMPRESSION_NONE || s.compression == COMPRESSION_PACKBITS))
        throw ArgumentError("predictor", "predictor needs lzw, deflate, zstd or lzma compression (it only helps "
                                         "them), not " + s.compression_name);
    return s;
}

// ---- one page's tags
struct SampleLayout {
    int channels = 1;
    int photometric = PHOTOMETRIC_MINISBLACK;
    bool alpha = false;
    bool swap_rb = false;  // BGR(A) in, RGB(A) stored
};

SampleLayout layout_of(PixelMode mode) {
    switch (mode) {
        case PixelMode::L: return {1, PHOTOMETRIC_MINISBLACK, false, false};
        case PixelMode::LA: return {2, PHOTOMETRIC_MINISBLACK, true, false};
        case PixelMode::RGB: return {3, PHOTOMETRIC_RGB, false, false};
        case PixelMode::BGR: return {3, PHOTOMETRIC_RGB, false, true};
        case PixelMode::RGBA: return {4, PHOTOMETRIC_RGB, true, false};
        case PixelMode::BGRA: return {4, PHOTOMETRIC_RGB, true, true};
        case PixelMode::CMYK: return {4, PHOTOMETRIC_SEPARATED, false, false};
        default:
            throw std::invalid_argument("TIFF cannot store mode " + std::string(pixel_mode_name(mode)) +
                                        " here (it stores L, LA, RGB, RGBA, BGR, BGRA and CMYK)");
    }
}

int sample_format_of(DType t) {
    switch (t) {
        case DType::U8: case DType::U16: case DType::U32: return SAMPLEFORMAT_UINT;
        case DType::I16: case DType::I32: return SAMPLEFORMAT_INT;
        case DType::F16: case DType::F32: case DType::F64: return SAMPLEFORMAT_IEEEFP;
    }
    return SAMPLEFORMAT_UINT;
}

bool is_float(DType t) { return sample_format_of(t) == SAMPLEFORMAT_IEEEFP; }

void set_compression(TIFF* tif, const Settings& s, DType dtype) {
    TIFFSetField(tif, TIFFTAG_COMPRESSION, static_cast<uint16_t>(s.compression));
    if (s.level >= 0) {
        if (s.compression == COMPRESSION_ZSTD) TIFFSetField(tif, TIFFTAG_ZSTD_LEVEL, static_cast<int>(s.level));
        else if (s.compression == COMPRESSION_LZMA) TIFFSetField(tif, TIFFTAG_LZMAPRESET, static_cast<int>(s.level));
        else TIFFSetField(tif, TIFFTAG_ZIPQUALITY, static_cast<int>(s.level));
    }
    if (s.predictor)
        TIFFSetField(tif, TIFFTAG_PREDICTOR,
                     static_cast<uint16_t>(is_float(dtype) ? PREDICTOR_FLOATINGPOINT : PREDICTOR_HORIZONTAL));
}

void set_metadata(TIFF* tif, const ImageMeta& meta) {
    if (!meta.icc.empty())
        TIFFSetField(tif, TIFFTAG_ICCPROFILE, static_cast<uint32_t>(meta.icc.size()), meta.icc.data());
    if (meta.dpi_x > 0 && meta.dpi_y > 0) {
        TIFFSetField(tif, TIFFTAG_XRESOLUTION, meta.dpi_x);
        TIFFSetField(tif, TIFFTAG_YRESOLUTION, meta.dpi_y);
        TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, static_cast<uint16_t>(RESUNIT_INCH));
    }
    if (!meta.exif.empty()) {
        int orientation =
            tiff_orientation(reinterpret_cast<const std::uint8_t*>(meta.exif.data()), meta.exif.size());
        // Stated even when 1 (an upright view's), as Pillow's writer kept it.
        TIFFSetField(tif, TIFFTAG_ORIENTATION, static_cast<uint16_t>(orientation));
        // IFD0's text (camera, date, author); the EXIF sub-IFD is not stored.
        for (const auto& [tag, text] :
             exif_text_tags(reinterpret_cast<const std::uint8_t*>(meta.exif.data()), meta.exif.size()))
            TIFFSetField(tif, tag, text.c_str());
    }
}

void set_tags(TIFF* tif, const PageToWrite& page, const SampleLayout& sl, std::uint32_t rows_per_strip,
              const Settings& s, int index, int count) {
    const DType dtype = page.pixels.dtype();
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, static_cast<uint32_t>(page.pixels.shape()[1]));
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, static_cast<uint32_t>(page.pixels.shape()[0]));
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, static_cast<uint16_t>(sl.channels));
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, static_cast<uint16_t>(8 * itemsize(dtype)));
    TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, static_cast<uint16_t>(sample_format_of(dtype)));
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, static_cast<uint16_t>(sl.photometric));
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, static_cast<uint16_t>(PLANARCONFIG_CONTIG));
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, rows_per_strip);
    if (sl.alpha) {
        uint16_t kind = EXTRASAMPLE_UNASSALPHA;
        TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, static_cast<uint16_t>(1), &kind);
    }
    if (count > 1) {
        TIFFSetField(tif, TIFFTAG_SUBFILETYPE, static_cast<uint32_t>(FILETYPE_PAGE));
        TIFFSetField(tif, TIFFTAG_PAGENUMBER, static_cast<uint16_t>(index), static_cast<uint16_t>(count));
    }
    set_compression(tif, s, dtype);
    set_metadata(tif, page.meta);
}

// ---- pixels: rows gathered from any strides into one strip buffer (which
// libtiff may overwrite: the predictor and byte swapping work in place).
void gather_row(const StridedArray& p, Index row, const SampleLayout& sl, std::uint8_t* out) {
    const std::size_t item = p.itemsize();
    const Index width = p.shape()[1];
    const Index channel_stride = p.ndim() == 3 ? p.strides()[2] : 0;
    const std::uint8_t* src = p.data() + row * p.strides()[0];
    const std::size_t pixel_bytes = item * static_cast<std::size_t>(sl.channels);
    if (!sl.swap_rb && p.strides()[1] == static_cast<Index>(pixel_bytes) &&
        (sl.channels == 1 || channel_stride == static_cast<Index>(item))) {
        std::memcpy(out, src, pixel_bytes * static_cast<std::size_t>(width));
        return;
    }
    for (Index x = 0; x < width; ++x) {
        const std::uint8_t* px = src + x * p.strides()[1];
        for (int c = 0; c < sl.channels; ++c) {
            int from = sl.swap_rb && c < 3 ? 2 - c : c;
            std::memcpy(out, px + from * channel_stride, item);
            out += item;
        }
    }
}

// Whether the source's rows are the file's rows back to back (C order, no
// reordering), so an uncompressed strip is written straight from it.
bool rows_as_stored(const StridedArray& p, const SampleLayout& sl, std::size_t row_bytes) {
    const Index item = static_cast<Index>(p.itemsize());
    return !sl.swap_rb && p.strides()[0] == static_cast<Index>(row_bytes) && p.strides()[1] == item * sl.channels &&
           (p.ndim() == 2 || p.shape()[2] == 1 || p.strides()[2] == item);
}

void write_strips(Writer& w, const MemorySink& sink, const PageToWrite& page, const SampleLayout& sl,
                  std::uint32_t rows_per_strip, bool compressed) {
    const Index height = page.pixels.shape()[0];
    const std::size_t row_bytes =
        static_cast<std::size_t>(page.pixels.shape()[1]) * static_cast<std::size_t>(sl.channels) *
        page.pixels.itemsize();
    // Uncompressed strips go in as they are (TIFFWriteRawStrip reads its
    // buffer, never changes it): from the source itself when its rows are
    // stored as the file's, else gathered first. Compressed ones are
    // gathered into a buffer the predictor may change in place.
    const bool direct = !compressed && rows_as_stored(page.pixels, sl, row_bytes);
    std::vector<std::uint8_t> strip(direct ? 0 : row_bytes * rows_per_strip);
    tstrip_t index = 0;
    for (Index top = 0; top < height; top += rows_per_strip, ++index) {
        const Index rows = std::min<Index>(rows_per_strip, height - top);
        const tmsize_t bytes = static_cast<tmsize_t>(row_bytes * static_cast<std::size_t>(rows));
        std::uint8_t* from = direct ? page.pixels.data() + top * page.pixels.strides()[0] : strip.data();
        if (!direct)
            for (Index r = 0; r < rows; ++r) gather_row(page.pixels, top + r, sl, strip.data() + r * row_bytes);
        const tmsize_t written = compressed ? TIFFWriteEncodedStrip(w.get(), index, from, bytes)
                                            : TIFFWriteRawStrip(w.get(), index, from, bytes);
        if (written < 0) w.fail("cannot write a strip", sink);
    }
}

void check_page(const PageToWrite& page, const SampleLayout& sl, std::size_t index) {
    const StridedArray& p = page.pixels;
    const std::string which = "page " + std::to_string(index);
    if (p.ndim() != 2 && p.ndim() != 3)
        throw std::invalid_argument("TIFF " + which + " must have shape (H, W) or (H, W, C)");
    const Index channels = p.ndim() == 3 ? p.shape()[2] : 1;
    if (channels != sl.channels)
        throw std::invalid_argument("TIFF " + which + ": mode " + std::string(pixel_mode_name(page.meta.mode)) +
                                    " has " + std::to_string(sl.channels) + " channel(s), the data " +
                                    std::to_string(channels));
    if (p.shape()[0] < 1 || p.shape()[1] < 1 || p.shape()[0] > 0xFFFFFFFF || p.shape()[1] > 0xFFFFFFFF)
        throw std::invalid_argument("TIFF " + which + " must be 1 to 2^32-1 pixels each way, not " +
                                    std::to_string(p.shape()[1]) + "x" + std::to_string(p.shape()[0]));
    const std::vector<DType> dtypes = write_dtypes();
    if (std::find(dtypes.begin(), dtypes.end(), p.dtype()) == dtypes.end())
        throw std::invalid_argument("TIFF cannot store " + std::string(dtype_name(p.dtype())) + " samples");
}

std::uint32_t rows_per_strip_for(const PageToWrite& page, int channels) {
    const std::size_t row_bytes =
        static_cast<std::size_t>(page.pixels.shape()[1]) * static_cast<std::size_t>(channels) *
        page.pixels.itemsize();
    const std::size_t rows = std::max<std::size_t>(1, kStripBytes / std::max<std::size_t>(row_bytes, 1));
    return static_cast<std::uint32_t>(std::min<std::size_t>(rows, static_cast<std::size_t>(page.pixels.shape()[0])));
}

}  // namespace

std::vector<OptionSpec> write_options() {
    OptionSpec compression;
    compression.name = "compression";
    compression.kind = OptionSpec::Kind::Text;
    compression.doc = "none (default), lzw, deflate, zstd, lzma or packbits; Pillow's names (raw, tiff_lzw, "
                      "tiff_adobe_deflate, tiff_deflate) are accepted too";
    compression.choices = {"none", "lzw", "deflate", "zstd", "lzma", "packbits",
                           "raw", "tiff_lzw", "tiff_adobe_deflate", "tiff_deflate"};
    OptionSpec level;
    level.name = "compress_level";
    level.kind = OptionSpec::Kind::Int;
    level.doc = "deflate 1-12 (default 6), zstd 1-22 (default 9), lzma 0-9 (default 6)";
    level.min = 0;
    level.max = 22;
    OptionSpec predictor;
    predictor.name = "predictor";
    predictor.kind = OptionSpec::Kind::Bool;
    predictor.doc = "horizontal differencing before lzw/deflate/zstd/lzma (TIFF predictor 2 for integer samples, "
                    "3 for floats): smaller files for photos and smooth data; default False";
    return {compression, level, predictor};
}

std::vector<PixelMode> write_modes() {
    return {PixelMode::L, PixelMode::LA, PixelMode::RGB, PixelMode::RGBA, PixelMode::BGR, PixelMode::BGRA,
            PixelMode::CMYK};
}

std::vector<DType> write_dtypes() {
    return {DType::U8, DType::U16, DType::U32, DType::I16, DType::I32, DType::F16, DType::F32, DType::F64};
}

namespace {

// The EXIF sub-IFDs (exposure, time taken, GPS position) are not written
// (IFD0's text and orientation are): said once a file, never dropped in
// silence.
std::vector<std::string> unstored_exif(const std::vector<PageToWrite>& pages) {
    for (const PageToWrite& page : pages) {
        const auto* exif = reinterpret_cast<const std::uint8_t*>(page.meta.exif.data());
        std::vector<std::string> names = exif_sub_ifds(exif, page.meta.exif.size());
        if (names.empty()) continue;
        std::string joined;
        for (const std::string& name : names) joined += (joined.empty() ? "" : ", ") + name;
        return {"TIFF: the EXIF block's " + joined + " sub-IFD" + (names.size() > 1 ? "s are" : " is") +
                " not stored (its camera make, model, date and orientation are); write JPEG, PNG, WebP, AVIF "
                "or JPEG XL to keep the whole EXIF, or pass exif=None to drop it without this warning"};
    }
    return {};
}

}  // namespace

EncodedBytes write_tiff(const std::vector<PageToWrite>& pages, const Options& options) {
    if (pages.empty()) throw std::invalid_argument("a TIFF needs at least one page");
    if (pages.size() > 65535) throw std::invalid_argument("a TIFF written here holds at most 65535 pages");
    const Settings settings = settings_of(options);
    std::vector<SampleLayout> layouts;
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < pages.size(); ++i) {
        layouts.push_back(layout_of(pages[i].meta.mode));
        check_page(pages[i], layouts.back(), i);
        total += pages[i].pixels.nbytes();
    }
    MemorySink sink;
    // The whole file at once when uncompressed (no copy on growth), a guess
    // of a quarter of the samples when compressed.
    if (!sink.reserve(settings.compression == COMPRESSION_NONE ? total + 4096 * (pages.size() + 1) : total / 4 + 4096))
        throw std::bad_alloc();
    {
        Writer w(sink, total > kBigTiffAbove);
        const int count = static_cast<int>(pages.size());
        for (int i = 0; i < count; ++i) {
            const std::uint32_t rows = rows_per_strip_for(pages[i], layouts[i].channels);
            set_tags(w.get(), pages[i], layouts[i], rows, settings, i, count);
            write_strips(w, sink, pages[i], layouts[i], rows, settings.compression != COMPRESSION_NONE);
            if (!TIFFWriteDirectory(w.get())) w.fail("cannot write page " + std::to_string(i), sink);
        }
    }
    EncodedBytes out;
    out.data = {sink.data, std::free};
    out.size = static_cast<std::size_t>(sink.size);
    sink.data = nullptr;
    out.unstored = unstored_exif(pages);
    return out;
}

}  // namespace mediaview::tiff
