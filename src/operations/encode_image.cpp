#include "encode_image.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace mediaview {
namespace {

std::string mode_names(const std::vector<PixelMode>& modes) {
    std::string text;
    for (PixelMode m : modes) text += (text.empty() ? "" : ", ") + std::string(pixel_mode_name(m));
    return text;
}

// 16-bit pixels for a codec that stores 8 bits: each value's high byte, the
// rounding the decoders use for dtype="uint8" of 16-bit data (libspng's and
// Pillow's 16 -> 8), into a new C-contiguous array.
StridedArray high_bytes(const StridedArray& p) {
    StridedArray out = StridedArray::allocate(DType::U8, p.shape());
    const Index channels = p.ndim() == 3 ? p.shape()[2] : 1;
    std::uint8_t* dst = out.data();
    for (Index r = 0; r < p.shape()[0]; ++r) {
        for (Index c = 0; c < p.shape()[1]; ++c) {
            const std::uint8_t* px = p.data() + r * p.strides()[0] + c * p.strides()[1];
            for (Index k = 0; k < channels; ++k) {
                std::uint16_t v;
                std::memcpy(&v, px + (p.ndim() == 3 ? k * p.strides()[2] : 0), 2);
                *dst++ = static_cast<std::uint8_t>(v >> 8);
            }
        }
    }
    return out;
}

// The pixels as the codec stores them: 16-bit data for a codec without
// 16-bit storage is reduced to 8 bits (as a decode with dtype="uint8" would
// give them), not refused.
StridedArray storable_depth(const ImageCodec& codec, const StridedArray& p) {
    std::vector<DType> dtypes = codec.encode_dtypes();
    const bool stores = std::find(dtypes.begin(), dtypes.end(), p.dtype()) != dtypes.end();
    const bool stores_u8 = std::find(dtypes.begin(), dtypes.end(), DType::U8) != dtypes.end();
    if (!stores && stores_u8 && p.dtype() == DType::U16 && (p.ndim() == 2 || p.ndim() == 3)) return high_bytes(p);
    return p;
}

PixelMode checked_mode(const ImageCodec& codec, const EncodeInput& input) {
    const StridedArray& p = input.pixels;
    if (p.ndim() != 2 && p.ndim() != 3)
        throw std::invalid_argument("data must have shape (H, W) or (H, W, C), not " + std::to_string(p.ndim()) +
                                    " dimension(s)");
    const int channels = p.ndim() == 2 ? 1 : static_cast<int>(p.shape()[2]);
    PixelMode mode = input.mode ? *input.mode : default_mode_for_channels(channels);
    if (channels_of(mode) != channels)
        throw std::invalid_argument("mode " + std::string(pixel_mode_name(mode)) + " has " +
                                    std::to_string(channels_of(mode)) + " channel(s) but the data has " +
                                    std::to_string(channels));
    std::vector<PixelMode> modes = codec.encode_modes();
    if (std::find(modes.begin(), modes.end(), mode) == modes.end())
        throw std::invalid_argument(std::string(codec.name()) + " cannot store mode " +
                                    std::string(pixel_mode_name(mode)) + " (it stores " + mode_names(modes) + ")");
    std::vector<DType> dtypes = codec.encode_dtypes();
    if (std::find(dtypes.begin(), dtypes.end(), p.dtype()) == dtypes.end()) {
        std::string names;
        for (DType t : dtypes) names += (names.empty() ? "" : " or ") + std::string(dtype_name(t));
        throw std::invalid_argument("data must hold " + names + " pixels for " + std::string(codec.name()) +
                                    " (format '" + std::string(1, format_code(dtypes.front())) + "'), not " +
                                    std::string(dtype_name(p.dtype())));
    }
    return mode;
}

const ImageCodec& writer_for(const CodecTable& codecs, std::string_view format, const Options& options) {
    const ImageCodec* codec = codecs.image_writer_for(format);
    if (!codec) throw UnsupportedFormatError("no codec writes '" + std::string(format) + "' images");
    check_options(codec->encode_options(), options, codec->name());
    return *codec;
}

// The EXIF block as every writer takes it, the TIFF structure: the form
// of a JPEG APP1 segment and of Pillow's Exif.tobytes() ("Exif\0\0" and
// then the structure) is taken too, not written with its prefix (broken
// EXIF) or dropped.
std::string tiff_structure(const std::string& exif) {
    static constexpr char prefix[] = "Exif\0\0";
    constexpr std::size_t n = sizeof prefix - 1;
    return exif.compare(0, n, prefix, n) == 0 ? exif.substr(n) : exif;
}

// The pixels as the codec stores them, and their metadata.
std::pair<StridedArray, ImageMeta> stored(const ImageCodec& codec, const EncodeInput& input) {
    EncodeInput s = input;
    s.pixels = storable_depth(codec, input.pixels);
    ImageMeta meta{checked_mode(codec, s), input.icc, tiff_structure(input.exif), input.dpi_x, input.dpi_y};
    return {s.pixels, meta};
}

}  // namespace

EncodedBytes encode_image(const CodecTable& codecs, std::string_view format, const EncodeInput& input,
                          const Options& options) {
    const ImageCodec& codec = writer_for(codecs, format, options);
    auto [pixels, meta] = stored(codec, input);
    return codec.encode(pixels, meta, options);
}

EncodedBytes encode_pages(const CodecTable& codecs, std::string_view format, const std::vector<EncodeInput>& pages,
                          const Options& options) {
    const ImageCodec& codec = writer_for(codecs, format, options);
    if (!codec.encodes_pages())
        throw UnsupportedFormatError(std::string(codec.name()) + " files hold one image, not pages: write each "
                                     "image to its own file");
    if (pages.empty()) throw std::invalid_argument("no pages to write");
    std::vector<StridedArray> pixels;
    std::vector<ImageMeta> metas;
    for (const EncodeInput& page : pages) {
        auto [p, meta] = stored(codec, page);
        pixels.push_back(std::move(p));
        metas.push_back(std::move(meta));
    }
    return codec.encode_pages(pixels, metas, options);
}

}  // namespace mediaview
