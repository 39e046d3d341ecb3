// Colour conversion on decode with LittleCMS (lcms2): the source's colour
// (an embedded ICC profile, or one built from PNG's sRGB/gAMA/cHRM chunks or
// CICP code points; sRGB when the file says nothing) converted to the
// request's target (sRGB, linear sRGB, or any ICC profile), in place.
//
// Transforms are cached across calls and threads, keyed by the two
// profiles' digests, the pixel format and the intent. lcms2's messages are
// captured, never printed; a profile it refuses is a ColourProfileError,
// which convert_colour turns into a warning (pixels left as decoded) or,
// under strict, a DecodeError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "image_codec.hpp"

namespace mediaview {

// A profile (or its use) that lcms2 refuses: broken, hostile, too large, of
// the wrong colour space for the pixels.
struct ColourProfileError : Error {
    using Error::Error;
};

// ICC profiles larger than this are refused before lcms2 parses them (real
// press profiles are at most a few MB).
constexpr std::size_t kMaxProfileBytes = std::size_t{8} << 20;

// A cached lcms2 transform between two pixel layouts of the same size per
// pixel (so it may run in place). Thread-safe: lcms2 keeps no state per call
// in a transform made without its one-pixel cache.
class ColourTransform {
public:
    virtual ~ColourTransform() = default;
    // `pixels` pixels from `in` to `out` (which may be the same memory).
    virtual void apply(const void* in, void* out, std::size_t pixels) const = 0;
    // `rows` rows of `pixels`, each row `row_bytes` apart (in and out alike).
    virtual void apply_rows(const void* in, void* out, std::size_t pixels, std::size_t rows,
                            std::size_t row_bytes) const = 0;
    // A few ns a pixel or less (our matrix/TRC fast path), cheap enough to
    // run inside a decoder's row loop; lcms2's own transforms are not (30-60
    // ns a pixel: those convert after the decode, on every core).
    virtual bool cheap() const { return false; }
};

// The transform from the colour `source` describes (icc, else its tags,
// else sRGB) for pixels laid out as `in_mode` to the request's target for
// `out_mode` (both of `dtype`). CMYK in_mode needs a CMYK source profile.
// Throws ColourProfileError for a profile lcms2 refuses, std::invalid_argument
// for a request that cannot apply (an RGB target for grey pixels).
std::shared_ptr<const ColourTransform> colour_transform(const ImageMeta& source, PixelMode in_mode,
                                                        PixelMode out_mode, DType dtype,
                                                        const ColourRequest& request);

// The ICC bytes of the request's target for pixels of `mode` (the grey
// sRGB profile for grey pixels when the target is "srgb").
std::string target_profile(const ColourRequest& request, PixelMode mode);

// Whether `icc` is a CMYK profile lcms2 opens (the JPEG decoder's test for
// converting CMYK accurately).
bool is_cmyk_profile(const std::string& icc);

// Converts `pixels` ((..., H, W[, C]) laid out as meta.mode, U8, U16 or F32,
// any strides) in place to request's target; meta.icc becomes the target
// profile. A source lcms2 refuses: a warning in `diagnostics` and the pixels
// untouched, or DecodeError when `strict`.
void convert_colour(const StridedArray& pixels, ImageMeta& meta, const ColourRequest& request, bool strict,
                    Diagnostics& diagnostics);

// For a decoder that converts each band of rows right after it writes
// them, while they are still in cache (the JPEG decoder): the transform
// from `meta`'s colour to the request's target for `mode` pixels of
// `dtype`, where it is cheap (our fast path); `meta` then describes the
// converted pixels (target profile, colour_converted), so convert_colour
// after the decode leaves them. Null, and `meta` unchanged, for everything
// else: no request, nothing to convert, lcms2's own transforms (converted
// after the decode, on every core), a refused profile (reported there).
std::shared_ptr<const ColourTransform> decoder_row_transform(const std::optional<ColourRequest>& request,
                                                             ImageMeta& meta, PixelMode mode, DType dtype);

// Converting each band of rows as a decoder writes it (with a transform
// from decoder_row_transform): `decode(band)` runs on this thread and calls
// band(first_row, rows) after writing each band of the `rows` rows (`width`
// adjacent pixels, `row_stride` bytes apart from `base`). For a large image,
// a free worker of the pool converts the bands on another core while this
// one decodes on; until one starts (in a batch the workers are busy with
// other images), each band is converted right here, while it is in cache.
// A helper that falls behind (waiting for a core) gets no more bands until
// it catches up, and the decoder, done, converts what is left beside it.
// An exception from `decode` is passed on once no band is being converted.
using BandDone = std::function<void(std::size_t first_row, std::size_t rows)>;
void decode_converting(const ColourTransform& t, std::uint8_t* base, std::size_t width, std::ptrdiff_t row_stride,
                       std::size_t rows, const std::function<void(const BandDone&)>& decode);

// A warning (or under strict, a DecodeError) for a colour conversion that
// could not be made; codecs that convert themselves (JPEG's CMYK) report
// through it too.
void report_colour_problem(const std::string& why, bool strict, Diagnostics& diagnostics);

}  // namespace mediaview
