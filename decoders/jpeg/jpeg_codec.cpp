// The JPEG decoder. Every libjpeg call runs guarded (libjpeg_errors.hpp), so
// libjpeg's fatal errors become C++ exceptions without unwinding C frames;
// its warnings are sorted by the damage policy below.
#include "jpeg_codec.hpp"

#include "cmyk.hpp"

#include "jpeg_encoder.hpp"
#include "libjpeg_errors.hpp"
#include "src/exif.hpp"

#include <algorithm>
#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <jerror.h>
#include <jpeglib.h>

namespace mediaview::jpeg {
namespace {

// ---- errors and warnings --------------------------------------------------

// libjpeg's error state plus the decode's damage policy.
struct ErrorState : LibjpegErrors {
    bool strict = false;
    bool allow_truncated = false;
    bool header_read = false;  // jpeg_read_header has returned
    bool ran_out = false;    // the source hit the end of the data
    bool hit_marker = false;  // the entropy decoder met a marker where it needed data
    bool truncated = false;  // ... and image data was missing
    Diagnostics* diagnostics = nullptr;  // nullptr: warnings are not collected (probe)
};

ErrorState& state_of(j_common_ptr cinfo) { return *reinterpret_cast<ErrorState*>(cinfo->err); }

// Whether a warning means image data is missing. libjpeg's memory source
// reports running out of bytes (JWRN_JPEG_EOF) and inserts a fake EOI marker.
// In a Huffman-coded sequential file that alone may only mean the EOI marker
// itself is missing, with every pixel present: the data is truncated only if
// the entropy decoder then runs into that marker while it still needs bits
// (JWRN_HIT_MARKER). Elsewhere running out is always truncation: inside the
// headers; in a progressive file, which is read whole before any output; and
// in an arithmetic-coded one, whose decoder never reports the missing bits.
bool means_truncation(j_common_ptr cinfo, ErrorState& state) {
    int code = cinfo->err->msg_code;
    auto* d = cinfo->is_decompressor ? reinterpret_cast<j_decompress_ptr>(cinfo) : nullptr;
    // Only the Huffman decoder says when it needed bits it did not get; the
    // arithmetic decoder quietly decodes zeros.
    // A file of several sequential scans (one per component) is buffered
    // whole like a progressive one: a missing scan is missed quietly too.
    bool huffman_sequential =
        d && !d->progressive_mode && !d->arith_code && d->comps_in_scan == d->num_components;
    // The two warnings may come in either order (a damaged file can make the
    // decoder run into a marker before the data runs out): both together
    // mean the decoder went without data it needed.
    if (code == JWRN_JPEG_EOF) {
        state.ran_out = true;
        return !huffman_sequential || !state.header_read || state.hit_marker;  // a cut header always counts
    }
    if (code != JWRN_HIT_MARKER) return false;
    state.hit_marker = true;
    return state.ran_out;
}

// libjpeg calls this for warnings (level -1) and trace output (level >= 0).
// A warning the policy makes fatal ends the decode like an error.
void on_emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return;
    ErrorState& state = state_of(cinfo);
    cinfo->err->num_warnings++;
    bool truncated = means_truncation(cinfo, state);
    if (truncated) state.truncated = true;
    if (state.strict || (truncated && !state.allow_truncated)) jump_to_guard(cinfo);
    if (!state.diagnostics) return;
    char text[JMSG_LENGTH_MAX];
    cinfo->err->format_message(cinfo, text);
    auto& warnings = state.diagnostics->warnings;
    try {
        // libjpeg repeats some warnings per MCU row (e.g. the fake EOI it
        // inserts after truncation); report each distinct message once.
        if (std::find(warnings.begin(), warnings.end(), text) == warnings.end()) warnings.emplace_back(text);
    } catch (...) {
        // Out of memory for a warning string: drop it rather than unwind through libjpeg.
    }
}

[[noreturn]] void throw_error(const ErrorState& state) {
    std::string message = state.message;
    switch (state.error_code) {
        case JERR_BAD_PRECISION:
            throw UnsupportedFormatError("JPEG: " + message + " (this libjpeg-turbo build decodes 8-bit JPEG only)");
        case JERR_ARITH_NOTIMPL:
        case JERR_NOT_COMPILED:
            throw UnsupportedFormatError("JPEG: " + message);
        case JERR_CONVERSION_NOTIMPL:
            throw UnsupportedFormatError("JPEG: " + message + " for this image's colour space");
        case JWRN_JPEG_EOF:
        case JWRN_HIT_MARKER:
            // probe (no diagnostics) has no allow_truncated to point to.
            if (!state.strict && state.truncated)
                throw state.diagnostics ? DecodeError("JPEG data is truncated (" + message + ")",
                                                      pass_allow_truncated("to get the partial image"))
                                        : DecodeError("JPEG data is truncated (" + message + ")");
            break;
        default:
            break;
    }
    throw DecodeError("JPEG: " + message);
}

// Runs one libjpeg step; a failure becomes the matching C++ exception.
template <typename Step>
void guarded(ErrorState& state, Step&& step) {
    run_guarded(state, [&state] { throw_error(state); }, step);
}

// ---- the decompressor handle ----------------------------------------------

// One decompressor per thread, kept between decodes: creating one per call
// (the memory manager, the marker reader, the JPEGMEM lookup) was a fixed
// cost of every small image. Between uses it is reset by
// jpeg_abort_decompress, libjpeg's own way to reuse an object, also after an
// error; jpeg_read_header restores every decompression parameter we set.
struct ThreadDecompressor {
    LibjpegErrors idle;  // where err points between uses (the caller's state is gone)
    jpeg_decompress_struct cinfo{};
    bool created = false;
    bool in_use = false;
    ~ThreadDecompressor() {
        if (created) jpeg_destroy_decompress(&cinfo);
    }
};

ThreadDecompressor& thread_decompressor() {
    thread_local ThreadDecompressor kept;
    return kept;
}

class Decompressor {
public:
    // Borrows the thread's decompressor, or (when it is already borrowed up
    // the stack) creates one of its own.
    explicit Decompressor(ErrorState& state) : state_(state) {
        ThreadDecompressor& kept = thread_decompressor();
        if (!kept.in_use) {
            kept_ = &kept;
            cinfo_ = &kept.cinfo;
        } else {
            own_ = std::make_unique<jpeg_decompress_struct>();
            cinfo_ = own_.get();
        }
        cinfo_->err = state.install(on_emit_message);
        if (kept_ && kept.created) {
            kept.in_use = true;
            return;
        }
        guarded(state, [this] { jpeg_create_decompress(cinfo_); });
        if (kept_) kept.created = kept.in_use = true;
    }
    ~Decompressor() {
        if (kept_) {
            jpeg_abort_decompress(cinfo_);
            cinfo_->err = kept_->idle.install(on_idle_message);
            kept_->in_use = false;
        } else {
            jpeg_destroy_decompress(cinfo_);
        }
    }
    Decompressor(const Decompressor&) = delete;
    Decompressor& operator=(const Decompressor&) = delete;

