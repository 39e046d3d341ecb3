// The PNG codec. libspng decodes each row in the file's own layout
// (SPNG_FMT_PNG); rows.cpp expands and converts it. A row that needs neither
// is decoded straight into the caller's row.
#include "png_codec.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <spng.h>

#include "chunks.hpp"
#include "png_fast.hpp"
#include "png_write.hpp"
#include "rows.hpp"
#include "src/exif.hpp"

namespace mediaview::png {
namespace {

// Metadata chunks (text, ICC profiles, EXIF, ...) are held in memory and
// compressed ones inflated whole: these caps keep a small file with a huge
// zTXt or iCCP from taking memory. The image data is not subject to them.
constexpr std::size_t kChunkLimit = 32u << 20;   // one chunk, inflated
constexpr std::size_t kCacheLimit = 64u << 20;   // every stored chunk together

// ---- the libspng context ------------------------------------------------------

class Context {
public:
    explicit Context(int flags) : ctx_(spng_ctx_new(flags)) {
        if (!ctx_) throw std::bad_alloc();
    }
    ~Context() { spng_ctx_free(ctx_); }
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;
    spng_ctx* get() const { return ctx_; }

private:
    spng_ctx* ctx_;
};

bool is_truncation(int error) { return error == SPNG_IO_EOF || error == SPNG_EIDAT_TOO_SHORT; }

std::string message_of(int error) { return spng_strerror(error); }

[[noreturn]] void throw_error(int error) {
    switch (error) {
        case SPNG_EMEM:
            throw std::bad_alloc();
        case SPNG_ECHUNK_LIMITS:
            throw LimitError("PNG: a metadata chunk is larger than the decoder's limit (" +
                             std::to_string(kChunkLimit >> 20) + " MiB inflated, " +
                             std::to_string(kCacheLimit >> 20) + " MiB for all of them)");
        case SPNG_EUSER_WIDTH:
        case SPNG_EUSER_HEIGHT:
            throw LimitError("PNG: " + message_of(error));
        default:
            break;
    }
    if (is_truncation(error)) throw DecodeError("PNG data is truncated (" + message_of(error) + ")");
    throw DecodeError("PNG: " + message_of(error));
}

void check(int error) {
    if (error) throw_error(error);
}

void open_decoder(Context& c, ByteSpan data, bool strict) {
    // Critical chunks with a bad CRC stop the decode; ancillary ones are
    // dropped (the chunk scan has already reported them), or fail in strict mode.
    check(spng_set_crc_action(c.get(), SPNG_CRC_ERROR, strict ? SPNG_CRC_ERROR : SPNG_CRC_DISCARD));
    check(spng_set_chunk_limits(c.get(), kChunkLimit, kCacheLimit));
    check(spng_set_png_buffer(c.get(), data.data, data.size));
}

const char* color_type_name(int t) {
    switch (t) {
        case 0: return "gray";
        case 2: return "rgb";
        case 3: return "palette";
        case 4: return "gray_alpha";
        case 6: return "rgba";
        default: return "unknown";
    }
}

// ---- header facts ----------------------------------------------------------

struct Header {
    spng_ihdr ihdr{};
    bool has_plte = false;
    spng_plte plte{};
    bool has_trns = false;
    spng_trns trns{};
    bool has_gamma = false;
    double gamma = 0;
    std::string icc;
    ColourTags colour;  // sRGB, gAMA and cHRM (cICP comes from the chunk scan)
    double dpi_x = 0, dpi_y = 0;  // from pHYs in pixels per metre
    std::string exif;
    int orientation = 1;
};

// Reads IHDR and the chunks before the image data. With `tolerant` (probe),
// a failure after IHDR leaves the rest unknown instead of throwing.
Header read_header(spng_ctx* ctx, bool tolerant) {
    Header h;
    check(spng_get_ihdr(ctx, &h.ihdr));
    // The first getter reads every chunk up to the image data; its error
    // (other than "no such chunk") is the file's.
    int e = spng_get_plte(ctx, &h.plte);
    if (e && e != SPNG_ECHUNKAVAIL) {
        if (tolerant && e != SPNG_ECHUNK_LIMITS) return h;
        throw_error(e);
    }
    h.has_plte = e == 0;
    h.has_trns = spng_get_trns(ctx, &h.trns) == 0;
    h.has_gamma = spng_get_gama(ctx, &h.gamma) == 0;
    std::uint8_t srgb_intent = 0;
    h.colour.srgb = spng_get_srgb(ctx, &srgb_intent) == 0;
    if (h.has_gamma) h.colour.gamma = h.gamma;
    spng_chrm chrm{};
    if (spng_get_chrm(ctx, &chrm) == 0)
        h.colour.chromaticities = {chrm.white_point_x, chrm.white_point_y, chrm.red_x, chrm.red_y,
                                   chrm.green_x, chrm.green_y, chrm.blue_x, chrm.blue_y};
    spng_iccp iccp{};
    if (spng_get_iccp(ctx, &iccp) == 0 && iccp.profile) h.icc.assign(iccp.profile, iccp.profile_len);
    spng_phys phys{};
    if (spng_get_phys(ctx, &phys) == 0 && phys.unit_specifier == 1) {  // 1: per metre; 0: aspect only
        h.dpi_x = phys.ppu_x * 0.0254;
        h.dpi_y = phys.ppu_y * 0.0254;
    }
    spng_exif exif{};
    if (spng_get_exif(ctx, &exif) == 0 && exif.data) {
        h.exif.assign(exif.data, exif.length);
        h.orientation = tiff_orientation(reinterpret_cast<const std::uint8_t*>(exif.data), exif.length);
    }
    return h;
}

RawFormat raw_format(const Header& h, bool keep_alpha) {
    RawFormat f;
    f.color_type = h.ihdr.color_type;
    f.bit_depth = h.ihdr.bit_depth;
    bool keyed = f.color_type == 0 || f.color_type == 2 || f.color_type == 3;
    f.apply_trns = keep_alpha && keyed && h.has_trns;
    f.trns_gray = h.trns.gray;
    f.trns_red = h.trns.red;
    f.trns_green = h.trns.green;
    f.trns_blue = h.trns.blue;
    for (auto& e : f.palette) e = {0, 0, 0, 255};  // out-of-range indexes: opaque black, as libspng does
    if (h.has_plte) {
        for (std::uint32_t i = 0; i < h.plte.n_entries && i < 256; ++i)
            f.palette[i] = {h.plte.entries[i].red, h.plte.entries[i].green, h.plte.entries[i].blue, 255};
        if (h.has_trns && f.color_type == 3)
            for (std::uint32_t i = 0; i < h.trns.n_type3_entries && i < 256; ++i) f.palette[i][3] = h.trns.type3_alpha[i];
    }
    return f;
}

bool has_alpha(PixelMode m) { return m == PixelMode::LA || m == PixelMode::RGBA || m == PixelMode::BGRA; }

// ---- requests ----------------------------------------------------------------



void check_scale(const ScaleRequest& s) {
    bool identity = !s.at_least_size() && s.num > 0 && s.num == s.den;
    if (!identity) throw std::invalid_argument("PNG has no decode-time scaling: scale must be 1 (or None)");
}

void zero_rows(const PixelTarget& t, const OutputShape& shape, int from) {
    std::size_t pixel = static_cast<std::size_t>(shape.channels) * itemsize(shape.dtype);
    for (int r = from; r < shape.height; ++r) {
        std::uint8_t* row = t.data + static_cast<Index>(r) * t.row_stride;
        if (t.pixel_stride == static_cast<Index>(pixel)) {
            std::memset(row, 0, pixel * static_cast<std::size_t>(shape.width));
            continue;
        }
        for (int x = 0; x < shape.width; ++x) std::memset(row + static_cast<Index>(x) * t.pixel_stride, 0, pixel);
    }
}

// ---- decoding ----------------------------------------------------------------

struct Plan {
    RawFormat format;
    Layout layout;
    PixelMode mode;
    DType dtype;
    CropRect crop;
    std::uint32_t width = 0, height = 0;
    std::size_t raw_bytes = 0;
};

// Expands (when needed) and converts one raw row into target row `out`.
void deliver(const Plan& p, const std::uint8_t* raw, std::vector<std::uint8_t>& expanded, std::uint8_t* out,
             Index pixel_stride) {
    const std::uint8_t* own = raw;
    if (p.format.needs_expand()) {
        expand_row(p.format, raw, expanded.data(), p.width);
        own = expanded.data();
    }
    convert_row(p.layout, p.format.depth(), own, p.crop.x, p.crop.width, p.mode, p.dtype, out, pixel_stride);
}

// Decodes the rows down to the crop's last (rows above the crop are decoded
// and dropped; rows below are never decoded). Returns the libspng error that
// stopped it (0 when every wanted row arrived) and the first row not written.
int decode_sequential(spng_ctx* ctx, const Plan& p, const PixelTarget& t, int& written) {
    std::vector<std::uint8_t> raw(p.raw_bytes), expanded(p.format.needs_expand() ? p.format.expanded_row_bytes(p.width) : 0);
    bool direct = !p.format.needs_expand() && p.mode == mode_of(p.layout) &&
                  (p.dtype == DType::U16) == (p.format.depth() == 16) && p.crop.x == 0 &&
                  static_cast<std::uint32_t>(p.crop.width) == p.width &&
                  t.pixel_stride == static_cast<Index>(channels_of(p.layout) * itemsize(p.dtype));
    int end = p.crop.y + p.crop.height;
    written = 0;
    for (int y = 0; y < end; ++y) {
        bool wanted = y >= p.crop.y;
        std::uint8_t* out = wanted ? t.data + static_cast<Index>(y - p.crop.y) * t.row_stride : nullptr;
        int e = spng_decode_row(ctx, direct && wanted ? out : raw.data(), p.raw_bytes);
        if (e && !(e == SPNG_EOI && y == static_cast<int>(p.height) - 1)) return e;
        if (wanted) {
            if (!direct) deliver(p, raw.data(), expanded, out, t.pixel_stride);
            written = y - p.crop.y + 1;
        }
    }
    return 0;
}

// Adam7: the last pass holds the odd rows, so the whole image is decoded into
// a zeroed scratch (what a cut file leaves out stays 0) and then converted.
int decode_interlaced(spng_ctx* ctx, const Plan& p, const PixelTarget& t) {
    std::vector<std::uint8_t> image(p.raw_bytes * p.height, 0);
    int error = 0;
    while (true) {
        spng_row_info info{};
        int e = spng_get_row_info(ctx, &info);
        if (e) {
            if (e != SPNG_EOI) error = e;
            break;
        }
        e = spng_decode_row(ctx, image.data() + static_cast<std::size_t>(info.row_num) * p.raw_bytes, p.raw_bytes);
        if (e == SPNG_EOI) break;
        if (e) {
            error = e;
            break;
        }
    }
    std::vector<std::uint8_t> expanded(p.format.needs_expand() ? p.format.expanded_row_bytes(p.width) : 0);
    for (int r = 0; r < p.crop.height; ++r)
        deliver(p, image.data() + static_cast<std::size_t>(p.crop.y + r) * p.raw_bytes, expanded,
                t.data + static_cast<Index>(r) * t.row_stride, t.pixel_stride);
    return error;
}

std::size_t output_row_bytes(const Plan& p) {
    return static_cast<std::size_t>(p.crop.width) * static_cast<std::size_t>(channels_of(p.mode)) * itemsize(p.dtype);
}

std::size_t output_bytes(const Plan& p) { return output_row_bytes(p) * static_cast<std::size_t>(p.crop.height); }

// The block fast_decode_in_place needs when the output is the library's own
// buffer, or 0 when the image keeps a separate filtered buffer: Adam7 (a
// pass's rows land all over the image) and a crop (the whole stream is
// inflated for fewer output rows: a block that size would outlive the
// decode as the crop's memory). An output with shorter rows than the file's
// (16-bit read as uint8, alpha dropped, colour read as grey) gets a block of
// the filtered stream's size; the operation gives the room's pages back to
// the system after the decode (decode_image.cpp).
std::size_t in_place_block(const Plan& p, bool interlaced) {
    bool whole = p.crop.x == 0 && p.crop.y == 0 && static_cast<std::uint32_t>(p.crop.width) == p.width &&
                 static_cast<std::uint32_t>(p.crop.height) == p.height;
    if (interlaced || !whole) return 0;
    return in_place_bytes(p.height, output_row_bytes(p), p.raw_bytes);
}

bool decode_in_place(ByteSpan data, const Plan& p, const PixelTarget& t, std::size_t block) {
    std::vector<std::uint8_t> expanded(p.format.needs_expand() ? p.format.expanded_row_bytes(p.width) : 0);
    auto sink = [&](std::uint32_t y, const std::uint8_t* raw) {
        deliver(p, raw, expanded, t.data + static_cast<Index>(y) * t.row_stride, t.pixel_stride);
    };
    return fast_decode_in_place(data, p.format, p.width, p.height, t.data, block, output_row_bytes(p), sink);
}

// The fast path into a buffer of its own; the rows of the crop delivered.
bool decode_rows(ByteSpan data, const Plan& p, const PixelTarget& t, bool interlaced) {
    std::vector<std::uint8_t> expanded(p.format.needs_expand() ? p.format.expanded_row_bytes(p.width) : 0);
    std::uint32_t top = static_cast<std::uint32_t>(p.crop.y), end = top + static_cast<std::uint32_t>(p.crop.height);
    auto sink = [&](std::uint32_t y, const std::uint8_t* raw) {
        if (y >= top && y < end)
            deliver(p, raw, expanded, t.data + static_cast<Index>(y - top) * t.row_stride, t.pixel_stride);
    };
    return fast_decode_rows(data, p.format, p.width, p.height, interlaced, sink);
}

std::string libspng_version() {
    return std::to_string(SPNG_VERSION_MAJOR) + "." + std::to_string(SPNG_VERSION_MINOR) + "." +
           std::to_string(SPNG_VERSION_PATCH);
}

// ---- encoding ------------------------------------------------------------------

int color_type_for(PixelMode mode) {
    switch (mode) {
        case PixelMode::L: return SPNG_COLOR_TYPE_GRAYSCALE;
        case PixelMode::LA: return SPNG_COLOR_TYPE_GRAYSCALE_ALPHA;
        case PixelMode::RGB: return SPNG_COLOR_TYPE_TRUECOLOR;
        case PixelMode::RGBA: return SPNG_COLOR_TYPE_TRUECOLOR_ALPHA;
        default: break;
    }
    throw std::invalid_argument("PNG stores L, LA, RGB or RGBA, not " + std::string(pixel_mode_name(mode)));
}

// ---- the codec -------------------------------------------------------------------

class PngCodec final : public ImageCodec {
public:
    explicit PngCodec(bool fast) : fast_(fast) {}

