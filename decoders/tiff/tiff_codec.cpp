#include "tiff_codec.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "tiff_exif.hpp"
#include "tiff_file.hpp"
#include "tiff_layout.hpp"
#include "tiff_pixels.hpp"
#include "tiff_write.hpp"

namespace mediaview::tiff {
namespace {

// libtiff's largest single allocation: strip and tile offset arrays and
// compressed strips; never more than the file (plus room for small files).
std::uint64_t alloc_cap(ByteSpan data) { return std::max<std::uint64_t>(std::uint64_t{256} << 20, data.size * 2); }

std::string size_text(std::uint32_t w, std::uint32_t h) { return std::to_string(w) + "x" + std::to_string(h); }

PixelMode mode_of(const ImageRequest& request, const Layout& l) {
    if (request.dtype && *request.dtype != l.dtype)
        throw std::invalid_argument("this TIFF holds " + std::string(dtype_name(l.dtype)) +
                                    " samples: pass dtype=None or '" + std::string(dtype_name(l.dtype)) + "'");
    PixelMode mode = request.mode.value_or(l.own);
    check_mode(l, mode);
    return mode;
}


// The crop in the stored frame, checked in the frame the request gives it.
CropRect checked_crop(const Layout& l, const ImageRequest& request) {
    return mediaview::checked_crop(request, static_cast<int>(l.width), static_cast<int>(l.height), l.orientation);
}

ImageMeta meta_of(const Layout& l, PixelMode mode, File& file, ByteSpan data) {
    ImageMeta meta;
    meta.exif = exif_block(file.get(), data);
    if (mode == PixelMode::P) meta.palette.assign(l.palette.begin(), l.palette.end());
    meta.mode = mode;
    meta.icc = l.icc;
    meta.dpi_x = l.dpi_x;
    meta.dpi_y = l.dpi_y;
    return meta;
}

bool same_shape(const Layout& a, const Layout& b) {
    return a.width == b.width && a.height == b.height && a.dtype == b.dtype && a.own == b.own;
}

class TiffCodec final : public ImageCodec {
public:
    std::string_view name() const override { return "tiff"; }
    std::string description() const override { return "TIFF (libtiff)"; }
    std::vector<std::string> extensions() const override { return {"tif", "tiff"}; }
    std::string library_version() const override {
        std::string v = TIFFGetVersion();
        std::size_t end = v.find('\n');
        return v.substr(0, end);
    }

    bool sniff(ByteSpan head) const override {
        if (head.size < 4) return false;
        const std::uint8_t* d = head.data;
        bool ii = d[0] == 'I' && d[1] == 'I' && (d[2] == 42 || d[2] == 43) && d[3] == 0;
        bool mm = d[0] == 'M' && d[1] == 'M' && d[2] == 0 && (d[3] == 42 || d[3] == 43);
        return ii || mm;
    }

    ImageInfo probe(ByteSpan data) const override {
        File file(data, alloc_cap(data));
        Layout l = read_layout(file, 0);
        ImageInfo info;
        info.format = "TIFF";
        info.width = static_cast<int>(l.width);
        info.height = static_cast<int>(l.height);
        info.components = l.channels;
        info.colorspace = l.own == PixelMode::CMYK ? "CMYK" : (l.own == PixelMode::L || l.own == PixelMode::LA) ? "Gray" : "RGB";
        info.subsampling = "unknown";
        info.precision = l.bits;
        info.orientation = l.orientation;
        info.has_icc = !l.icc.empty();
        info.extra = {
            {"pages", static_cast<std::int64_t>(file.pages())},
            {"compression", compression_name(l.compression)},
            {"photometric", photometric_name(l.photometric)},
            {"dtype", std::string(dtype_name(l.dtype))},
            {"mode", std::string(pixel_mode_name(l.own))},
            {"tiled", l.tiled},
            {"planar", l.planar},
            {"tile_width", static_cast<std::int64_t>(l.tile_width)},
            {"tile_height", static_cast<std::int64_t>(l.tile_height)},
            {"bigtiff", l.bigtiff},
            {"dpi_x", l.dpi_x},
            {"dpi_y", l.dpi_y},
        };
        return info;
    }

