#include "tiff_layout.hpp"

#include <algorithm>

namespace mediaview::tiff {
namespace {

[[noreturn]] void unsupported(const std::string& what) {
    throw UnsupportedFormatError("TIFF " + what + " is not supported");
}

std::uint16_t field16(TIFF* tif, ttag_t tag) {
    std::uint16_t v = 0;
    TIFFGetFieldDefaulted(tif, tag, &v);
    return v;
}

DType dtype_for(int format, int bits) {
    if (bits == 1) return DType::U8;
    switch (format) {
        case SAMPLEFORMAT_UINT:
            if (bits == 8) return DType::U8;
            if (bits == 16) return DType::U16;
            if (bits == 32) return DType::U32;
            break;
        case SAMPLEFORMAT_INT:
            if (bits == 16) return DType::I16;
            if (bits == 32) return DType::I32;
            break;
        case SAMPLEFORMAT_IEEEFP:
            if (bits == 16) return DType::F16;
            if (bits == 32) return DType::F32;
            if (bits == 64) return DType::F64;
            break;
        default: break;
    }
    static const char* kinds[] = {"", "unsigned", "signed", "float"};
    unsupported(std::to_string(bits) + "-bit " + (format >= 1 && format <= 3 ? kinds[format] : "complex or void") +
                " samples (mediaview has uint8, uint16, uint32, int16, int32, float16, float32 and float64)");
}

void read_colour(TIFF* tif, Layout& l) {
    switch (l.photometric) {
        case PHOTOMETRIC_MINISWHITE:
        case PHOTOMETRIC_MINISBLACK:
            l.min_is_white = l.photometric == PHOTOMETRIC_MINISWHITE;
            l.own = l.alpha && l.samples >= 2 ? PixelMode::LA : PixelMode::L;
            break;
        case PHOTOMETRIC_RGB:
            if (l.samples < 3) throw DecodeError("TIFF RGB page has " + std::to_string(l.samples) + " sample(s) a pixel");
            l.own = l.alpha && l.samples >= 4 ? PixelMode::RGBA : PixelMode::RGB;
            break;
        case PHOTOMETRIC_PALETTE: {
            if (l.bits != 8 || l.samples != 1) unsupported("palette page of " + std::to_string(l.bits) + "-bit samples");
            std::uint16_t *r = nullptr, *g = nullptr, *b = nullptr;
            if (!TIFFGetField(tif, TIFFTAG_COLORMAP, &r, &g, &b)) throw DecodeError("TIFF palette page has no colour map");
            l.palette.resize(256 * 3);
            for (int i = 0; i < 256; ++i) {
                l.palette[i * 3] = static_cast<std::uint8_t>(r[i] >> 8);
                l.palette[i * 3 + 1] = static_cast<std::uint8_t>(g[i] >> 8);
                l.palette[i * 3 + 2] = static_cast<std::uint8_t>(b[i] >> 8);
            }
            l.own = PixelMode::RGB;
            break;
        }
        case PHOTOMETRIC_SEPARATED:
            if (field16(tif, TIFFTAG_INKSET) != INKSET_CMYK || l.samples < 4) unsupported("separated page without CMYK ink");
            l.own = PixelMode::CMYK;
            break;
        case PHOTOMETRIC_YCBCR:
            // libjpeg converts JPEG-compressed YCbCr to RGB; other YCbCr
            // (subsampled, uncompressed) is not decoded here.
            if (l.compression != COMPRESSION_JPEG) unsupported("YCbCr page without JPEG compression");
            TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
            l.own = PixelMode::RGB;
            break;
        default: unsupported("photometric interpretation " + photometric_name(l.photometric));
    }
    l.channels = channels_of(l.own);
    if (l.bits == 1 && l.own != PixelMode::L) unsupported("1-bit page that is not greyscale");
    if (l.photometric == PHOTOMETRIC_PALETTE && l.planar) unsupported("planar palette page");
}

void read_metadata(TIFF* tif, Layout& l) {
    std::uint32_t count = 0;
    void* data = nullptr;
    if (TIFFGetField(tif, TIFFTAG_ICCPROFILE, &count, &data) && data && count)
        l.icc.assign(static_cast<const char*>(data), count);
    float x = 0, y = 0;
    if (TIFFGetField(tif, TIFFTAG_XRESOLUTION, &x) && TIFFGetField(tif, TIFFTAG_YRESOLUTION, &y)) {
        double scale = field16(tif, TIFFTAG_RESOLUTIONUNIT) == RESUNIT_CENTIMETER ? 2.54 : 1.0;
        if (field16(tif, TIFFTAG_RESOLUTIONUNIT) != RESUNIT_NONE) {
            l.dpi_x = x * scale;
            l.dpi_y = y * scale;
        }
    }
}

}  // namespace

std::string compression_name(int c) {
    switch (c) {
        case COMPRESSION_NONE: return "none";
        case COMPRESSION_LZW: return "LZW";
        case COMPRESSION_ADOBE_DEFLATE:
        case COMPRESSION_DEFLATE: return "Deflate";
        case COMPRESSION_PACKBITS: return "PackBits";
        case COMPRESSION_JPEG: return "JPEG";
        case COMPRESSION_OJPEG: return "old-style JPEG";
        case COMPRESSION_ZSTD: return "ZSTD";
        case COMPRESSION_WEBP: return "WebP";
        case COMPRESSION_LZMA: return "LZMA";
        case COMPRESSION_CCITTRLE: return "CCITT RLE";
        case COMPRESSION_CCITTFAX3: return "CCITT G3";
        case COMPRESSION_CCITTFAX4: return "CCITT G4";
        default: return std::to_string(c);
    }
}

std::string photometric_name(int p) {
    static const char* names[] = {"min-is-white", "min-is-black", "RGB", "palette", "mask", "separated", "YCbCr"};
    return p >= 0 && p <= 6 ? names[p] : std::to_string(p);
}

Layout read_layout(File& file, std::uint64_t max_pixels) {
    TIFF* tif = file.get();
    Layout l;
    if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &l.width) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &l.height) ||
        l.width == 0 || l.height == 0)
        throw DecodeError("TIFF page has no size (its width or length tag is absent or 0)");
    if (l.width > 0x7FFFFFF || l.height > 0x7FFFFFF)
        throw LimitError("TIFF page is " + std::to_string(l.width) + "x" + std::to_string(l.height) +
                         ": a side above 2^27 pixels");
    std::uint64_t pixels = static_cast<std::uint64_t>(l.width) * l.height;
    if (max_pixels && pixels > max_pixels)
        throw LimitError("TIFF page is " + std::to_string(l.width) + "x" + std::to_string(l.height) + " = " +
                         std::to_string(pixels) + " pixels",
                         above_limit("max_pixels", max_pixels));
    l.samples = field16(tif, TIFFTAG_SAMPLESPERPIXEL);
    l.bits = field16(tif, TIFFTAG_BITSPERSAMPLE);
    l.sample_format = field16(tif, TIFFTAG_SAMPLEFORMAT);
    l.planar = field16(tif, TIFFTAG_PLANARCONFIG) == PLANARCONFIG_SEPARATE && l.samples > 1;
    l.compression = field16(tif, TIFFTAG_COMPRESSION);
    l.orientation = std::clamp<int>(field16(tif, TIFFTAG_ORIENTATION), 1, 8);
    l.bigtiff = TIFFIsBigTIFF(tif);
    if (l.samples < 1 || l.samples > 16) throw DecodeError("TIFF page has " + std::to_string(l.samples) + " samples a pixel");
    if (!TIFFIsCODECConfigured(static_cast<std::uint16_t>(l.compression)))
        unsupported(compression_name(l.compression) + " compression (Debian's libtiff lacks it)");
    std::uint16_t photometric = 0;
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric))
        photometric = l.samples >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
    l.photometric = photometric;
    std::uint16_t extra = 0;
    std::uint16_t* kinds = nullptr;
    if (TIFFGetField(tif, TIFFTAG_EXTRASAMPLES, &extra, &kinds) && extra && kinds) {
        l.alpha = kinds[0] == EXTRASAMPLE_ASSOCALPHA || kinds[0] == EXTRASAMPLE_UNASSALPHA;
        l.associated_alpha = kinds[0] == EXTRASAMPLE_ASSOCALPHA;
    }
    l.bilevel = l.bits == 1;
    l.dtype = dtype_for(l.sample_format, l.bits);
    read_colour(tif, l);
    l.tiled = TIFFIsTiled(tif);
    if (l.tiled) {
        TIFFGetField(tif, TIFFTAG_TILEWIDTH, &l.tile_width);
        TIFFGetField(tif, TIFFTAG_TILELENGTH, &l.tile_height);
        if (l.tile_width == 0 || l.tile_height == 0) throw DecodeError("TIFF tiles have no size");
        // A tile is allocated whole: refuse tiles far larger than the image.
        std::uint64_t tile = static_cast<std::uint64_t>(l.tile_width) * l.tile_height;
        if (tile > std::max<std::uint64_t>(pixels * 4, 1u << 20))
            throw LimitError("TIFF tiles of " + std::to_string(l.tile_width) + "x" + std::to_string(l.tile_height) +
                             " are implausible for a " + std::to_string(l.width) + "x" + std::to_string(l.height) +
                             " page");
    } else {
        std::uint32_t rows = l.height;
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rows);
        l.tile_width = l.width;
        l.tile_height = std::clamp<std::uint32_t>(rows, 1, l.height);
    }
    read_metadata(tif, l);
    return l;
}

}  // namespace mediaview::tiff