    std::string_view name() const override { return "png"; }
    std::string description() const override { return "PNG (libspng, libdeflate)"; }
    std::vector<std::string> extensions() const override { return {"png"}; }
    std::vector<DType> decode_dtypes() const override { return {DType::U8, DType::U16}; }
    std::string library_version() const override { return "libspng " + libspng_version(); }

    bool sniff(ByteSpan head) const override {
        static const std::uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
        return head.size >= 8 && std::memcmp(head.data, sig, 8) == 0;
    }

    ImageInfo probe(ByteSpan data) const override {
        if (!sniff(data)) throw DecodeError("PNG: not a PNG file (bad signature)");
        Context c(0);
        open_decoder(c, data, false);
        Header h = read_header(c.get(), true);
        RawFormat f = raw_format(h, true);
        ImageInfo info;
        info.format = "PNG";
        info.width = static_cast<int>(h.ihdr.width);
        info.height = static_cast<int>(h.ihdr.height);
        info.components = channels_of(f.layout());
        info.colorspace = (f.color_type == 0 || f.color_type == 4) ? "Gray" : "RGB";
        info.precision = h.ihdr.bit_depth;
        info.progressive = h.ihdr.interlace_method != 0;
        info.orientation = h.orientation;
        info.has_icc = !h.icc.empty();
        info.extra = {
            {"color_type", std::string(color_type_name(f.color_type))},
            {"interlaced", h.ihdr.interlace_method != 0},
            {"alpha", f.color_type == 4 || f.color_type == 6 || f.apply_trns},
            {"palette", f.color_type == 3},
            {"gamma", h.has_gamma ? FieldValue(h.gamma) : FieldValue()},
        };
        return info;
    }

