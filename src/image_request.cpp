#include "image_request.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <string>

#include "resize.hpp"
#include "worker_pool.hpp"

namespace mediaview {
namespace {

constexpr std::int64_t int_max = std::numeric_limits<int>::max();

// fit, filter, fill and reducing_gap belong to the resize that size= asks
// for; finish_request() drops them when no size was given.
ResizeRequest& resize_of(ImageRequest& r) {
    if (!r.resize) r.resize.emplace();
    return *r.resize;
}

void set_mode(ImageRequest& r, const OptionInput& v) {
    if (is_none(v)) r.mode.reset();
    else r.mode = by_name(v, "mode", [](const std::string& name) { return pixel_mode_from_name(name); });
}

}  // namespace

ImageRequest lone_decode(ImageRequest request) {
    request.codec_threads = std::max(1, WorkerPool::usable_cores());
    return request;
}

namespace {

void set_dtype(ImageRequest& r, const OptionInput& v) {
    if (is_none(v)) {
        r.dtype.reset();
        return;
    }
    // Every element type some codec gives (formats()' read_dtypes); a codec
    // refuses, naming its format, what it cannot give.
    std::string name = text_value(v, "dtype");
    try {
        r.dtype = dtype_from_name(name);
    } catch (const std::invalid_argument&) {
        throw ArgumentError("dtype", "image dtype must be one of uint8, uint16, uint32, int16, int32, float16, "
                                     "float32, float64 (or None), not '" + name + "'");
    }
}

void set_scale(ImageRequest& r, const OptionInput& v) {
    if (is_none(v)) {
        r.scale = {};
        return;
    }
    auto f = int_list(v, "scale", 2, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max());
    if (f[0] <= 0 || f[1] <= 0) throw ArgumentError("scale", "scale must be positive, not " + describe(v));
    if (f[0] > int_max || f[1] > int_max) throw ArgumentError("scale", "scale " + describe(v) + " is out of range");
    r.scale = {static_cast<int>(f[0]), static_cast<int>(f[1]), 0, 0};
}

void set_min_size(ImageRequest& r, const OptionInput& v) {
    auto wh = int_list(v, "scale", 2, std::numeric_limits<std::int64_t>::min(), int_max);
    if (wh[0] < 0 || wh[1] < 0) throw ArgumentError("scale", "MinSize dimensions must be non-negative");
    r.scale = {0, 0, static_cast<int>(wh[0]), static_cast<int>(wh[1])};
}

void set_crop(ImageRequest& r, const OptionInput& v) {
    if (is_none(v)) {
        r.crop.reset();
        return;
    }
    if (!std::holds_alternative<OptionList>(v) || std::get<OptionList>(v).items.size() != 4)
        throw ArgumentError("crop", "crop must be (x, y, width, height), not " + describe(v));
    auto c = int_list(v, "crop", 4, -int_max - 1, int_max);
    r.crop = CropRect{static_cast<int>(c[0]), static_cast<int>(c[1]), static_cast<int>(c[2]), static_cast<int>(c[3])};
}

void set_frames(ImageRequest& r, const OptionInput& v) {
    std::string name = text_value(v, "frames");
    if (name != "composited" && name != "raw")
        throw ArgumentError("frames", "frames must be 'composited' or 'raw', not " + describe(v));
    r.raw_frames = name == "raw";
}

void set_max_pixels(ImageRequest& r, const OptionInput& v) {
    if (is_none(v)) {
        r.max_pixels = 0;
        return;
    }
    double n = number_value(v, "max_pixels");
    if (std::isnan(n) || std::isinf(n) || n < 1) throw ArgumentError("max_pixels", "max_pixels must be positive (or None for no limit)");
    if (auto i = std::get_if<std::int64_t>(&v)) r.max_pixels = static_cast<std::uint64_t>(*i);
    else r.max_pixels = n >= 1.8e19 ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(n);
}

void set_size(ImageRequest& r, const OptionInput& v) {
    if (is_none(v)) {
        r.resize.reset();
        return;
    }
    if (!std::holds_alternative<OptionList>(v) || std::get<OptionList>(v).items.size() != 2)
        throw ArgumentError("size", "size must be (width, height), not " + describe(v));
    auto wh = int_list(v, "size", 2, -int_max - 1, int_max);
    if (wh[0] <= 0 || wh[1] <= 0)
        throw ArgumentError("size", "size must be two positive numbers (width, height), not " + describe(v));
    resize_of(r).width = static_cast<int>(wh[0]);
    resize_of(r).height = static_cast<int>(wh[1]);
}

void set_fill(ImageRequest& r, const OptionInput& v) {
    std::vector<std::int64_t> values;
    bool list = std::holds_alternative<OptionList>(v);
    if (!list && !std::holds_alternative<std::int64_t>(v))
        throw ArgumentTypeError("fill", "fill must be an int or up to 4 ints (one per channel), not " + describe(v));
    try {
        values = list ? int_list(v, "fill", 0, 0, 65535) : std::vector<std::int64_t>{int_value(v, "fill", 0, 65535)};
    } catch (const std::invalid_argument&) {
        values.clear();
    }
    if (values.empty() || values.size() > 4)
        throw ArgumentError("fill", "fill must be an int or up to 4 ints in 0..65535 (one per channel), not " +
                                        describe(v));
    resize_of(r).fill.assign(values.begin(), values.end());
}

void set_reducing_gap(ImageRequest& r, const OptionInput& v) {
    if (is_none(v)) {
        resize_of(r).reducing_gap = 0;
        return;
    }
    double gap = number_value(v, "reducing_gap");
    if (!(gap >= 1.0) || std::isinf(gap))
        throw ArgumentError("reducing_gap", "reducing_gap must be a finite number of at least 1.0 (or None), not " +
                                                describe(v));
    resize_of(r).reducing_gap = gap;
}

// colorspace= and intent= set one ColourRequest; intent alone (colorspace
// None) is dropped by finish_request().
ColourRequest& colour_of(ImageRequest& r) {
    if (!r.colour) {
        r.colour.emplace();
        r.colour->target.clear();  // colorspace not given (yet)
    }
    return *r.colour;
}

void set_colorspace(ImageRequest& r, const OptionInput& v) {
    if (is_none(v)) {
        if (r.colour) r.colour->target.clear();
        return;
    }
    if (auto bytes = std::get_if<OptionBytes>(&v)) {
        // An ICC profile: its size and signature here, its content by lcms2 (src/colour.cpp).
        if (bytes->data.size() < 128 || bytes->data.compare(36, 4, "acsp") != 0)
            throw ArgumentError("colorspace", "colorspace bytes must be an ICC profile (no 'acsp' signature)");
        colour_of(r).target = bytes->data;
        return;
    }
    std::string name = text_value(v, "colorspace");
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name != "srgb" && name != "linear-srgb")
        throw ArgumentError("colorspace", "colorspace must be 'srgb', 'linear-srgb' or ICC profile bytes, not " +
                                              describe(v));
    colour_of(r).target = name;
}

void set_intent(ImageRequest& r, const OptionInput& v) {
    std::string name = text_value(v, "intent");
    static const std::pair<const char*, Intent> intents[] = {{"perceptual", Intent::Perceptual},
                                                             {"relative", Intent::RelativeColorimetric},
                                                             {"saturation", Intent::Saturation},
                                                             {"absolute", Intent::AbsoluteColorimetric}};
    for (const auto& [known, intent] : intents) {
        if (name == known) {
            colour_of(r).intent = intent;
            return;
        }
    }
    throw ArgumentError("intent", "intent must be one of perceptual, relative, saturation, absolute, not " +
                                      describe(v));
}

}  // namespace

