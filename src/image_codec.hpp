// The interface of an image codec: probe a header, decode into a target the
// caller provides, and (optionally) encode. Implementations live in
// decoders/<codec>/, are plain C++ (no Python headers), and are listed once
// in decoders/table.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec.hpp"
#include "errors.hpp"
#include "image_request.hpp"
#include "orientation.hpp"
#include "strided_array.hpp"

namespace mediaview {

struct ImageInfo {
    std::string format;       // the format's name, upper case as Pillow and soundfile spell them: "JPEG", "PNG"
    int width = 0;
    int height = 0;
    int components = 0;
    std::string colorspace;   // "YCbCr", "Gray", "RGB", "CMYK", "YCCK"
    std::string subsampling;  // "444", "422", "420", "440", "411", "441", "gray" or "unknown"
    bool progressive = false;
    bool arithmetic = false;
    int precision = 8;
    int orientation = 1;      // EXIF 1-8; 1 when absent or invalid
    bool has_icc = false;     // an ICC profile is embedded
    // What only this codec knows (e.g. PNG's colour type, interlacing),
    // listed after the common fields in every view of the info.
    Fields extra;
};

// The common fields first, then `extra`: the one list behind every view of an
// ImageInfo (attributes, as_dict, repr, the CLI's info).
Fields fields_of(const ImageInfo& info);

// The size of the pixels a decode will produce, known once the header is read.
// Sizes are in the stored frame, as the decoder writes the pixels.
struct OutputShape {
    int width = 0;
    int height = 0;
    int channels = 0;
    int orientation = 1;  // EXIF orientation found in the header
    DType dtype = DType::U8;
    // Working room the decoder would like right after the pixels when the
    // buffer is the library's own (PNG inflates its filtered rows there, so
    // no second image-sized buffer exists). Never part of the image: the
    // shape and strides are unchanged; a caller's buffer gets none.
    std::size_t scratch_after = 0;
};

// Where a decoder writes: `height` rows of `width` pixels of `channels`
// adjacent elements (of the shape's dtype). Strides are in bytes. Pixel (r, c) starts at data + r*row_stride + c*pixel_stride;
// either stride may be negative (a flipped or transposed caller buffer).
struct PixelTarget {
    std::uint8_t* data = nullptr;
    Index row_stride = 0;
    Index pixel_stride = 0;
    // Bytes writable from `data` onward as one block: the C-contiguous
    // pixels plus the shape's scratch_after, when the library allocated the
    // buffer and granted the room; 0 otherwise (a caller's buffer, a batch
    // slot), and the decoder must then stay within the pixels.
    std::size_t room = 0;
};

// Called once, after the header is parsed and before any pixel is written, so
// the caller can allocate (or check its own buffer) knowing the exact size.
using TargetProvider = std::function<PixelTarget(const OutputShape&)>;

// What a decoded image carries besides its pixels, so that a writer can
// store it again: the channel layout and the source's colour profile and
// EXIF block (raw bytes, empty when absent).
// ITU-T H.273 code points (PNG cICP, AVIF nclx).
struct Cicp {
    int primaries = 2;  // 2: unspecified
    int transfer = 2;
    int matrix = 2;
    bool full_range = true;
};

// The colour of the pixels when the file says it other than by an ICC
// profile. With nothing at all said, pixels are sRGB.
struct ColourTags {
    bool srgb = false;   // PNG sRGB chunk
    double gamma = 0;    // PNG gAMA: the encoding gamma (0.45455 for 1/2.2); 0: absent
    // PNG cHRM: white, red, green, blue, each (x, y); empty: absent.
    std::vector<double> chromaticities;
    std::optional<Cicp> cicp;
    bool any() const { return srgb || gamma > 0 || !chromaticities.empty() || cicp.has_value(); }
};

struct ImageMeta {
    PixelMode mode = PixelMode::RGB;
    std::string icc;  // after a colour conversion: the target profile
    std::string exif;  // the TIFF structure, without JPEG's "Exif\0\0" prefix
    double dpi_x = 0, dpi_y = 0;  // resolution in dots per inch; 0: not stated
    ColourTags colour;   // what else the file says of its colour (none after a conversion)
    // The codec has already converted to request.colour (JPEG's CMYK with a
    // profile); the operations do not convert again.
    bool colour_converted = false;
    // With mode P: the colours of the indices, palette_channels (3: RGB, 4:
    // RGBA) bytes an entry, as many entries as the file gives.
    std::string palette;
    int palette_channels = 3;
    // Per frame, what a codec says of it beyond its pixels (GIF's frames="raw":
    // its rectangle, disposal, transparent index, palette); empty otherwise.
    std::vector<Fields> frames;
    std::vector<std::string> frame_palettes;  // beside `frames`: each frame's RGB colour table
};

struct ImageDecodeResult {
    OutputShape shape;
    int orientation = 1;
    ImageMeta meta;  // mode as decoded; icc and exif as found in the file
};

// Every frame of an animation, composited as a viewer shows it, in one
// (T, H, W, C) block: frame t is the PixelTarget `first` moved by
// t * frame_stride bytes.
struct FramesShape {
    int frames = 0;
    OutputShape frame;  // the size of each frame (all alike)
};
struct FramesTarget {
    PixelTarget first;
    Index frame_stride = 0;
};
using FramesTargetProvider = std::function<FramesTarget(const FramesShape&)>;
struct FramesDecodeResult {
    FramesShape shape;
    ImageMeta meta;
    std::vector<int> durations_ms;  // how long each frame shows
    int loop_count = 0;             // 0: loops forever
};

// Compressed bytes, owned however the library that made them allocates.
struct EncodedBytes {
    std::unique_ptr<std::uint8_t, void (*)(void*)> data{nullptr, nullptr};
    std::size_t size = 0;
    // What the caller gave that the format could hold but this writer did
    // not store, in the user's terms (the bindings warn once for each).
    std::vector<std::string> unstored;
};

// For an encoder: the channel count of `image`, after checking that it is
// (H, W) or (H, W, C) and that meta.mode has that many channels
// (std::invalid_argument otherwise; `format` names the encoder in messages).
int encode_channels(const StridedArray& image, const ImageMeta& meta, std::string_view format);

class ImageCodec : public Codec {
public:
    MediaKind kind() const override { return MediaKind::Image; }