    ImageDecodeResult decode(ByteSpan data, const ImageRequest& request, const TargetProvider& provide_target,
                             Diagnostics& diagnostics) const override {
        if (!sniff(data)) throw DecodeError("PNG: not a PNG file (bad signature)");
        check_scale(request.scale);
        ChunkScan scan = scan_chunks(data);
        for (const std::string& type : scan.bad_ancillary_crc) {
            std::string message = "PNG: CRC error in ancillary chunk " + type;
            if (request.strict) throw DecodeError(message);
            message += "; the chunk is ignored";
            if (std::find(diagnostics.warnings.begin(), diagnostics.warnings.end(), message) ==
                diagnostics.warnings.end())
                diagnostics.warn(message);
        }
        // A cut file decodes from a well-formed shortened copy, so libspng
        // gets every row the surviving data holds.
        std::vector<std::uint8_t> repaired;
        ByteSpan source = data;
        if (scan.cut && scan.image_data_started && request.allow_truncated && !request.strict) {
            repaired = repaired_copy(data, scan);
            source = {repaired.data(), repaired.size()};
        }
        Context c(0);
        open_decoder(c, source, request.strict);
        spng_ctx* ctx = c.get();
        spng_ihdr ihdr{};
        check(spng_get_ihdr(ctx, &ihdr));
        std::uint64_t pixels = static_cast<std::uint64_t>(ihdr.width) * ihdr.height;
        if (request.max_pixels != 0 && pixels > request.max_pixels)
            throw LimitError("PNG is " + std::to_string(ihdr.width) + "x" + std::to_string(ihdr.height) + " = " +
                             std::to_string(pixels) + " pixels",
                             above_limit("max_pixels", request.max_pixels));
        Header h = read_header(ctx, false);

        Plan p;
        bool keep_alpha = !request.mode || has_alpha(*request.mode);
        p.format = raw_format(h, keep_alpha);
        p.layout = p.format.layout();
        p.mode = request.mode.value_or(mode_of(p.layout));
        if (p.mode == PixelMode::CMYK) throw UnsupportedFormatError("PNG has no CMYK: mode='CMYK' is for CMYK JPEGs");
        p.dtype = request.dtype.value_or(p.format.depth() == 16 ? DType::U16 : DType::U8);
        if (p.dtype != DType::U8 && p.dtype != DType::U16)
            throw std::invalid_argument("PNG decodes to uint8 or uint16, not " + std::string(dtype_name(p.dtype)));
        p.width = ihdr.width;
        p.height = ihdr.height;
        p.raw_bytes = p.format.raw_row_bytes(ihdr.width);
        p.crop = checked_crop(request, static_cast<int>(ihdr.width), static_cast<int>(ihdr.height), h.orientation);

        ImageDecodeResult result;
        result.orientation = h.orientation;
        result.shape = {p.crop.width, p.crop.height, channels_of(p.mode), h.orientation, p.dtype};
        result.meta.mode = p.mode;
        result.meta.icc = std::move(h.icc);
        result.meta.colour = std::move(h.colour);
        if (scan.has_cicp) result.meta.colour.cicp = Cicp{scan.cicp[0], scan.cicp[1], scan.cicp[2], scan.cicp[3] != 0};
        result.meta.exif = std::move(h.exif);
        result.meta.dpi_x = h.dpi_x;
        result.meta.dpi_y = h.dpi_y;
        // Whole files only: a cut one keeps libspng's "rows decoded so far".
        bool fast = fast_ && !scan.cut && scan.iend;
        std::size_t in_place = fast ? in_place_block(p, ihdr.interlace_method != 0) : 0;
        if (in_place) result.shape.scratch_after = in_place - output_bytes(p);
        PixelTarget target = provide_target(result.shape);
        if (target.pixel_stride == 0) target.pixel_stride = static_cast<Index>(channels_of(p.mode) * itemsize(p.dtype));

        if (in_place && target.room >= in_place && target.row_stride == static_cast<Index>(output_row_bytes(p)) &&
            target.pixel_stride == static_cast<Index>(channels_of(p.mode) * itemsize(p.dtype))) {
            // Falling through to libspng after a failure rewrites every row.
            if (decode_in_place(data, p, target, in_place)) return result;
        } else if (fast) {
            if (decode_rows(data, p, target, ihdr.interlace_method != 0)) return result;
        }
        int written = 0;
        int e = spng_decode_image(ctx, nullptr, 0, SPNG_FMT_PNG, SPNG_DECODE_PROGRESSIVE);
        if (!e) {
            if (ihdr.interlace_method) {
                e = decode_interlaced(ctx, p, target);
                written = p.crop.height;  // partial passes are spread over every row
            } else {
                e = decode_sequential(ctx, p, target, written);
            }
        }
        bool to_bottom = p.crop.y + p.crop.height == static_cast<int>(p.height);
        if (!e && to_bottom) {
            // The image is whole; read on to IEND so that a bad CRC on the
            // last IDAT chunk is seen, and a cut after the image is reported.
            int tail = spng_decode_chunks(ctx);
            if (tail && !is_truncation(tail) && !scan.cut) throw_error(tail);
            if (tail || scan.cut) {
                std::string message = "PNG data ends before its IEND chunk; every pixel was decoded";
                if (request.strict) throw DecodeError(message);
                diagnostics.warn(message);
            }
        }
        if (e) {
            bool truncated = is_truncation(e) || (scan.cut && (e == SPNG_EZLIB || e == SPNG_EIDAT_STREAM));
            if (!truncated || request.strict) throw_error(e);
            if (!request.allow_truncated)
                throw DecodeError("PNG data is truncated (" + message_of(e) + ")",
                                  pass_allow_truncated("to get the partial image"));
            zero_rows(target, result.shape, written);
            diagnostics.warn("PNG data is truncated (" + message_of(e) + "); the missing pixels are 0");
        }
        return result;
    }