    ImageDecodeResult decode(ByteSpan data, const ImageRequest& request, const TargetProvider& provide_target,
                             Diagnostics& diagnostics) const override {
        File file(data, alloc_cap(data));
        file.select(request.frame);
        Layout l = read_layout(file, request.max_pixels);
        PixelMode mode = mode_of(request, l);
        CropRect crop = checked_crop(l, request);
        ImageDecodeResult result;
        result.orientation = l.orientation;
        result.shape = {crop.width, crop.height, channels_of(mode), l.orientation, l.dtype};
        result.meta = meta_of(l, mode, file, data);
        PixelTarget target = provide_target(result.shape);
        if (target.pixel_stride == 0) target.pixel_stride = static_cast<Index>(channels_of(mode) * itemsize(l.dtype));
        read_pixels(file, l, crop, mode, target, request, diagnostics, request.frame);
        return result;
    }

    bool has_frames() const override { return true; }
    bool decodes_palette() const override { return true; }
    std::vector<PixelMode> decode_modes() const override {
        return {PixelMode::RGB, PixelMode::BGR, PixelMode::RGBA, PixelMode::BGRA, PixelMode::RGBX,
                PixelMode::L,   PixelMode::LA,  PixelMode::CMYK, PixelMode::P};
    }
    std::vector<DType> decode_dtypes() const override {
        return {DType::U8, DType::U16, DType::U32, DType::I16, DType::I32, DType::F16, DType::F32, DType::F64};
    }

    FramesDecodeResult decode_frames(ByteSpan data, const ImageRequest& request,
                                     const FramesTargetProvider& provide_target,
                                     Diagnostics& diagnostics) const override {
        File file(data, alloc_cap(data));
        const int pages = file.pages();
        Layout first = read_layout(file, 0);
        std::uint64_t pixels = static_cast<std::uint64_t>(first.width) * first.height * static_cast<std::uint64_t>(pages);
        if (request.max_pixels && pixels > request.max_pixels)
            throw LimitError("TIFF " + std::to_string(pages) + " page(s) of " + size_text(first.width, first.height) +
                             " = " + std::to_string(pixels) + " pixels",
                             above_limit("max_pixels", request.max_pixels));
        PixelMode mode = mode_of(request, first);
        CropRect crop = checked_crop(first, request);
        FramesDecodeResult result;
        result.shape = {pages, {crop.width, crop.height, channels_of(mode), first.orientation, first.dtype}};
        result.meta = meta_of(first, mode, file, data);
        result.durations_ms.assign(static_cast<std::size_t>(pages), 0);
        // Every page is checked before the block is allocated.
        for (int p = 1; p < pages; ++p) {
            file.select(p);
            Layout l = read_layout(file, 0);
            if (!same_shape(l, first))
                throw std::invalid_argument("TIFF page " + std::to_string(p) + " is " + size_text(l.width, l.height) +
                                            " " + std::string(pixel_mode_name(l.own)) + " " +
                                            std::string(dtype_name(l.dtype)) + ", page 0 " +
                                            size_text(first.width, first.height) + " " +
                                            std::string(pixel_mode_name(first.own)) + " " +
                                            std::string(dtype_name(first.dtype)) +
                                            ": decode the pages one at a time with frame=k");
        }
        FramesTarget target = provide_target(result.shape);
        if (target.first.pixel_stride == 0)
            target.first.pixel_stride = static_cast<Index>(channels_of(mode) * itemsize(first.dtype));
        for (int p = 0; p < pages; ++p) {
            file.select(p);
            Layout l = read_layout(file, 0);
            PixelTarget frame = target.first;
            frame.data += p * target.frame_stride;
            read_pixels(file, l, crop, mode, frame, request, diagnostics, p);
        }
        return result;
    }

    bool can_encode() const override { return true; }
    bool encodes_pages() const override { return true; }
    std::vector<OptionSpec> encode_options() const override { return write_options(); }
    std::vector<PixelMode> encode_modes() const override { return write_modes(); }
    std::vector<DType> encode_dtypes() const override { return write_dtypes(); }

    EncodedBytes encode(const StridedArray& pixels, const ImageMeta& meta, const Options& options) const override {
        check_options(encode_options(), options, name());
        return write_tiff({{pixels, meta}}, options);
    }

    EncodedBytes encode_pages(const std::vector<StridedArray>& pages, const std::vector<ImageMeta>& metas,
                              const Options& options) const override {
        check_options(encode_options(), options, name());
        if (pages.size() != metas.size()) throw std::invalid_argument("TIFF pages and their metadata differ in number");
        std::vector<PageToWrite> all;
        for (std::size_t i = 0; i < pages.size(); ++i) all.push_back({pages[i], metas[i]});
        return write_tiff(all, options);
    }
};

}  // namespace

const ImageCodec& codec() {
    static const TiffCodec instance;
    return instance;
}

}  // namespace mediaview::tiff