    jpeg_decompress_struct& cinfo() { return *cinfo_; }
    ErrorState& state() { return state_; }

    void read_header(ByteSpan data) {
        guarded(state_, [this, data] {
            jpeg_mem_src(cinfo_, data.data, static_cast<unsigned long>(data.size));
            jpeg_save_markers(cinfo_, JPEG_APP0 + 1, 0xFFFF);  // EXIF: the orientation, kept by converters
            jpeg_save_markers(cinfo_, JPEG_APP0 + 2, 0xFFFF);  // ICC profile chunks
            jpeg_read_header(cinfo_, TRUE);
        });
        state_.header_read = true;
    }

private:
    // Between uses nothing runs on the kept object; were anything to warn,
    // it would go nowhere.
    static void on_idle_message(j_common_ptr, int) {}

    ErrorState& state_;
    ThreadDecompressor* kept_ = nullptr;
    std::unique_ptr<jpeg_decompress_struct> own_;
    jpeg_decompress_struct* cinfo_ = nullptr;
};

// ---- header facts -----------------------------------------------------------

const char* colorspace_name(J_COLOR_SPACE space) {
    switch (space) {
        case JCS_GRAYSCALE: return "Gray";
        case JCS_YCbCr: return "YCbCr";
        case JCS_RGB: return "RGB";
        case JCS_CMYK: return "CMYK";
        case JCS_YCCK: return "YCCK";
        default: return "unknown";
    }
}

// Chroma subsampling in TurboJPEG's terms, from the luma sampling factors
// when every chroma component is sampled 1x1.
std::string subsampling_of(const jpeg_decompress_struct& c) {
    if (c.num_components == 1) return "gray";
    if (c.num_components != 3 && c.num_components != 4) return "unknown";
    const jpeg_component_info* comp = c.comp_info;
    for (int i = 1; i < 3; ++i)
        if (comp[i].h_samp_factor != 1 || comp[i].v_samp_factor != 1) return "unknown";
    if (c.num_components == 4 &&
        (comp[3].h_samp_factor != comp[0].h_samp_factor || comp[3].v_samp_factor != comp[0].v_samp_factor))
        return "unknown";
    struct Named { int h, v; const char* name; };
    static const Named kinds[] = {{1, 1, "444"}, {2, 1, "422"}, {2, 2, "420"},
                                  {1, 2, "440"}, {4, 1, "411"}, {1, 4, "441"}};
    for (const Named& k : kinds)
        if (comp[0].h_samp_factor == k.h && comp[0].v_samp_factor == k.v) return k.name;
    return "unknown";
}

// The TIFF structure of the first APP1 "Exif\0\0" block, else empty.
std::string exif_of(const jpeg_decompress_struct& c) {
    static const char prefix[] = "Exif\0\0";
    for (jpeg_saved_marker_ptr m = c.marker_list; m; m = m->next) {
        if (m->marker == JPEG_APP0 + 1 && m->data_length > 6 && std::memcmp(m->data, prefix, 6) == 0)
            return std::string(reinterpret_cast<const char*>(m->data) + 6, m->data_length - 6);
    }
    return {};
}

// The ICC profile reassembled from its APP2 chunks (libjpeg-turbo checks
// their numbering; a broken sequence is a warning and no profile), else empty.
std::string guarded_icc(Decompressor& d) {
    JOCTET* data = nullptr;
    unsigned int size = 0;
    boolean found = FALSE;
    guarded(d.state(), [&d, &data, &size, &found] { found = jpeg_read_icc_profile(&d.cinfo(), &data, &size); });
    std::unique_ptr<JOCTET, void (*)(void*)> owned(data, std::free);
    if (!found || !data) return {};
    return std::string(reinterpret_cast<const char*>(data), size);
}

// The JFIF density, in dots per inch (unit 1: per inch, 2: per cm; 0 is an
// aspect ratio only, and says no resolution).
void dpi_of(const jpeg_decompress_struct& c, ImageMeta& meta) {
    if (!c.saw_JFIF_marker || c.X_density == 0 || c.Y_density == 0) return;
    double per_inch = c.density_unit == 1 ? 1.0 : c.density_unit == 2 ? 2.54 : 0.0;
    meta.dpi_x = c.X_density * per_inch;
    meta.dpi_y = c.Y_density * per_inch;
}

int orientation_of(const jpeg_decompress_struct& c) {
    for (jpeg_saved_marker_ptr m = c.marker_list; m; m = m->next) {
        if (m->marker == JPEG_APP0 + 1) {
            int o = exif_orientation(m->data, m->data_length);
            if (o != 1) return o;
        }
    }
    return 1;
}

bool is_cmyk_source(const jpeg_decompress_struct& c) {
    return c.jpeg_color_space == JCS_CMYK || c.jpeg_color_space == JCS_YCCK;
}

// ---- decode planning --------------------------------------------------------

J_COLOR_SPACE output_space(PixelMode mode) {
    switch (mode) {
        case PixelMode::RGB: return JCS_EXT_RGB;
        case PixelMode::BGR: return JCS_EXT_BGR;
        case PixelMode::RGBA: return JCS_EXT_RGBA;
        case PixelMode::BGRA: return JCS_EXT_BGRA;
        case PixelMode::RGBX: return JCS_EXT_RGBX;
        case PixelMode::L: return JCS_GRAYSCALE;
        case PixelMode::CMYK: return JCS_CMYK;
        case PixelMode::LA: break;  // JPEG has no alpha: refused by check_mode
    }
    return JCS_EXT_RGB;
}

// mode=None: the file's own layout.
PixelMode own_mode(const jpeg_decompress_struct& c) {
    if (is_cmyk_source(c)) return PixelMode::CMYK;
    return c.jpeg_color_space == JCS_GRAYSCALE ? PixelMode::L : PixelMode::RGB;
}

void check_mode(const jpeg_decompress_struct& c, PixelMode mode) {
    if (mode == PixelMode::LA) throw std::invalid_argument("JPEG has no alpha: mode='LA' is not available");
    // libjpeg-turbo converts nothing else to CMYK (and CMYK/YCCK only to
    // CMYK: cmyk.hpp converts those rows to the other modes).
    if (!is_cmyk_source(c) && mode == PixelMode::CMYK)
        throw UnsupportedFormatError(std::string("JPEG is ") + colorspace_name(c.jpeg_color_space) +
                                     "; mode='CMYK' needs a CMYK or YCCK JPEG");
}

void check_limits(const jpeg_decompress_struct& c, std::uint64_t max_pixels) {
    std::uint64_t pixels = static_cast<std::uint64_t>(c.image_width) * c.image_height;
    if (max_pixels != 0 && pixels > max_pixels)
        throw LimitError("JPEG is " + std::to_string(c.image_width) + "x" + std::to_string(c.image_height) + " = " +
                         std::to_string(pixels) + " pixels",
                         above_limit("max_pixels", max_pixels));
}

unsigned scaled(unsigned size, unsigned eighths) { return (size * eighths + 7) / 8; }

// libjpeg-turbo scales in the DCT domain by k/8 for k = 1..16.
unsigned scale_in_eighths(const jpeg_decompress_struct& c, ScaleRequest s, bool transposed) {
    if (transposed) std::swap(s.min_width, s.min_height);  // asked in the displayed frame
    if (s.at_least_size()) {
        // The smallest reduction that still covers the requested size; an
        // image already smaller than that is decoded at full size.
        for (unsigned k = 1; k < 8; ++k) {
            if (scaled(c.image_width, k) >= static_cast<unsigned>(s.min_width) &&
                scaled(c.image_height, k) >= static_cast<unsigned>(s.min_height))
                return k;
        }
        return 8;
    }
    // In 64 bits: num comes from the caller and num * 8 overflows an int
    // from 2^28 on (2^29 + 1 would wrap to 8 and pass as scale 1).
    long long num = s.num, den = s.den;
    if (num <= 0 || den <= 0 || (num * 8) % den != 0 || num * 8 / den < 1 || num * 8 / den > 16)
        throw std::invalid_argument("scale " + std::to_string(s.num) + "/" + std::to_string(s.den) +
                                    " is not supported: libjpeg-turbo scales by k/8 for k = 1..16");
    return static_cast<unsigned>(num * 8 / den);
}



// ---- reading rows -----------------------------------------------------------

// Adobe CMYK JPEGs store inverted ink values; undo that so 0 means no ink,
// as Pillow, libvips and ImageMagick report them. Applied to each band of
// rows right after libjpeg writes it, while it is still in cache.
void invert(std::uint8_t* row, std::size_t row_bytes) {
    for (std::size_t i = 0; i < row_bytes; ++i) row[i] = static_cast<std::uint8_t>(255 - row[i]);
}

// Decodes `rows` scanlines straight into the target rows (pixels adjacent).
// `colour` (when the request converts colour and our fast path applies)
// converts each band of rows as libjpeg writes it (src/colour.hpp
// decode_converting): on another core for a large image when one is free,
// else right after the band is written, while it is in cache.
void read_into_target(Decompressor& d, const PixelTarget& target, int rows, bool inverted,
                      const ColourTransform* colour) {
    std::vector<JSAMPROW> pointers(static_cast<std::size_t>(rows));
    for (int r = 0; r < rows; ++r) pointers[r] = target.data + r * target.row_stride;
    jpeg_decompress_struct& c = d.cinfo();
    JDIMENSION first = c.output_scanline;
    JSAMPROW* rows_ptr = pointers.data();
    std::size_t row_bytes = static_cast<std::size_t>(c.output_width) * c.output_components;
    auto read = [&d, &c, first, rows_ptr, rows, inverted, row_bytes](const BandDone* band) {
        guarded(d.state(), [&c, first, rows_ptr, rows, inverted, row_bytes, band] {
            JDIMENSION end = first + static_cast<JDIMENSION>(rows);
            while (c.output_scanline < end) {
                JDIMENSION at = c.output_scanline;
                JSAMPROW* rows_at = rows_ptr + (at - first);
                JDIMENSION got = jpeg_read_scanlines(&c, rows_at, end - at);
                for (JDIMENSION i = 0; inverted && i < got; ++i) invert(rows_at[i], row_bytes);
                if (band && got > 0) (*band)(at - first, got);
            }
        });
    };
    if (!colour) return read(nullptr);
    decode_converting(*colour, target.data, c.output_width, static_cast<std::ptrdiff_t>(target.row_stride),
                      static_cast<std::size_t>(rows), [&read](const BandDone& band) { read(&band); });
}

// Copies `width` pixels of `channels` bytes from a decoded scanline into a
// target row whose pixels may be anywhere (a flipped or transposed buffer).
void scatter_row(std::uint8_t* to, Index pixel_stride, const std::uint8_t* from, int width, int channels,
                 bool inverted) {
    std::size_t row_bytes = static_cast<std::size_t>(width) * channels;
    if (pixel_stride == channels) {
        std::memcpy(to, from, row_bytes);
        if (inverted) invert(to, row_bytes);
        return;
    }
    for (int x = 0; x < width; ++x, from += channels, to += pixel_stride) {
        for (int k = 0; k < channels; ++k) to[k] = inverted ? static_cast<std::uint8_t>(255 - from[k]) : from[k];
    }
}

// Decodes scanlines of a wider window (a crop), or for a target whose pixels
// are not adjacent, into a scratch band of libjpeg's recommended height, and
// copies the wanted columns into the target while the band is in cache.
// A CMYK/YCCK file decoded to another mode goes this way too, each row
// converted by `cmyk` instead of copied.
// `colour` converts the wanted columns in the band, before the copy.
void read_through_band(Decompressor& d, const PixelTarget& target, int rows, int width, unsigned left,
                       bool inverted, CmykRows* cmyk, const ColourTransform* colour) {
    jpeg_decompress_struct& c = d.cinfo();
    int channels = c.output_components;
    std::size_t window_bytes = static_cast<std::size_t>(c.output_width) * channels;
    int band = std::max(1, c.rec_outbuf_height);
    std::vector<std::uint8_t> scratch(window_bytes * band);
    std::vector<JSAMPROW> pointers(band);
    for (int i = 0; i < band; ++i) pointers[i] = scratch.data() + i * window_bytes;
    JSAMPROW* band_rows = pointers.data();
    JDIMENSION first = c.output_scanline;
    std::size_t skip_bytes = static_cast<std::size_t>(left) * channels;
    guarded(d.state(), [&c, &target, first, rows, width, channels, band, band_rows, skip_bytes, inverted, cmyk,
                         colour] {
        JDIMENSION end = first + static_cast<JDIMENSION>(rows);
        while (c.output_scanline < end) {
            JDIMENSION at = c.output_scanline;
            JDIMENSION want = std::min<JDIMENSION>(static_cast<JDIMENSION>(band), end - at);
            JDIMENSION got = jpeg_read_scanlines(&c, band_rows, want);
            for (JDIMENSION i = 0; i < got; ++i) {
                std::uint8_t* row = target.data + static_cast<Index>(at - first + i) * target.row_stride;
                std::uint8_t* from = band_rows[i] + skip_bytes;
                if (!cmyk) {
                    if (colour) colour->apply(from, from, static_cast<std::size_t>(width));
                    scatter_row(row, target.pixel_stride, from, width, channels, inverted);
                    continue;
                }
                if (inverted) invert(from, static_cast<std::size_t>(width) * channels);
                cmyk->write(row, target.pixel_stride, from, width);
            }
        }
    });
}

// Output pixels in one iMCU column: jpeg_crop_scanline aligns the window's
// left edge down to a multiple of this.
JDIMENSION imcu_width(const jpeg_decompress_struct& c) {
#if JPEG_LIB_VERSION >= 70
    return static_cast<JDIMENSION>(c.max_h_samp_factor * c.min_DCT_h_scaled_size);
#else
    return static_cast<JDIMENSION>(c.max_h_samp_factor * c.min_DCT_scaled_size);
#endif
}

// Narrows decoding to the columns the crop needs. The window asked of
// libjpeg reaches one pixel past the crop on each side (where the image has
// one): libjpeg aligns its left edge to an iMCU boundary and upsamples chroma
// as if the window's edges were the image's, so without that margin a crop
// edge that falls on an iMCU boundary would differ from the same pixel in a
// full decode. The window is also at least two iMCUs wide (or the whole
// width): jpeg_crop_scanline re-initialises the upsampler when a subsampled
// component's window is under 2 samples wide, and libjpeg-turbo then falls
// back from fancy (triangle) to box upsampling, so e.g. a 1-pixel-wide crop
// of a 4:2:0 image would differ from the full decode.
// Returns how many pixels of the window lie left of the crop.
unsigned restrict_columns(Decompressor& d, const CropRect& crop) {
    jpeg_decompress_struct& c = d.cinfo();
    JDIMENSION left = crop.x > 0 ? static_cast<JDIMENSION>(crop.x) - 1 : 0;
    JDIMENSION right = std::min<JDIMENSION>(c.output_width, static_cast<JDIMENSION>(crop.x + crop.width) + 1);
    JDIMENSION min_width = 2 * imcu_width(c);
    if (right - left < min_width) {
        right = std::min<JDIMENSION>(c.output_width, left + min_width);
        left = right > min_width ? right - min_width : 0;
    }
    if (left == 0 && right == c.output_width) return static_cast<unsigned>(crop.x);
    JDIMENSION x = left, width = right - left;
    guarded(d.state(), [&c, &x, &width] { jpeg_crop_scanline(&c, &x, &width); });
    return static_cast<unsigned>(crop.x) - x;
}

void skip_rows(Decompressor& d, int rows) {
    if (rows <= 0) return;
    jpeg_decompress_struct& c = d.cinfo();
    guarded(d.state(), [&c, rows] { jpeg_skip_scanlines(&c, static_cast<JDIMENSION>(rows)); });
}

void finish(Decompressor& d) {
    jpeg_decompress_struct& c = d.cinfo();
    if (c.output_scanline < c.output_height) {
        // A crop that ends above the bottom: the rest is not needed, and
        // finishing would decode it only to reach EOI.
        jpeg_abort_decompress(&c);
        return;
    }
    guarded(d.state(), [&c] { jpeg_finish_decompress(&c); });
}

// ---- the codec --------------------------------------------------------------

std::string turbo_version() {
    int v = LIBJPEG_TURBO_VERSION_NUMBER;  // e.g. 2001005 for 2.1.5
    return std::to_string(v / 1000000) + "." + std::to_string(v / 1000 % 1000) + "." + std::to_string(v % 1000);
}

class JpegCodec final : public ImageCodec {
public:
    std::string_view name() const override { return "jpeg"; }
    std::string description() const override { return "JPEG (libjpeg-turbo)"; }
    std::vector<std::string> extensions() const override { return {"jpg", "jpeg", "jpe", "jfif"}; }
    std::string library_version() const override { return "libjpeg-turbo " + turbo_version(); }

