#include "decode_image.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "src/aligned_buffer.hpp"
#include "src/colour.hpp"
#include "src/exif.hpp"
#include "src/orientation.hpp"
#include "src/resize.hpp"

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

bool identity_scale(const ScaleRequest& scale) { return !scale.at_least_size() && scale.num == scale.den; }

void check_scale(const ImageCodec& codec, const ScaleRequest& scale) {
    if (identity_scale(scale) || !codec.scales().empty()) return;
    throw std::invalid_argument("scale has no meaning for " + std::string(codec.name()) +
                                ": its decoder cannot scale while decoding");
}

// frame= is checked here for codecs without frames, which would ignore it.
void check_frame(const ImageCodec& codec, int frame) {
    if (frame < 0) throw std::invalid_argument("frame must be 0 or more, not " + std::to_string(frame));
    if (frame != 0 && !codec.has_frames())
        throw std::invalid_argument("frame " + std::to_string(frame) + " does not exist: " +
                                    std::string(codec.name()) + " images have one frame");
}

}  // namespace

void check_palette(const ImageCodec& codec, const ImageRequest& request) {
    if (request.raw_frames && !codec.decodes_raw_frames())
        throw ArgumentError("frames", "frames='raw' is given for GIF only: " + std::string(codec.name()) +
                                          " frames are decoded composited; pass frames='composited'");
    if (request.mode != PixelMode::P) return;
    if (!codec.decodes_palette())
        throw ArgumentError("mode", "mode='P' (palette indices) is given for GIF and palette TIFF only: " +
                                        std::string(codec.name()) + " images have no palette; pass another mode");
    if (request.resize) throw ArgumentError("size", "size cannot resize palette indices (mode='P'): pass another mode");
    if (request.colour)
        throw ArgumentError("colorspace", "colorspace cannot convert palette indices (mode='P'): pass another mode");
}

