// The JPEG encoder. As in the decoder, libjpeg's error_exit longjmps back to a
// guard frame that throws, so no C++ exception unwinds through libjpeg; the
// guarded steps hold no objects with destructors.
//
// Output goes through jpeg_mem_dest into a block we allocate up front at the
// worst-case size (TurboJPEG's tjBufSize rule generalised to any component
// count). libjpeg then never needs to grow it: a block libjpeg grew itself is
// kept in a private field, and would leak if a later step failed.
#include "jpeg_encoder.hpp"

#include "libjpeg_errors.hpp"

#include <algorithm>
#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include <jerror.h>
#include <jpeglib.h>

namespace mediaview::jpeg {
namespace {

using ErrorState = LibjpegErrors;

void ignore_warning(j_common_ptr, int) {}  // the compressor's warnings are trace-level only

template <typename Step>
void guarded(ErrorState& state, Step&& step) {
    run_guarded(state, [&state] { throw Error(std::string("JPEG encoder: ") + state.message); }, step);
}

// The compress struct and the output block, released on every path.
class Compressor {
public:
    explicit Compressor(ErrorState& state) : state_(state) {
        cinfo_.err = state.install(ignore_warning);
        guarded(state, [this] { jpeg_create_compress(&cinfo_); });
    }
    ~Compressor() {
        jpeg_destroy_compress(&cinfo_);
        if (out_ != own_) std::free(out_);  // libjpeg grew the block (never expected)
        std::free(own_);
    }
    Compressor(const Compressor&) = delete;
    Compressor& operator=(const Compressor&) = delete;

    jpeg_compress_struct& cinfo() { return cinfo_; }

    void set_destination(std::size_t capacity) {
        own_ = static_cast<unsigned char*>(std::malloc(capacity));
        if (!own_) throw std::bad_alloc();
        out_ = own_;
        out_size_ = capacity;
        guarded(state_, [this] { jpeg_mem_dest(&cinfo_, &out_, &out_size_); });
    }