    bool sniff(ByteSpan head) const override {
        return head.size >= 3 && head.data[0] == 0xFF && head.data[1] == 0xD8 && head.data[2] == 0xFF;
    }

    std::vector<DType> decode_dtypes() const override { return {DType::U8}; }
    // libjpeg-turbo scales in the DCT domain by k/8 for k = 1..16.
    std::vector<std::pair<int, int>> scales() const override {
        std::vector<std::pair<int, int>> all;
        for (int k = 1; k <= 16; ++k) all.emplace_back(k, 8);
        return all;
    }

    bool can_encode() const override { return true; }
    bool lossy() const override { return true; }

    std::vector<OptionSpec> encode_options() const override {
        using Kind = OptionSpec::Kind;
        return {
            {"quality", Kind::Int, "1-100, libjpeg's scale as Pillow's quality (default 90)", {}, 1, 100},
            {"subsampling", Kind::Text, "chroma subsampling (default 420); gray stores luminance only",
             {"444", "422", "420", "gray"}},
            {"progressive", Kind::Bool, "a progressive JPEG with optimised Huffman tables"},
        };
    }

    std::vector<PixelMode> encode_modes() const override {
        return {PixelMode::L, PixelMode::RGB, PixelMode::BGR, PixelMode::RGBA,
                PixelMode::RGBX, PixelMode::BGRA, PixelMode::CMYK};
    }