namespace {

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

// The output size a decode will have (stored frame), learnt by letting the
// codec parse the header and stopping it at the moment it asks for a target,
// before any pixel is decoded: the same code path as the decode itself, so
// the plan cannot disagree with it.
struct Planned {
    OutputShape shape;
};

OutputShape planned_shape(const ImageCodec& codec, ByteSpan data, const ImageRequest& request) {
    Diagnostics ignored;  // the decode itself reports them
    try {
        codec.decode(data, request, [](const OutputShape& shape) -> PixelTarget { throw Planned{shape}; }, ignored);
    } catch (const Planned& planned) {
        return planned.shape;
    }
    throw DecodeError(std::string(codec.name()) + ": the decoder produced no image");
}

// ---- resize on load ----------------------------------------------------------

struct Geometry {
    int resized_width, resized_height;  // the whole image after resizing (displayed frame)
};

Geometry fit_geometry(int width, int height, const ResizeRequest& r) {
    if (r.fit == Fit::Fill) return {r.width, r.height};
    double sx = static_cast<double>(r.width) / width, sy = static_cast<double>(r.height) / height;
    if (r.fit == Fit::Cover) {
        double s = std::max(sx, sy);
        return {std::max(r.width, static_cast<int>(std::lround(width * s))),
                std::max(r.height, static_cast<int>(std::lround(height * s)))};
    }
    double s = std::min(sx, sy);
    return {std::clamp(static_cast<int>(std::lround(width * s)), 1, r.width),
            std::clamp(static_cast<int>(std::lround(height * s)), 1, r.height)};
}

void check_resize(const ResizeRequest& r, const ImageRequest& request) {
    if (r.width <= 0 || r.height <= 0)
        throw std::invalid_argument("size must be two positive numbers (width, height), not (" +
                                    std::to_string(r.width) + ", " + std::to_string(r.height) + ")");
    if (request.max_pixels && static_cast<std::uint64_t>(r.width) * static_cast<std::uint64_t>(r.height) > request.max_pixels)
        throw LimitError("size " + std::to_string(r.width) + "x" + std::to_string(r.height) + " pixels",
                         above_limit("max_pixels", request.max_pixels));
    if (!(r.reducing_gap == 0 || r.reducing_gap >= 1))
        throw std::invalid_argument("reducing_gap must be at least 1 (or None), not " + std::to_string(r.reducing_gap));
    if (!identity_scale(request.scale))
        throw std::invalid_argument("scale and size cannot be combined: size picks the decoder's scale itself");
}

std::string fill_text(const std::vector<std::uint32_t>& fill) {
    if (fill.size() == 1) return std::to_string(fill[0]);
    std::string text = "(";
    for (std::size_t i = 0; i < fill.size(); ++i) text += (i ? ", " : "") + std::to_string(fill[i]);
    return text + ")";
}

// fill= against the output it pads, once its channels and element type are
// known from the header: one value for every channel or one per channel,
// each within the element type's range (a value that does not fit would
// wrap around, a short tuple would repeat its last value).
void check_fill(const std::vector<std::uint32_t>& fill, const OutputShape& output) {
    const std::uint32_t top = output.dtype == DType::U16 ? 65535 : 255;
    const std::string given = "fill=" + fill_text(fill);
    if (fill.size() > 1 && fill.size() != static_cast<std::size_t>(output.channels))
        throw std::invalid_argument(given + " has " + std::to_string(fill.size()) + " values but the output has " +
                                    std::to_string(output.channels) + " channel" + (output.channels == 1 ? "" : "s") +
                                    ": give one value for all, or one per channel");
    for (std::uint32_t v : fill)
        if (v > top)
            throw std::invalid_argument(given + ": " + std::to_string(v) + " does not fit the output's " +
                                        std::string(dtype_name(output.dtype)) + " (0-" + std::to_string(top) + ")");
}

// The largest reduction among the codec's own scales (num/den <= 1) that
// keeps the image at least `need_w` x `need_h`; 1/1 when none does.
ScaleRequest shrink_on_load(const ImageCodec& codec, int width, int height, int need_w, int need_h) {
    ScaleRequest best;  // 1/1
    double best_factor = 1.0;
    for (auto [num, den] : codec.scales()) {
        if (num <= 0 || den <= 0 || num > den) continue;
        double factor = static_cast<double>(num) / den;
        // Decoders round a scaled size up (libjpeg's jdiv_round_up).
        long long w = (static_cast<long long>(width) * num + den - 1) / den;
        long long h = (static_cast<long long>(height) * num + den - 1) / den;
        if (w >= need_w && h >= need_h && factor < best_factor) {
            best = {num, den, 0, 0};
            best_factor = factor;
        }
    }
    return best;
}

// A thread's reusable memory for the decode before the resize (and the
// resized image before cover's crop): one decoded image per worker, kept
// between calls unless it was huge.
struct Scratch {
    std::vector<std::uint8_t> bytes;
    // `extra`: bytes kept free after the array (a decoder's scratch_after).
    StridedArray array(DType dtype, const std::vector<Index>& shape, std::size_t extra = 0) {
        std::vector<Index> strides = StridedArray::c_strides(shape, itemsize(dtype));
        std::size_t size = itemsize(dtype);
        for (Index n : shape) size *= static_cast<std::size_t>(n);
        if (bytes.size() < size + extra) bytes.resize(size + extra);
        auto storage = std::make_shared<Storage>();
        storage->data = bytes.data();
        storage->size = size;
        return StridedArray(std::move(storage), dtype, shape, std::move(strides));
    }
    void trim() {
        if (bytes.capacity() > (std::size_t{32} << 20)) std::vector<std::uint8_t>().swap(bytes);
    }
};

DecodedImage decode_resized(const ImageCodec& codec, ByteSpan data, const ImageRequest& request,
                            const CallerBuffer* out, Diagnostics& diagnostics) {
    const ResizeRequest& r = *request.resize;
    check_resize(r, request);
    ImageRequest inner = request;
    inner.resize.reset();
    // The source's size as shown (after crop and orientation), from the header.
    OutputShape full = planned_shape(codec, data, inner);
    check_fill(r.fill, full);
    bool transposed = request.oriented && exif_orientation_transposes(full.orientation);
    int shown_w = transposed ? full.height : full.width;
    int shown_h = transposed ? full.width : full.height;
    Geometry g = fit_geometry(shown_w, shown_h, r);
    // A crop is given in output pixels of the chosen scale: keep it at full size.
    if (!request.crop && r.reducing_gap > 0) {
        int need_w = static_cast<int>(std::ceil(g.resized_width * std::max(1.0, r.reducing_gap)));
        int need_h = static_cast<int>(std::ceil(g.resized_height * std::max(1.0, r.reducing_gap)));
        inner.scale = shrink_on_load(codec, shown_w, shown_h, need_w, need_h);
    }

    thread_local Scratch decoded_scratch;
    thread_local Scratch resized_scratch;
    StridedArray decoded;
    ImageDecodeResult result = codec.decode(
        data, inner,
        [&decoded](const OutputShape& shape) -> PixelTarget {
            decoded = decoded_scratch.array(shape.dtype, image_shape(shape), shape.scratch_after);
            return {decoded.data(), decoded.strides()[0], decoded.strides()[1], decoded.nbytes() + shape.scratch_after};
        },
        diagnostics);
    StridedArray source = request.oriented ? apply_exif_orientation(decoded, result.orientation) : decoded;

    // The output, always in the displayed frame.
    OutputShape final_shape{r.width, r.height, result.shape.channels, 1, result.shape.dtype};
    DecodedImage image;
    image.meta = std::move(result.meta);
    if (out) {
        PixelTarget unused;
        image.pixels = caller_target(*out, final_shape, false, unused);
    } else {
        image.pixels = StridedArray::allocate(final_shape.dtype, image_shape(final_shape));
    }
    StridedArray shown = image.pixels;  // what the colour conversion covers (not Contain's padding)
    switch (r.fit) {
        case Fit::Fill:
            resize_into(source, image.pixels, r.filter);
            break;
        case Fit::Cover: {
            std::vector<Index> shape = image_shape(final_shape);
            shape[0] = g.resized_height;
            shape[1] = g.resized_width;
            StridedArray resized = resized_scratch.array(final_shape.dtype, shape);
            resize_into(source, resized, r.filter);
            copy_pixels(window(resized, (g.resized_width - r.width) / 2, (g.resized_height - r.height) / 2, r.width,
                               r.height),
                        image.pixels);
            break;
        }
        case Fit::Contain:
            fill_pixels(image.pixels, r.fill);
            shown = window(image.pixels, (r.width - g.resized_width) / 2, (r.height - g.resized_height) / 2,
                           g.resized_width, g.resized_height);
            resize_into(source, shown, r.filter);
            break;
    }
    // After the resize: a pointwise conversion of the fewer pixels.
    if (request.colour) convert_colour(shown, image.meta, *request.colour, request.strict, diagnostics);
    decoded_scratch.trim();
    resized_scratch.trim();
    return image;
}

// The metadata of an upright view: its EXIF says orientation 1, and a
// transposing orientation swaps the resolution's axes.
void make_upright(ImageMeta& meta, int orientation) {
    if (!meta.exif.empty()) meta.exif = with_tiff_orientation(meta.exif, 1);
    if (exif_orientation_transposes(orientation)) std::swap(meta.dpi_x, meta.dpi_y);
}

// Below this, the room is a row or so: not worth a system call.
constexpr std::size_t kDiscardRoom = std::size_t{64} << 10;

DecodedImage decode_stored_or_oriented(const ImageCodec& codec, ByteSpan data, const ImageRequest& request,
                                       const CallerBuffer* out, Diagnostics& diagnostics) {
    check_scale(codec, request.scale);
    check_frame(codec, request.frame);
    check_palette(codec, request);
    if (request.resize) return decode_resized(codec, data, request, out, diagnostics);
    DecodedImage image;
    std::size_t room = 0;
    auto provide = [&](const OutputShape& shape) -> PixelTarget {
        PixelTarget target;
        if (out) {
            image.pixels = caller_target(*out, shape, request.oriented, target);
            return target;
        }
        // Our own block: the decoder's working room after the pixels too.
        room = shape.scratch_after;
        image.pixels = StridedArray::allocate(shape.dtype, image_shape(shape), room);
        return {image.pixels.data(), image.pixels.strides()[0], image.pixels.strides()[1],
                image.pixels.nbytes() + shape.scratch_after};
    };
    ImageDecodeResult decoded = codec.decode(data, request, provide, diagnostics);
    // The room outlives the decode as part of the block: its pages go back.
    if (room >= kDiscardRoom) discard_pages(image.pixels.data() + image.pixels.nbytes(), room);
    image.meta = std::move(decoded.meta);
    image.orientation = decoded.orientation;
    // Our own buffer holds the stored frame: orient it as a view. A caller's
    // buffer was already written through the inverse orientation.
    if (request.oriented && !out) image.pixels = apply_exif_orientation(image.pixels, decoded.orientation);
    // In place, right after the decode, while this thread still has the image.
    if (request.colour) convert_colour(image.pixels, image.meta, *request.colour, request.strict, diagnostics);
    return image;
}

}  // namespace

