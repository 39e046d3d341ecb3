// The small interface every codec implements. A codec lives in its own folder
// under decoders/, is plain C++ (no Python headers), and is listed once in the
// table in registry.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "errors.hpp"
#include "orientation.hpp"
#include "strided_array.hpp"

namespace mediaview {

// Encoded bytes the caller keeps alive for the duration of a call.
struct ByteSpan {
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
};

enum class MediaKind { Image, Audio };

class Decoder {
public:
    virtual ~Decoder() = default;
    virtual std::string_view name() const = 0;
    virtual MediaKind kind() const = 0;
    virtual std::string description() const = 0;
    virtual std::vector<std::string> extensions() const = 0;  // lower case, without the dot
    virtual std::string library_version() const = 0;
    // True when the first bytes of a file look like this codec's format.
    virtual bool sniff(ByteSpan head) const = 0;
};

// ---- images ---------------------------------------------------------------

enum class PixelMode { RGB, BGR, RGBA, BGRA, RGBX, L, CMYK };

int channels_of(PixelMode mode);
std::string_view pixel_mode_name(PixelMode mode);
PixelMode pixel_mode_from_name(std::string_view name);  // throws std::invalid_argument

struct ImageInfo {
    int width = 0;
    int height = 0;
    int components = 0;
    std::string colorspace;   // "YCbCr", "Gray", "RGB", "CMYK", "YCCK"
    std::string subsampling;  // "444", "422", "420", "440", "411", "441", "gray" or "unknown"
    bool progressive = false;
    bool arithmetic = false;
    int precision = 8;
    int orientation = 1;      // EXIF 1-8; 1 when absent or invalid
};

// A DCT-domain scale: either a fixed fraction num/den, or (num == 0) the
// smallest scale whose output is at least min_width x min_height.
struct ScaleRequest {
    int num = 1;
    int den = 1;
    int min_width = 0;
    int min_height = 0;
    // num == 0 selects the MinSize rule (so MinSize(0, 0) means "smallest").
    bool at_least_size() const { return num == 0; }
};

using CropRect = Rect;

struct ImageRequest {
    PixelMode mode = PixelMode::RGB;
    ScaleRequest scale;
    // With `oriented`, crop and the MinSize scale are given in the displayed
    // (EXIF-oriented) frame; the decoder maps them to the stored frame.
    bool oriented = false;
    std::optional<CropRect> crop;  // in output (scaled) pixels
    bool strict = false;           // every warning becomes a DecodeError
    bool allow_truncated = false;  // truncated data gives a partial image plus a warning
    std::uint64_t max_pixels = 0;  // width*height from the header; 0 = no limit
};

// The size of the pixels a decode will produce, known once the header is read.
// Sizes are in the stored frame, as the decoder writes the pixels.
struct OutputShape {
    int width = 0;
    int height = 0;
    int channels = 0;
    int orientation = 1;  // EXIF orientation found in the header
};

// Where a decoder writes: `height` rows of `width` pixels of `channels`
// adjacent bytes. Pixel (r, c) starts at data + r*row_stride + c*pixel_stride;
// either stride may be negative (a flipped or transposed caller buffer).
struct PixelTarget {
    std::uint8_t* data = nullptr;
    Index row_stride = 0;
    Index pixel_stride = 0;
};

// Called once, after the header is parsed and before any pixel is written, so
// the caller can allocate (or check its own buffer) knowing the exact size.
using TargetProvider = std::function<PixelTarget(const OutputShape&)>;

struct ImageDecodeResult {
    OutputShape shape;
    int orientation = 1;
};

class ImageDecoder : public Decoder {
public:
    MediaKind kind() const override { return MediaKind::Image; }
    virtual ImageInfo probe(ByteSpan data) const = 0;
    virtual ImageDecodeResult decode(ByteSpan data, const ImageRequest& request,
                                     const TargetProvider& target, Diagnostics& diagnostics) const = 0;
};

}  // namespace mediaview