    EncodedBytes encode(const StridedArray& pixels, const ImageMeta& meta, const Options& options) const override {
        EncodeOptions o;
        o.quality = static_cast<int>(int_option(options, "quality", 90));
        o.subsampling = subsampling_from_name(text_option(options, "subsampling", "420"));
        o.progressive = bool_option(options, "progressive", false);
        o.icc = meta.icc;
        o.exif = meta.exif;
        o.dpi_x = meta.dpi_x;
        o.dpi_y = meta.dpi_y;
        return jpeg::encode(pixels, meta.mode, o);
    }

    ImageInfo probe(ByteSpan data) const override {
        ErrorState state;
        Decompressor d(state);
        d.read_header(data);
        const jpeg_decompress_struct& c = d.cinfo();
        ImageInfo info;
        info.format = "JPEG";
        info.width = static_cast<int>(c.image_width);
        info.height = static_cast<int>(c.image_height);
        info.components = c.num_components;
        info.colorspace = colorspace_name(c.jpeg_color_space);
        info.subsampling = subsampling_of(c);
        info.progressive = c.progressive_mode != 0;
        info.arithmetic = c.arith_code != 0;
        info.precision = c.data_precision;
        info.orientation = orientation_of(c);
        info.has_icc = guarded_icc(d).size() > 0;
        return info;
    }