DecodedImage decode_image(const CodecTable& codecs, ByteSpan data, const ImageRequest& request,
                          const CallerBuffer* out, Diagnostics& diagnostics) {
    const ImageCodec& codec = codecs.image_codec_for(data);
    DecodedImage image = decode_stored_or_oriented(codec, data, request, out, diagnostics);
    if (request.oriented) make_upright(image.meta, image.orientation);
    return image;
}

ImageInfo probe_image(const CodecTable& codecs, ByteSpan data) {
    return codecs.image_codec_for(data).probe(data);
}

PlannedImage plan_image(const CodecTable& codecs, ByteSpan data, const ImageRequest& request) {
    const ImageCodec& codec = codecs.image_codec_for(data);
    check_scale(codec, request.scale);
    check_palette(codec, request);
    ImageRequest inner = request;
    inner.resize.reset();
    if (request.resize) check_resize(*request.resize, request);
    OutputShape shape = planned_shape(codec, data, inner);
    if (request.resize) {
        check_fill(request.resize->fill, shape);
        OutputShape resized{request.resize->width, request.resize->height, shape.channels, 1, shape.dtype};
        return {image_shape(resized), shape.dtype};
    }
    return {displayed_shape(shape, request.oriented), shape.dtype};
}

}  // namespace mediaview
