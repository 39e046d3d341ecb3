// Decoding an image, the one home of its policy: which codec, the output
// buffer (ours or the caller's out=), and the EXIF orientation as a view.
#pragma once

#include "src/caller_buffer.hpp"
#include "src/codec_table.hpp"

namespace mediaview {

struct DecodedImage {
    // (H, W) or (H, W, C), upright when the request was `oriented`: a
    // strided view over the stored frame, or over the caller's out=.
    StridedArray pixels;
    // As the view shows it: when oriented, its EXIF says orientation 1 and
    // a transposing orientation has swapped dpi_x and dpi_y.
    ImageMeta meta;
    int orientation = 1;  // the EXIF orientation found (applied when the request was oriented)
};

// `out`: the caller's buffer, or nullptr to allocate. Warnings go to
// `diagnostics`. Runs without Python: call it with the GIL released.
DecodedImage decode_image(const CodecTable& codecs, ByteSpan data, const ImageRequest& request,
                          const CallerBuffer* out, Diagnostics& diagnostics);

ImageInfo probe_image(const CodecTable& codecs, ByteSpan data);

// What decode_image will produce for this request, from the header alone
// (no pixel is decoded): the shape the caller sees ((H, W) or (H, W, C),
// upright when `oriented`, the size= when resizing) and the element type.
// Throws what decode_image would throw for a bad header or request.
struct PlannedImage {
    std::vector<Index> shape;
    DType dtype = DType::U8;
};
PlannedImage plan_image(const CodecTable& codecs, ByteSpan data, const ImageRequest& request);

// frames='raw' only from codecs that give it, and mode P (palette indices)
// only from codecs whose files hold a palette
// (ArgumentError naming mode otherwise); the indices are no colours to
// resize or convert.
void check_palette(const ImageCodec& codec, const ImageRequest& request);

}  // namespace mediaview
