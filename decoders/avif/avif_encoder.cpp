// The AVIF encoder: the pixels are packed into an avifRGBImage (our modes
// mapped onto libavif's RGB(A)/BGR(A); grey repeated into RGB), converted to
// YUV by libavif, and encoded by aom in one avifEncoderWrite.
#include "avif_codec.hpp"

#include <avif/avif.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace mediaview::avif {
namespace {

struct ImageDelete {
    void operator()(avifImage* i) const { avifImageDestroy(i); }
};
struct EncoderDelete {
    void operator()(avifEncoder* e) const { avifEncoderDestroy(e); }
};

avifRGBFormat format_for(PixelMode mode) {
    switch (mode) {
        case PixelMode::BGR: return AVIF_RGB_FORMAT_BGR;
        case PixelMode::BGRA: return AVIF_RGB_FORMAT_BGRA;
        case PixelMode::RGBA:
        case PixelMode::LA: return AVIF_RGB_FORMAT_RGBA;
        case PixelMode::RGB:
        case PixelMode::L: return AVIF_RGB_FORMAT_RGB;
        default:
            throw std::invalid_argument("AVIF cannot store mode " + std::string(pixel_mode_name(mode)) +
                                        " (it stores RGB, BGR, RGBA, BGRA, L and LA)");
    }
}

// Packs `image` into rows of `out_channels` samples (grey repeated as RGB),
// samples of `bytes` each.
std::vector<std::uint8_t> packed(const StridedArray& image, PixelMode mode, int out_channels, std::size_t bytes) {
    const Index height = image.shape()[0], width = image.shape()[1];
    const int channels = image.ndim() == 3 ? static_cast<int>(image.shape()[2]) : 1;
    const Index row = image.strides()[0], pixel = image.strides()[1];
    const Index channel = image.ndim() == 3 ? image.strides()[2] : 0;
    const bool grey = mode == PixelMode::L || mode == PixelMode::LA;
    std::vector<std::uint8_t> out(static_cast<std::size_t>(height * width * out_channels) * bytes);
    std::uint8_t* d = out.data();
    for (Index y = 0; y < height; ++y) {
        const std::uint8_t* s = image.data() + y * row;
        for (Index x = 0; x < width; ++x, s += pixel) {
            for (int c = 0; c < out_channels; ++c, d += bytes) {
                int from = grey ? (c < 3 ? 0 : 1) : c;
                if (from >= channels) from = channels - 1;
                std::memcpy(d, s + from * channel, bytes);
            }
        }
    }
    return out;
}

int quantizer_for(int quality) {
    // libavif 0.11 has no quality setting: quality 0-100 maps linearly onto
    // AV1's quantizers 63-0, as libavif 1.x's own quality does.
    return static_cast<int>(std::lround((100 - quality) * 63 / 100.0));
}

avifPixelFormat subsampling_for(const std::string& s, bool grey) {
    if (grey) return AVIF_PIXEL_FORMAT_YUV400;
    if (s == "4:4:4") return AVIF_PIXEL_FORMAT_YUV444;
    if (s == "4:2:2") return AVIF_PIXEL_FORMAT_YUV422;
    return AVIF_PIXEL_FORMAT_YUV420;
}

[[noreturn]] void throw_encode(avifResult r, const char* what) {
    if (r == AVIF_RESULT_OUT_OF_MEMORY) throw std::bad_alloc();
    if (r == AVIF_RESULT_INVALID_EXIF_PAYLOAD) throw std::invalid_argument("AVIF encoder: the EXIF block is not valid TIFF");
    throw Error(std::string("AVIF encoder failed (") + what + ": " + avifResultToString(r) + ")");
}

}  // namespace

EncodedBytes encode(const StridedArray& image, const ImageMeta& meta, const Options& options) {
    if (image.dtype() != DType::U8 && image.dtype() != DType::U16)
        throw std::invalid_argument("AVIF encoding needs uint8 or uint16 pixels");
    const int channels = encode_channels(image, meta, "AVIF");
    if (image.shape()[0] == 0 || image.shape()[1] == 0) throw std::invalid_argument("cannot encode an empty image");
    if (image.shape()[0] > 65535 || image.shape()[1] > 65535)
        throw std::invalid_argument("AVIF cannot store an image larger than 65535 pixels a side");
    const bool wide = image.dtype() == DType::U16;
    const int depth = static_cast<int>(int_option(options, "bit_depth", wide ? 10 : 8));
    if (depth != 8 && depth != 10 && depth != 12) throw std::invalid_argument("AVIF bit_depth must be 8, 10 or 12");
    const avifRGBFormat format = format_for(meta.mode);
    const bool grey = meta.mode == PixelMode::L || meta.mode == PixelMode::LA;
    const auto width = static_cast<std::uint32_t>(image.shape()[1]), height = static_cast<std::uint32_t>(image.shape()[0]);

    std::unique_ptr<avifImage, ImageDelete> frame(
        avifImageCreate(width, height, static_cast<std::uint32_t>(depth),
                        subsampling_for(text_option(options, "subsampling", "4:2:0"), grey)));
    if (!frame) throw std::bad_alloc();
    // sRGB with BT.601 matrix, full range: libavif's defaults, and Pillow's.
    if (!meta.icc.empty()) avifImageSetProfileICC(frame.get(), reinterpret_cast<const std::uint8_t*>(meta.icc.data()), meta.icc.size());
    if (!meta.exif.empty())
        avifImageSetMetadataExif(frame.get(), reinterpret_cast<const std::uint8_t*>(meta.exif.data()), meta.exif.size());

    avifRGBImage rgb;
    avifRGBImageSetDefaults(&rgb, frame.get());
    rgb.format = format;
    rgb.depth = wide ? 16 : 8;
    const int out_channels = static_cast<int>(avifRGBFormatChannelCount(format));
    std::vector<std::uint8_t> pixels = packed(image, meta.mode, out_channels, image.itemsize());
    rgb.pixels = pixels.data();
    rgb.rowBytes = width * static_cast<std::uint32_t>(out_channels * image.itemsize());
    avifResult r = avifImageRGBToYUV(frame.get(), &rgb);
    if (r != AVIF_RESULT_OK) throw_encode(r, "colour conversion");

    std::unique_ptr<avifEncoder, EncoderDelete> encoder(avifEncoderCreate());
    if (!encoder) throw std::bad_alloc();
    encoder->maxThreads = 1;
    encoder->speed = static_cast<int>(int_option(options, "speed", 6));
    const int q = quantizer_for(static_cast<int>(int_option(options, "quality", 75)));
    encoder->minQuantizer = encoder->maxQuantizer = q;
    encoder->minQuantizerAlpha = encoder->maxQuantizerAlpha = q;
    avifRWData output = AVIF_DATA_EMPTY;
    r = avifEncoderWrite(encoder.get(), frame.get(), &output);
    if (r != AVIF_RESULT_OK) {
        avifRWDataFree(&output);
        throw_encode(r, "AV1 encoding");
    }
    // The block was allocated by libavif's allocator (malloc by default):
    // copy it into one we can free with free().
    EncodedBytes bytes;
    auto* copy = static_cast<std::uint8_t*>(std::malloc(output.size));
    if (!copy) {
        avifRWDataFree(&output);
        throw std::bad_alloc();
    }
    std::memcpy(copy, output.data, output.size);
    bytes.size = output.size;
    avifRWDataFree(&output);
    bytes.data = {copy, std::free};
    return bytes;
}

}  // namespace mediaview::avif