    bool can_encode() const override { return true; }
    bool lossy() const override { return false; }
    std::vector<OptionSpec> encode_options() const override {
        OptionSpec level;
        level.name = "compress_level";
        level.kind = OptionSpec::Kind::Int;
        level.doc = "deflate level (libdeflate), 0 (stored: no compression) to 12 (smallest, slowest); default 6";
        level.min = 0;
        level.max = kMaxCompressLevel;
        return {level};
    }
    std::vector<PixelMode> encode_modes() const override {
        return {PixelMode::L, PixelMode::LA, PixelMode::RGB, PixelMode::RGBA};
    }
    std::vector<DType> encode_dtypes() const override { return {DType::U8, DType::U16}; }

    EncodedBytes encode(const StridedArray& pixels, const ImageMeta& meta, const Options& options) const override {
        check_options(encode_options(), options, name());
        int level = static_cast<int>(int_option(options, "compress_level", kDefaultCompressLevel));
        int color_type = color_type_for(meta.mode);
        int channels = mediaview::channels_of(meta.mode);
        if (pixels.ndim() != 2 && pixels.ndim() != 3)
            throw std::invalid_argument("PNG encoder needs an (H, W) or (H, W, C) array");
        Index c = pixels.ndim() == 3 ? pixels.shape()[2] : 1;
        if (c != channels)
            throw std::invalid_argument("PNG encoder: mode " + std::string(pixel_mode_name(meta.mode)) + " has " +
                                        std::to_string(channels) + " channel(s), the array has " +
                                        std::to_string(c));
        if (pixels.dtype() != DType::U8 && pixels.dtype() != DType::U16)
            throw std::invalid_argument("PNG stores uint8 or uint16 samples, not " +
                                        std::string(dtype_name(pixels.dtype())));
        Index h = pixels.shape()[0], w = pixels.shape()[1];
        if (h <= 0 || w <= 0 || h > 0x7FFFFFFF || w > 0x7FFFFFFF)
            throw std::invalid_argument("PNG encoder: an image must be 1 to 2^31-1 pixels each way");
        return write_png(pixels, meta, color_type, level);
    }

private:
    bool fast_;
};

}  // namespace

const ImageCodec& codec() {
    static const PngCodec instance(true);
    return instance;
}

const ImageCodec& libspng_codec() {
    static const PngCodec instance(false);
    return instance;
}

}  // namespace mediaview::png
