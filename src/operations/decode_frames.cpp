#include "decode_frames.hpp"

#include "decode_image.hpp"
#include "src/colour.hpp"

namespace mediaview {

DecodedFrames decode_frames(const CodecTable& codecs, ByteSpan data, const ImageRequest& request,
                            Diagnostics& diagnostics) {
    const ImageCodec& codec = codecs.image_codec_for(data);
    check_palette(codec, request);
    DecodedFrames out;
    auto provide = [&out](const FramesShape& s) -> FramesTarget {
        std::vector<Index> shape = {s.frames, s.frame.height, s.frame.width};
        if (s.frame.channels != 1) shape.push_back(s.frame.channels);
        out.frames = StridedArray::allocate(s.frame.dtype, shape);
        const std::vector<Index>& strides = out.frames.strides();
        return {{out.frames.data(), strides[1], strides[2]}, strides[0]};
    };
    FramesDecodeResult decoded = codec.decode_frames(data, request, provide, diagnostics);
    out.meta = std::move(decoded.meta);
    if (request.colour) convert_colour(out.frames, out.meta, *request.colour, request.strict, diagnostics);
    out.durations_ms = std::move(decoded.durations_ms);
    out.loop_count = decoded.loop_count;
    return out;
}

}  // namespace mediaview
