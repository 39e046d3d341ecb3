// The WebP encoder: libwebp's WebPEncode into memory, then libwebpmux to add
// the ICC profile and EXIF chunks when there are any.
#include "webp_codec.hpp"

#include <climits>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include <webp/encode.h>
#include <webp/mux.h>

namespace mediaview::webp {
namespace {

// The picture and the memory writer, released on every path.
class Picture {
public:
    Picture() {
        if (!WebPPictureInit(&picture_)) throw Error("libwebp: encoder version mismatch");
        WebPMemoryWriterInit(&writer_);
        picture_.writer = WebPMemoryWrite;
        picture_.custom_ptr = &writer_;
    }
    ~Picture() {
        WebPPictureFree(&picture_);
        WebPMemoryWriterClear(&writer_);
    }
    Picture(const Picture&) = delete;
    Picture& operator=(const Picture&) = delete;

    WebPPicture& get() { return picture_; }
    WebPData output() const { return {writer_.mem, writer_.size}; }
    // Hands the encoded block to the caller (allocated by libwebp: WebPFree).
    EncodedBytes release() {
        EncodedBytes bytes;
        bytes.data = {writer_.mem, WebPFree};
        bytes.size = writer_.size;
        writer_.mem = nullptr;
        writer_.size = writer_.max_size = 0;
        return bytes;
    }

private:
    WebPPicture picture_;
    WebPMemoryWriter writer_;
};

struct MuxDelete {
    void operator()(WebPMux* m) const { WebPMuxDelete(m); }
};

[[noreturn]] void throw_encoding_error(WebPEncodingError code) {
    switch (code) {
        case VP8_ENC_ERROR_OUT_OF_MEMORY:
        case VP8_ENC_ERROR_BITSTREAM_OUT_OF_MEMORY: throw std::bad_alloc();
        case VP8_ENC_ERROR_BAD_DIMENSION:
            throw std::invalid_argument("WebP cannot store an image larger than 16383 pixels a side");
        case VP8_ENC_ERROR_PARTITION0_OVERFLOW:
            throw Error("WebP encoder: the first partition is over 512 KiB; use a lower quality or a larger method");
        case VP8_ENC_ERROR_FILE_TOO_BIG: throw std::invalid_argument("WebP cannot store a file over 4 GiB");
        default: throw Error("WebP encoder failed (libwebp error " + std::to_string(static_cast<int>(code)) + ")");
    }
}

// The pixels as libwebp's importers take them: rows of adjacent pixels of
// adjacent channels at a positive int stride. Any other layout (and L,
// which WebP stores as grey RGB) is packed into `scratch` first.
const std::uint8_t* packed_rows(const StridedArray& image, PixelMode mode, std::vector<std::uint8_t>& scratch,
                                int& stride) {
    const int height = static_cast<int>(image.shape()[0]), width = static_cast<int>(image.shape()[1]);
    const int channels = image.ndim() == 3 ? static_cast<int>(image.shape()[2]) : 1;
    const Index row = image.strides()[0], pixel = image.strides()[1];
    const Index channel = image.ndim() == 3 ? image.strides()[2] : 1;
    if (mode != PixelMode::L && pixel == channels && (channels == 1 || channel == 1) &&
        row >= static_cast<Index>(width) * channels && row <= INT_MAX) {
        stride = static_cast<int>(row);
        return image.data();
    }
    const int out_channels = mode == PixelMode::L ? 3 : channels;
    stride = width * out_channels;
    scratch.resize(static_cast<std::size_t>(stride) * height);
    for (int y = 0; y < height; ++y) {
        const std::uint8_t* s = image.data() + y * row;
        std::uint8_t* d = scratch.data() + static_cast<std::size_t>(y) * stride;
        for (int x = 0; x < width; ++x, s += pixel, d += out_channels) {
            if (mode == PixelMode::L) {
                d[0] = d[1] = d[2] = s[0];
            } else {
                for (int c = 0; c < channels; ++c) d[c] = s[c * channel];
            }
        }
    }
    return scratch.data();
}

bool import(WebPPicture& picture, PixelMode mode, const std::uint8_t* rows, int stride) {
    switch (mode) {
        case PixelMode::L:
        case PixelMode::RGB: return WebPPictureImportRGB(&picture, rows, stride);
        case PixelMode::BGR: return WebPPictureImportBGR(&picture, rows, stride);
        case PixelMode::RGBA: return WebPPictureImportRGBA(&picture, rows, stride);
        case PixelMode::BGRA: return WebPPictureImportBGRA(&picture, rows, stride);
        case PixelMode::RGBX: return WebPPictureImportRGBX(&picture, rows, stride);
        default:
            throw std::invalid_argument("WebP cannot store mode " + std::string(pixel_mode_name(mode)) +
                                        " (it stores RGB, BGR, RGBA, BGRA, RGBX and L)");
    }
}

void set_chunk(WebPMux* mux, const char* fourcc, const std::string& bytes) {
    if (bytes.empty()) return;
    WebPData data{reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()};
    WebPMuxError error = WebPMuxSetChunk(mux, fourcc, &data, 1);
    if (error == WEBP_MUX_MEMORY_ERROR) throw std::bad_alloc();
    if (error != WEBP_MUX_OK) throw Error(std::string("WebP encoder: cannot store the ") + fourcc + " chunk");
}

}  // namespace

EncodedBytes encode(const StridedArray& image, const ImageMeta& meta, const Options& options) {
    if (image.dtype() != DType::U8) throw std::invalid_argument("WebP encoding needs uint8 pixels");
    const int channels = encode_channels(image, meta, "WebP");
    if (image.shape()[0] == 0 || image.shape()[1] == 0) throw std::invalid_argument("cannot encode an empty image");
    if (image.shape()[0] > WEBP_MAX_DIMENSION || image.shape()[1] > WEBP_MAX_DIMENSION)
        throw std::invalid_argument("WebP cannot store an image larger than 16383 pixels a side");

    WebPConfig config;
    const int quality = static_cast<int>(int_option(options, "quality", 80));
    if (!WebPConfigPreset(&config, WEBP_PRESET_DEFAULT, static_cast<float>(quality)))
        throw Error("libwebp: encoder version mismatch");
    config.lossless = bool_option(options, "lossless", false);
    config.method = static_cast<int>(int_option(options, "method", 4));
    if (!WebPValidateConfig(&config))
        throw std::invalid_argument("WebP options out of range (quality 0-100, method 0-6)");

    Picture holder;
    WebPPicture& picture = holder.get();
    picture.width = static_cast<int>(image.shape()[1]);
    picture.height = static_cast<int>(image.shape()[0]);
    // Lossless works on ARGB; lossy converts straight to YUV on import.
    picture.use_argb = config.lossless;
    std::vector<std::uint8_t> scratch;
    int stride = 0;
    const std::uint8_t* rows = packed_rows(image, meta.mode, scratch, stride);
    if (!import(picture, meta.mode, rows, stride)) throw std::bad_alloc();
    if (!WebPEncode(&config, &picture)) throw_encoding_error(picture.error_code);
    if (meta.icc.empty() && meta.exif.empty()) return holder.release();

    // libwebpmux adds the chunks and the VP8X header that announces them.
    WebPData bitstream = holder.output();
    std::unique_ptr<WebPMux, MuxDelete> mux(WebPMuxCreate(&bitstream, 0));
    if (!mux) throw Error("WebP encoder: libwebpmux cannot read the encoded image");
    set_chunk(mux.get(), "ICCP", meta.icc);
    set_chunk(mux.get(), "EXIF", meta.exif);
    WebPData assembled;
    WebPDataInit(&assembled);
    WebPMuxError error = WebPMuxAssemble(mux.get(), &assembled);
    if (error != WEBP_MUX_OK) {
        WebPDataClear(&assembled);
        if (error == WEBP_MUX_MEMORY_ERROR) throw std::bad_alloc();
        throw Error("WebP encoder: libwebpmux cannot assemble the file");
    }
    EncodedBytes bytes;
    bytes.data = {const_cast<std::uint8_t*>(assembled.bytes), WebPFree};
    bytes.size = assembled.size;
    return bytes;
}

}  // namespace mediaview::webp