    // After jpeg_finish_compress: hands the block to the caller.
    EncodedJpeg release() {
        EncodedJpeg result;
        result.size = out_size_;
        result.data = {out_, std::free};
        if (out_ == own_) own_ = nullptr;
        out_ = nullptr;
        return result;
    }

private:
    ErrorState& state_;
    jpeg_compress_struct cinfo_{};
    unsigned char* own_ = nullptr;
    unsigned char* out_ = nullptr;
    unsigned long out_size_ = 0;
};

J_COLOR_SPACE input_space(PixelMode mode) {
    switch (mode) {
        case PixelMode::L: return JCS_GRAYSCALE;
        case PixelMode::RGB: return JCS_EXT_RGB;
        case PixelMode::BGR: return JCS_EXT_BGR;
        case PixelMode::RGBA:
        case PixelMode::RGBX: return JCS_EXT_RGBX;
        case PixelMode::BGRA: return JCS_EXT_BGRX;
        case PixelMode::CMYK: return JCS_CMYK;
        case PixelMode::LA: break;  // no alpha in JPEG: refused before encoding
    }
    return JCS_EXT_RGB;
}

// EXIF (one APP1 segment: at most 65533 bytes with its prefix, the limit of
// a marker; a larger block is not stored) and the ICC profile (APP2 chunks,
// as many as it needs), right after the JFIF/Adobe header.
void write_metadata(ErrorState& state, jpeg_compress_struct& c, const EncodeOptions& o) {
    static const char prefix[] = "Exif\0\0";
    if (!o.exif.empty() && o.exif.size() + 6 <= 65533) {
        std::string app1 = std::string(prefix, 6) + o.exif;
        const std::string* p = &app1;
        guarded(state, [&c, p] {
            jpeg_write_marker(&c, JPEG_APP0 + 1, reinterpret_cast<const JOCTET*>(p->data()),
                              static_cast<unsigned int>(p->size()));
        });
    }
    if (!o.icc.empty()) {
        const std::string* icc = &o.icc;
        guarded(state, [&c, icc] {
            jpeg_write_icc_profile(&c, reinterpret_cast<const JOCTET*>(icc->data()),
                                   static_cast<unsigned int>(icc->size()));
        });
    }
}

constexpr int kBand = 16;  // rows handed to jpeg_write_scanlines at once

std::size_t round_up(std::size_t v, std::size_t m) { return (v + m - 1) / m * m; }

// Worst case for the compressed size: TurboJPEG's bound of 2 bytes per
// (MCU-padded) sample per component, plus room for headers and, in
// progressive mode, the scan headers and optimised tables of ~10 scans.
std::size_t capacity_for(const jpeg_compress_struct& c) {
    std::size_t w = round_up(c.image_width, 16), h = round_up(c.image_height, 16);
    return w * h * 2 * static_cast<std::size_t>(c.num_components) + 65536;
}

void set_sampling(jpeg_compress_struct& c, Subsampling s) {
    int h = 1, v = 1;
    if (s == Subsampling::S422) h = 2;
    if (s == Subsampling::S420) h = v = 2;
    c.comp_info[0].h_samp_factor = h;
    c.comp_info[0].v_samp_factor = v;
    for (int i = 1; i < c.num_components; ++i) {
        c.comp_info[i].h_samp_factor = 1;
        c.comp_info[i].v_samp_factor = 1;
    }
    if (c.num_components == 4) {  // YCCK: K at full resolution, like Y
        c.comp_info[3].h_samp_factor = h;
        c.comp_info[3].v_samp_factor = v;
    }
}

// How the rows of `image` reach libjpeg.
struct RowSource {
    const std::uint8_t* origin = nullptr;
    Index row_stride = 0, pixel_stride = 0, channel_stride = 0;
    int width = 0, height = 0, channels = 0;
    bool invert = false;  // CMYK: Adobe files store 255 - ink
    bool in_place() const { return !invert && pixel_stride == channels && (channels == 1 || channel_stride == 1); }
};

RowSource rows_of(const StridedArray& image, PixelMode mode) {
    if (image.dtype() != DType::U8) throw std::invalid_argument("JPEG encoding needs uint8 pixels");
    if (image.ndim() != 2 && image.ndim() != 3)
        throw std::invalid_argument("JPEG encoding needs an image of shape (H, W) or (H, W, C)");
    RowSource r;
    r.height = static_cast<int>(image.shape()[0]);
    r.width = static_cast<int>(image.shape()[1]);
    r.channels = image.ndim() == 3 ? static_cast<int>(image.shape()[2]) : 1;
    if (image.shape()[0] > JPEG_MAX_DIMENSION || image.shape()[1] > JPEG_MAX_DIMENSION)
        throw std::invalid_argument("JPEG cannot store an image larger than 65500 pixels a side");
    if (r.width == 0 || r.height == 0) throw std::invalid_argument("cannot encode an empty image");
    if (r.channels != channels_of(mode))
        throw std::invalid_argument("mode " + std::string(pixel_mode_name(mode)) + " needs " +
                                    std::to_string(channels_of(mode)) + " channel(s), the image has " +
                                    std::to_string(r.channels));
    r.origin = image.data();
    r.row_stride = image.strides()[0];
    r.pixel_stride = image.strides()[1];
    r.channel_stride = image.ndim() == 3 ? image.strides()[2] : 1;
    r.invert = mode == PixelMode::CMYK;
    return r;
}

void pack_row(const RowSource& r, int y, std::uint8_t* dst) {
    const std::uint8_t* row = r.origin + y * r.row_stride;
    if (r.channels == 1 || r.channel_stride == 1) {
        if (r.pixel_stride == r.channels) {
            std::memcpy(dst, row, static_cast<std::size_t>(r.width) * r.channels);
        } else {
            for (int x = 0; x < r.width; ++x)
                std::memcpy(dst + x * r.channels, row + x * r.pixel_stride, static_cast<std::size_t>(r.channels));
        }
    } else {
        for (int x = 0; x < r.width; ++x)
            for (int ch = 0; ch < r.channels; ++ch)
                dst[x * r.channels + ch] = row[x * r.pixel_stride + ch * r.channel_stride];
    }
    if (r.invert)
        for (std::size_t i = 0, n = static_cast<std::size_t>(r.width) * r.channels; i < n; ++i)
            dst[i] = static_cast<std::uint8_t>(255 - dst[i]);
}

}  // namespace

Subsampling subsampling_from_name(std::string_view name) {
    if (name == "444") return Subsampling::S444;
    if (name == "422") return Subsampling::S422;
    if (name == "420") return Subsampling::S420;
    if (name == "gray") return Subsampling::Gray;
    throw std::invalid_argument("unknown subsampling '" + std::string(name) + "' (expected 444, 422, 420 or gray)");
}

EncodedJpeg encode(const StridedArray& image, PixelMode mode, const EncodeOptions& options) {
    if (options.quality < 1 || options.quality > 100)
        throw std::invalid_argument("quality must be between 1 and 100, not " + std::to_string(options.quality));
    if (mode == PixelMode::CMYK && options.subsampling == Subsampling::Gray)
        throw std::invalid_argument("a CMYK image cannot be stored as grayscale (libjpeg has no CMYK to gray conversion)");
    RowSource rows = rows_of(image, mode);

    ErrorState state;
    Compressor compressor(state);
    jpeg_compress_struct& c = compressor.cinfo();
    c.image_width = static_cast<JDIMENSION>(rows.width);
    c.image_height = static_cast<JDIMENSION>(rows.height);
    c.input_components = rows.channels;
    c.in_color_space = input_space(mode);
    const EncodeOptions opts = options;
    guarded(state, [&c, &opts, mode] {
        jpeg_set_defaults(&c);
        if (mode == PixelMode::CMYK)
            jpeg_set_colorspace(&c, JCS_YCCK);
        else if (mode == PixelMode::L || opts.subsampling == Subsampling::Gray)
            jpeg_set_colorspace(&c, JCS_GRAYSCALE);
        jpeg_set_quality(&c, opts.quality, TRUE);
        if (c.jpeg_color_space != JCS_GRAYSCALE) set_sampling(c, opts.subsampling);
        if (opts.progressive) jpeg_simple_progression(&c);
    });
    compressor.set_destination(capacity_for(c));

    guarded(state, [&c] { jpeg_start_compress(&c, TRUE); });
    write_metadata(state, c, opts);
    if (rows.in_place()) {
        // Rows handed to libjpeg as they lie; a band at a time.
        JSAMPROW pointers[kBand];
        const RowSource* r = &rows;
        JSAMPROW* p = pointers;
        guarded(state, [&c, r, p] {
            while (c.next_scanline < c.image_height) {
                int n = std::min<int>(kBand, static_cast<int>(c.image_height - c.next_scanline));
                for (int i = 0; i < n; ++i)
                    p[i] = const_cast<JSAMPROW>(r->origin + static_cast<Index>(c.next_scanline + i) * r->row_stride);
                jpeg_write_scanlines(&c, p, static_cast<JDIMENSION>(n));
            }
        });
    } else {
        std::vector<std::uint8_t> scratch(static_cast<std::size_t>(rows.width) * rows.channels);
        std::uint8_t* buffer = scratch.data();
        const RowSource* r = &rows;
        guarded(state, [&c, r, buffer] {
            JSAMPROW row = buffer;
            while (c.next_scanline < c.image_height) {
                pack_row(*r, static_cast<int>(c.next_scanline), buffer);
                jpeg_write_scanlines(&c, &row, 1);
            }
        });
    }
    guarded(state, [&c] { jpeg_finish_compress(&c); });
    return compressor.release();
}

}  // namespace mediaview::jpeg