const std::vector<RequestOption<ImageRequest>>& image_request_options() {
    static const std::vector<RequestOption<ImageRequest>> options = {
        {"mode", "pixel layout: RGB, BGR, RGBA, BGRA, RGBX, L, LA or CMYK; None: the file's own", set_mode},
        {"dtype", "element type (uint8, uint16; float32 for JPEG XL; a TIFF's own); None: the codec's default", set_dtype},
        {"scale", "scale while decoding, as (numerator, denominator), where the codec can", set_scale},
        {"min_size", "the smallest codec scale whose output is at least (width, height) (Python: scale=MinSize)",
         set_min_size},
        {"crop", "(x, y, width, height) in output pixels; only what it touches is decoded", set_crop},
        {"orient", "apply the EXIF orientation (as a strided view, no copy)",
         [](ImageRequest& r, const OptionInput& v) { r.oriented = bool_value(v, "orient"); }},
        {"strict", "every decoder warning is a DecodeError",
         [](ImageRequest& r, const OptionInput& v) { r.strict = bool_value(v, "strict"); }},
        {"allow_truncated", "truncated data gives the rows decoded so far and a DecodeWarning",
         [](ImageRequest& r, const OptionInput& v) { r.allow_truncated = bool_value(v, "allow_truncated"); }},
        {"max_pixels", "a header claiming more pixels is a LimitError before any allocation; None: no limit",
         set_max_pixels},
        {"frame", "the frame of an animation, composited as a viewer shows it",
         [](ImageRequest& r, const OptionInput& v) { r.frame = static_cast<int>(int_value(v, "frame", 0, int_max)); }},
        {"frames", "composited (default): frames as a viewer shows them; raw: each frame's own pixels (GIF: "
                   "palette indices with mode='P') at its rectangle on the screen, zeros around it, the "
                   "rectangles, disposals and palettes in view.obj.frames",
         set_frames},
        {"size", "(width, height): resize on load", set_size},
        {"fit", "with size: fill, cover or contain",
         [](ImageRequest& r, const OptionInput& v) { resize_of(r).fit = by_name(v, "fit", fit_from_name); }},
        {"filter", "with size: area, bilinear, bicubic or lanczos",
         [](ImageRequest& r, const OptionInput& v) {
             resize_of(r).filter = by_name(v, "filter", resize_filter_from_name);
         }},
        {"fill", "with fit=contain: the padding, an int or one per channel", set_fill},
        {"reducing_gap", "with size: the decoder's own reduction stops where the resize still shrinks by this "
                         "factor; None: no reduction",
         set_reducing_gap},
        {"colorspace", "convert colours on decode (LittleCMS) from the file's own (ICC profile, CICP, PNG "
                       "sRGB/gAMA/cHRM; untagged is sRGB) to 'srgb', 'linear-srgb' or ICC profile bytes; "
                       "view.obj.icc is then that profile; None: the file's values",
         set_colorspace},
        {"intent", "with colorspace: relative (colorimetric, black-point compensation; default), perceptual, "
                   "saturation or absolute",
         set_intent},
    };
    return options;
}

void set_image_option(ImageRequest& request, std::string_view name, const OptionInput& value) {
    find_option(image_request_options(), name, "image").set(request, value);
}

void finish_request(ImageRequest& request) {
    if (request.resize && request.resize->width == 0) request.resize.reset();
    if (request.colour && request.colour->target.empty()) request.colour.reset();
}

CropRect checked_crop(const ImageRequest& request, int w, int h, int orientation) {
    if (!request.crop) return {0, 0, w, h};
    bool transposed = request.oriented && exif_orientation_transposes(orientation);
    int shown_w = transposed ? h : w, shown_h = transposed ? w : h;
    const CropRect& r = *request.crop;
    if (r.x < 0 || r.y < 0 || r.width <= 0 || r.height <= 0 || r.x > shown_w - r.width || r.y > shown_h - r.height)
        throw std::invalid_argument("crop (" + std::to_string(r.x) + ", " + std::to_string(r.y) + ", " +
                                    std::to_string(r.width) + ", " + std::to_string(r.height) +
                                    ") does not lie inside the " + std::to_string(shown_w) + "x" +
                                    std::to_string(shown_h) + " output");
    return request.oriented ? stored_rect(r, orientation, w, h) : r;
}

}  // namespace mediaview
