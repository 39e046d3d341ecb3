#include "encode_image.hpp"

#include <algorithm>
#include <stdexcept>

namespace mediaview {
namespace {

std::string mode_names(const std::vector<PixelMode>& modes) {
    std::string text;
    for (PixelMode m : modes) text += (text.empty() ? "" : ", ") + std::string(pixel_mode_name(m));
    return text;
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

}  // namespace

EncodedBytes encode_image(const CodecTable& codecs, std::string_view format, const EncodeInput& input,
                          const Options& options) {
    const ImageCodec* codec = codecs.image_writer_for(format);
    if (!codec) throw UnsupportedFormatError("no codec writes '" + std::string(format) + "' images");
    check_options(codec->encode_options(), options, codec->name());
    ImageMeta meta{checked_mode(*codec, input), input.icc, input.exif};
    return codec->encode(input.pixels, meta, options);
}

}  // namespace mediaview
