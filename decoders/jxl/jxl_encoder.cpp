// The JPEG XL encoder: one frame through libjxl's JxlEncoder, sRGB (or the
// given ICC profile), the EXIF orientation as the codestream's orientation.
#include "jxl_codec.hpp"

#include <jxl/encode.h>
#include <jxl/encode_cxx.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/exif.hpp"

namespace mediaview::jxl {
namespace {

// cjxl's mapping of --quality onto a butteraugli distance (0.7's tools).
float distance_for(int quality) {
    if (quality >= 100) return 0.0f;
    if (quality >= 30) return 0.1f + (100 - quality) * 0.09f;
    return static_cast<float>(6.4 + std::pow(2.5, (30 - quality) / 5.0) / 6.25);
}

// The pixels packed as libjxl takes them: RGB(A) or grey(+alpha), BGR
// reordered, rows adjacent.
std::vector<std::uint8_t> packed(const StridedArray& image, PixelMode mode) {
    const Index height = image.shape()[0], width = image.shape()[1];
    const int channels = image.ndim() == 3 ? static_cast<int>(image.shape()[2]) : 1;
    const Index row = image.strides()[0], pixel = image.strides()[1];
    const Index channel = image.ndim() == 3 ? image.strides()[2] : 0;
    const std::size_t bytes = image.itemsize();
    const bool bgr = mode == PixelMode::BGR || mode == PixelMode::BGRA;
    std::vector<std::uint8_t> out(static_cast<std::size_t>(height * width * channels) * bytes);
    std::uint8_t* d = out.data();
    for (Index y = 0; y < height; ++y) {
        const std::uint8_t* s = image.data() + y * row;
        for (Index x = 0; x < width; ++x, s += pixel) {
            for (int c = 0; c < channels; ++c, d += bytes) {
                int from = bgr && c < 3 ? 2 - c : c;
                std::memcpy(d, s + from * channel, bytes);
            }
        }
    }
    return out;
}

void check(JxlEncoderStatus status, const char* what) {
    if (status != JXL_ENC_SUCCESS) throw Error(std::string("JPEG XL encoder failed (") + what + ")");
}

}  // namespace

EncodedBytes encode(const StridedArray& image, const ImageMeta& meta, const Options& options) {
    if (image.dtype() != DType::U8 && image.dtype() != DType::U16)
        throw std::invalid_argument("JPEG XL encoding needs uint8 or uint16 pixels");
    const int channels = encode_channels(image, meta, "JPEG XL");
    if (meta.mode == PixelMode::RGBX || meta.mode == PixelMode::CMYK)
        throw std::invalid_argument("JPEG XL cannot store mode " + std::string(pixel_mode_name(meta.mode)) +
                                    " (it stores RGB, BGR, RGBA, BGRA, L and LA)");
    if (image.shape()[0] == 0 || image.shape()[1] == 0) throw std::invalid_argument("cannot encode an empty image");
    const bool grey = meta.mode == PixelMode::L || meta.mode == PixelMode::LA;
    const bool alpha = channels == 2 || channels == 4;
    const bool lossless = bool_option(options, "lossless", false);
    const bool wide = image.dtype() == DType::U16;

    JxlEncoderPtr enc = JxlEncoderMake(nullptr);
    if (!enc) throw std::bad_alloc();
    JxlBasicInfo info;
    JxlEncoderInitBasicInfo(&info);
    info.xsize = static_cast<std::uint32_t>(image.shape()[1]);
    info.ysize = static_cast<std::uint32_t>(image.shape()[0]);
    info.bits_per_sample = wide ? 16 : 8;
    info.num_color_channels = grey ? 1 : 3;
    info.num_extra_channels = alpha ? 1 : 0;
    info.alpha_bits = alpha ? info.bits_per_sample : 0;
    info.uses_original_profile = lossless ? JXL_TRUE : JXL_FALSE;
    // The EXIF orientation becomes the codestream's (JPEG XL orients by it;
    // the EXIF block itself is not stored). Some callers keep JPEG's prefix.
    std::string tiff = meta.exif.compare(0, 6, std::string("Exif\0\0", 6)) == 0 ? meta.exif.substr(6) : meta.exif;
    int orientation = tiff_orientation(reinterpret_cast<const std::uint8_t*>(tiff.data()), tiff.size());
    info.orientation = static_cast<JxlOrientation>(orientation);
    check(JxlEncoderSetBasicInfo(enc.get(), &info), "image size or depth");
    if (!meta.icc.empty()) {
        check(JxlEncoderSetICCProfile(enc.get(), reinterpret_cast<const std::uint8_t*>(meta.icc.data()), meta.icc.size()),
              "ICC profile");
    } else {
        JxlColorEncoding srgb;
        JxlColorEncodingSetToSRGB(&srgb, grey ? JXL_TRUE : JXL_FALSE);
        check(JxlEncoderSetColorEncoding(enc.get(), &srgb), "colour encoding");
    }
    JxlEncoderFrameSettings* settings = JxlEncoderFrameSettingsCreate(enc.get(), nullptr);
    if (!settings) throw std::bad_alloc();
    check(JxlEncoderFrameSettingsSetOption(settings, JXL_ENC_FRAME_SETTING_EFFORT, int_option(options, "effort", 7)),
          "effort");
    if (lossless) {
        check(JxlEncoderSetFrameLossless(settings, JXL_TRUE), "lossless");
    } else {
        check(JxlEncoderSetFrameDistance(settings, distance_for(static_cast<int>(int_option(options, "quality", 90)))),
              "distance");
    }
    const std::vector<std::uint8_t> pixels = packed(image, meta.mode);
    JxlPixelFormat format{static_cast<std::uint32_t>(channels), wide ? JXL_TYPE_UINT16 : JXL_TYPE_UINT8,
                          JXL_NATIVE_ENDIAN, 0};
    check(JxlEncoderAddImageFrame(settings, &format, pixels.data(), pixels.size()), "pixels");
    JxlEncoderCloseInput(enc.get());

    std::vector<std::uint8_t> out(std::max<std::size_t>(4096, pixels.size() / 4));
    std::uint8_t* next = out.data();
    std::size_t avail = out.size();
    for (;;) {
        JxlEncoderStatus s = JxlEncoderProcessOutput(enc.get(), &next, &avail);
        if (s == JXL_ENC_SUCCESS) break;
        if (s != JXL_ENC_NEED_MORE_OUTPUT) check(s, "encoding");
        std::size_t used = static_cast<std::size_t>(next - out.data());
        out.resize(out.size() * 2);
        next = out.data() + used;
        avail = out.size() - used;
    }
    const std::size_t size = static_cast<std::size_t>(next - out.data());
    EncodedBytes bytes;
    auto* copy = static_cast<std::uint8_t*>(std::malloc(size));
    if (!copy) throw std::bad_alloc();
    std::memcpy(copy, out.data(), size);
    bytes.data = {copy, std::free};
    bytes.size = size;
    return bytes;
}

}  // namespace mediaview::jxl