    // ---- reading
    virtual ImageInfo probe(ByteSpan data) const = 0;
    // Reads the header, calls `target` once with the output's size, writes
    // every pixel into it; throws DecodeError, LimitError, std::invalid_argument.
    virtual ImageDecodeResult decode(ByteSpan data, const ImageRequest& request,
                                     const TargetProvider& target, Diagnostics& diagnostics) const = 0;
    // The scales (num, den) the decoder applies while decoding (JPEG's k/8);
    // empty when it has none and a scale is an error.
    virtual std::vector<std::pair<int, int>> scales() const { return {}; }
    // Whether its files may hold several frames (animations); a codec that
    // says so honours request.frame and implements decode_frames.
    virtual bool has_frames() const { return false; }
    // Whether it gives mode P (palette indices, with ImageMeta::palette);
    // the operations refuse mode P for the others, naming the option.
    virtual bool decodes_palette() const { return false; }
    // What a decode gives (formats()' read_modes, read_dtypes): the modes
    // it decodes to and the element types of its files; empty: not stated.
    virtual std::vector<PixelMode> decode_modes() const { return {}; }
    virtual std::vector<DType> decode_dtypes() const { return {}; }
    // Whether it honours request.raw_frames (frames="raw").
    virtual bool decodes_raw_frames() const { return false; }
    // Every frame, composited, into the target the provider returns (called
    // once, with the frame count and size); `request.frame` is ignored.
    // Codecs of still images keep this default.
    virtual FramesDecodeResult decode_frames(ByteSpan, const ImageRequest&, const FramesTargetProvider&,
                                             Diagnostics&) const {
        throw UnsupportedFormatError(std::string(name()) + " images have no frames to decode");
    }

    // ---- writing; a codec that cannot write keeps these defaults
    virtual bool can_encode() const { return false; }
    virtual bool lossy() const { return false; }
    virtual std::vector<OptionSpec> encode_options() const { return {}; }
    // The layouts (and element types) it stores.
    virtual std::vector<PixelMode> encode_modes() const { return {}; }
    virtual std::vector<DType> encode_dtypes() const { return {DType::U8}; }
    // Encodes `pixels` ((H, W) or (H, W, C) of U8 or U16, any strides), laid
    // out as meta.mode, storing meta.icc and meta.exif where the format can.
    // `options` were checked against encode_options(). Throws
    // std::invalid_argument for what the format cannot store.
    virtual EncodedBytes encode(const StridedArray& pixels, const ImageMeta& meta, const Options& options) const;
    // Whether one file holds several images as pages (TIFF's IFDs), written
    // by encode_pages; an animation's durations are not pages' business.
    virtual bool encodes_pages() const { return false; }
    // Every image as one page, in order; each page as encode() takes it
    // (its own size, layout and metadata). Throws as encode() does.
    virtual EncodedBytes encode_pages(const std::vector<StridedArray>& pages, const std::vector<ImageMeta>& metas,
                                      const Options& options) const;
};

}  // namespace mediaview