    ImageDecodeResult decode(ByteSpan data, const ImageRequest& request, const TargetProvider& provide_target,
                             Diagnostics& diagnostics) const override {
        ErrorState state;
        state.strict = request.strict;
        state.allow_truncated = request.allow_truncated;
        state.diagnostics = &diagnostics;
        Decompressor d(state);
        d.read_header(data);
        jpeg_decompress_struct& c = d.cinfo();
        check_limits(c, request.max_pixels);
        // mode=None keeps CMYK as CMYK, unless colours are to be converted (to RGB).
        const PixelMode mode = request.mode                          ? *request.mode
                               : request.colour && is_cmyk_source(c) ? PixelMode::RGB
                                                                      : own_mode(c);
        check_mode(c, mode);
        if (request.dtype && *request.dtype != DType::U8)
            throw std::invalid_argument("JPEG decodes to uint8 only (this build reads 8-bit JPEG)");
        int orientation = orientation_of(c);
        bool transposed = request.oriented && exif_orientation_transposes(orientation);
        // CMYK/YCCK to any other mode: libjpeg-turbo gives CMYK, converted per row.
        const bool cmyk_rows = is_cmyk_source(c) && mode != PixelMode::CMYK;
        const int channels = channels_of(mode);
        c.out_color_space = cmyk_rows ? JCS_CMYK : output_space(mode);
        c.scale_num = scale_in_eighths(c, request.scale, transposed);
        c.scale_denom = 8;
        guarded(state, [&c] { jpeg_calc_output_dimensions(&c); });
        CropRect crop = checked_crop(request, static_cast<int>(c.output_width), static_cast<int>(c.output_height), orientation);

        ImageDecodeResult result;
        result.orientation = orientation;
        result.meta.mode = mode;
        result.meta.icc = guarded_icc(d);
        result.meta.exif = exif_of(c);
        dpi_of(c, result.meta);
        result.shape = {crop.width, crop.height, channels, orientation};
        PixelTarget target = provide_target(result.shape);
        if (target.pixel_stride == 0) target.pixel_stride = channels;
        std::optional<CmykRows> cmyk;
        if (cmyk_rows) cmyk.emplace(mode, request, result.meta, diagnostics);
        // Colour converted band by band as decoded, where that is cheap
        // (src/colour.hpp); otherwise after the decode, by the operation.
        std::shared_ptr<const ColourTransform> colour =
            cmyk_rows ? nullptr : decoder_row_transform(request.colour, result.meta, mode, DType::U8);

        guarded(state, [&c] { jpeg_start_decompress(&c); });
        unsigned left = restrict_columns(d, crop);
        skip_rows(d, crop.y);
        bool inverted = is_cmyk_source(c) && c.saw_Adobe_marker;
        bool direct = !cmyk_rows && left == 0 && c.output_width == static_cast<JDIMENSION>(crop.width) &&
                      target.pixel_stride == c.out_color_components;
        if (direct)
            read_into_target(d, target, crop.height, inverted, colour.get());
        else
            read_through_band(d, target, crop.height, crop.width, left, inverted, cmyk ? &*cmyk : nullptr,
                              colour.get());
        finish(d);
        return result;
    }
};

}  // namespace

int exif_orientation(const std::uint8_t* app1, std::size_t size) {
    static const std::uint8_t prefix[6] = {'E', 'x', 'i', 'f', 0, 0};
    if (size < 6 || std::memcmp(app1, prefix, 6) != 0) return 1;
    return tiff_orientation(app1 + 6, size - 6);
}

const ImageCodec& codec() {
    static const JpegCodec instance;
    return instance;
}

}  // namespace mediaview::jpeg
