#include "decode_image.hpp"

#include <stdexcept>

#include "src/orientation.hpp"

namespace mediaview {
namespace {

std::vector<Index> image_shape(const OutputShape& s) {
    if (s.channels == 1) return {s.height, s.width};
    return {s.height, s.width, s.channels};
}

// The shape the caller sees: the displayed frame when oriented.
std::vector<Index> displayed_shape(const OutputShape& s, bool oriented) {
    if (oriented && exif_orientation_transposes(s.orientation)) {
        OutputShape t = s;
        std::swap(t.width, t.height);
        return image_shape(t);
    }
    return image_shape(s);
}

void check_scale(const ImageCodec& codec, const ScaleRequest& scale) {
    bool identity = !scale.at_least_size() && scale.num == scale.den;
    if (identity || !codec.scales().empty()) return;
    throw std::invalid_argument("scale has no meaning for " + std::string(codec.name()) +
                                ": its decoder cannot scale while decoding");
}

// The caller's out= as the displayed frame, after checking its element type,
// exact shape and adjacent channels (rows and pixels may otherwise lie
// anywhere: padded rows, a slot of a batch, a flipped view); `target`
// receives where the decoder writes the stored frame, through the inverse
// orientation.
StridedArray caller_target(const CallerBuffer& out, const OutputShape& s, bool oriented, PixelTarget& target) {
    StridedArray shown = checked_out(out, s.dtype, displayed_shape(s, oriented), "the decoded image");
    if (shown.ndim() == 3 && shown.strides()[2] != static_cast<Index>(shown.itemsize()))
        throw std::invalid_argument("out must keep the channels of a pixel adjacent (last stride " +
                                    std::to_string(shown.itemsize()) + ")");
    StridedArray stored = oriented ? apply_exif_orientation(shown, inverse_exif_orientation(s.orientation)) : shown;
    target = {stored.data(), stored.strides()[0], stored.strides()[1]};
    return shown;
}

}  // namespace

DecodedImage decode_image(const CodecTable& codecs, ByteSpan data, const ImageRequest& request,
                          const CallerBuffer* out, Diagnostics& diagnostics) {
    const ImageCodec& codec = codecs.image_codec_for(data);
    check_scale(codec, request.scale);
    DecodedImage image;
    auto provide = [&](const OutputShape& shape) -> PixelTarget {
        PixelTarget target;
        if (out) {
            image.pixels = caller_target(*out, shape, request.oriented, target);
            return target;
        }
        image.pixels = StridedArray::allocate(shape.dtype, image_shape(shape));
        return {image.pixels.data(), image.pixels.strides()[0], image.pixels.strides()[1]};
    };
    ImageDecodeResult decoded = codec.decode(data, request, provide, diagnostics);
    image.meta = std::move(decoded.meta);
    // Our own buffer holds the stored frame: orient it as a view. A caller's
    // buffer was already written through the inverse orientation.
    if (request.oriented && !out) image.pixels = apply_exif_orientation(image.pixels, decoded.orientation);
    return image;
}

ImageInfo probe_image(const CodecTable& codecs, ByteSpan data) {
    return codecs.image_codec_for(data).probe(data);
}

}  // namespace mediaview
