// What a caller asks of an image decode: one plain struct with its defaults,
// and the one table of its options (image_request_options()) that every
// front end reads. The Python bindings build an ImageRequest from keywords
// through that table, the CLI from flags, C++ callers (tests, fuzzers) set
// the fields; every check of a value lives in the table's setters and in
// finish_request(), so each option means the same and fails the same way in
// decode_image, decode_images, plan_images, decode_frames and the Dask
// readers.
//
// A new decode option: its field here, its entry (setter and doc) in
// image_request.cpp, its use in the operation or codec, and its line in the
// stub (python/mediaview/_core.pyi).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dtype.hpp"
#include "orientation.hpp"
#include "pixel_mode.hpp"
#include "request_option.hpp"

namespace mediaview {

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

// Resize on load (size=): how the image meets the target size, and the
// resampling kernel (src/resize.hpp). Decoders never see it: the
// decode_image operation decodes at the largest DCT reduction that keeps the
// image at least as large as needed, then resizes into the final buffer.
enum class Fit { Fill, Cover, Contain };  // exact size / scale to cover, centre-crop / scale to fit, pad
enum class ResizeFilter { Area, Bilinear, Bicubic, Lanczos };

struct ResizeRequest {
    int width = 0;   // the output's size, in the displayed frame when `oriented`
    int height = 0;
    Fit fit = Fit::Fill;
    ResizeFilter filter = ResizeFilter::Area;
    // Contain's padding, per channel (repeated when fewer are given).
    std::vector<std::uint32_t> fill;
    // Pillow's reducing_gap: the decoder's own reduction (JPEG's DCT
    // scaling) stops where the resize after it still shrinks by at least this
    // factor; 1: the largest reduction that keeps the target size (fastest);
    // 0: none (the resize sees the full-size decode). Measured here against
    // Pillow's resize of the full decode, 1 gives 28-35 dB, 2 above 35.
    double reducing_gap = 2.0;
};

// Colour conversion on decode (src/colour.hpp): the rendering intent of
// LittleCMS, and the profile the pixels are converted to.
enum class Intent { Perceptual, RelativeColorimetric, Saturation, AbsoluteColorimetric };

struct ColourRequest {
    // "srgb", "linear-srgb", or the bytes of an ICC profile (RGB, or grey
    // for grey images).
    std::string target = "srgb";
    Intent intent = Intent::RelativeColorimetric;
    bool black_point_compensation = true;
};

struct ImageRequest {
    // nullopt: the file's own layout (grey: L, grey+alpha: LA, colour: RGB,
    // with alpha: RGBA, CMYK: CMYK).
    std::optional<PixelMode> mode = PixelMode::RGB;
    // The element type: U8 or U16; nullopt: the file's own depth (U16 for
    // 16-bit data where the codec keeps it, else U8).
    std::optional<DType> dtype;
    ScaleRequest scale;
    // With `oriented`, crop and the MinSize scale are given in the displayed
    // (EXIF-oriented) frame; the decoder maps them to the stored frame.
    bool oriented = false;
    std::optional<CropRect> crop;  // in output (scaled) pixels
    bool strict = false;           // every warning becomes a DecodeError
    bool allow_truncated = false;  // truncated data gives a partial image plus a warning
    std::uint64_t max_pixels = 0;  // width*height from the header; 0 = no limit
    // Threads the codec's library may run for this one decode (dav1d's,
    // libjxl's runner). Not a user option: a lone decode_image/decode_frames
    // gets the machine's cores (lone_decode() below); a batch keeps 1, its
    // threads= running one decode a core.
    int codec_threads = 1;
    int frame = 0;                 // an animation's frame (composited); 0 for still images
    // frames="raw": each frame's own pixels at its rectangle, not composited
    // (GIF only: ImageCodec::decodes_raw_frames).
    bool raw_frames = false;
    // Handled by the decode_image operation, never by a codec.
    std::optional<ResizeRequest> resize;
    // nullopt: the file's values as stored. Else converted after the decode
    // (by the operations, or by a codec that must, as JPEG for CMYK to RGB).
    std::optional<ColourRequest> colour;
};

// Every option of an ImageRequest, in the order the docs list them.
// The request of a decode that runs alone (not one item of a batch): the
// codec may thread it over the machine's cores.
ImageRequest lone_decode(ImageRequest request);

const std::vector<RequestOption<ImageRequest>>& image_request_options();

// Sets one option by name: an unknown name is an ArgumentTypeError listing
// the options, a bad value an ArgumentError/ArgumentTypeError naming it.
void set_image_option(ImageRequest& request, std::string_view name, const OptionInput& value);

// After the options are set: what only their combination decides (fit,
// filter, fill and reducing_gap mean nothing without size).
void finish_request(ImageRequest& request);

// The request's crop in the stored frame of a stored_width x stored_height
// output (the whole of it without a crop). An oriented request gives the
// crop in the displayed frame: it is checked against the displayed size,
// then mapped. std::invalid_argument when it does not lie inside.
CropRect checked_crop(const ImageRequest& request, int stored_width, int stored_height, int orientation);

}  // namespace mediaview
