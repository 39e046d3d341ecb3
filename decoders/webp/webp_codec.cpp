// The WebP decoder. Still images go through WebPDecode (or the incremental
// decoder when a truncated file may give a partial image) with libwebp
// writing straight into the caller's rows; animations through
// WebPAnimDecoder, the compositor Pillow uses too, so frames match it.
//
// libwebp prints nothing and reports every failure as a status code, so
// there is no error trampoline here: each status becomes a typed exception.
#include "webp_codec.hpp"

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include <webp/decode.h>
#include <webp/demux.h>

#include "src/exif.hpp"

namespace mediaview::webp {
namespace {

// ---- handles ----------------------------------------------------------------

struct DemuxDelete {
    void operator()(WebPDemuxer* d) const { WebPDemuxDelete(d); }
};
struct AnimDelete {
    void operator()(WebPAnimDecoder* d) const { WebPAnimDecoderDelete(d); }
};
struct IdecDelete {
    void operator()(WebPIDecoder* d) const { WebPIDelete(d); }
};
using Demuxer = std::unique_ptr<WebPDemuxer, DemuxDelete>;
using AnimDecoder = std::unique_ptr<WebPAnimDecoder, AnimDelete>;
using IncrementalDecoder = std::unique_ptr<WebPIDecoder, IdecDelete>;

// A decoder config whose output buffer is released on every path (a no-op
// for the external memory we always give it, but libwebp asks for the call).
struct DecoderConfig {
    WebPDecoderConfig config;
    DecoderConfig() {
        if (!WebPInitDecoderConfig(&config)) throw Error("libwebp: decoder version mismatch");
    }
    ~DecoderConfig() { WebPFreeDecBuffer(&config.output); }
    DecoderConfig(const DecoderConfig&) = delete;
    DecoderConfig& operator=(const DecoderConfig&) = delete;
};

// ---- header facts -----------------------------------------------------------

struct Header {
    WebPBitstreamFeatures features{};
    int width = 0, height = 0;  // the canvas
    int frames = 1;
    int loop_count = 0;
    bool has_icc = false;
    std::string icc;
    std::string exif;  // TIFF, without an "Exif\0\0" prefix
    int orientation = 1;
};

[[noreturn]] void throw_status(VP8StatusCode status, const char* what) {
    switch (status) {
        case VP8_STATUS_OUT_OF_MEMORY: throw std::bad_alloc();
        case VP8_STATUS_NOT_ENOUGH_DATA:
            throw DecodeError(std::string("WebP data is truncated (") + what + ")",
                              pass_allow_truncated("to get the partial image"));
        case VP8_STATUS_UNSUPPORTED_FEATURE:
            throw UnsupportedFormatError(std::string("WebP uses a feature libwebp does not support (") + what + ")");
        case VP8_STATUS_INVALID_PARAM: throw std::invalid_argument(std::string("WebP: invalid decoding options (") + what + ")");
        default: throw DecodeError(std::string("WebP data is damaged (") + what + ")");
    }
}

std::string chunk(WebPDemuxer* demux, const char* fourcc) {
    WebPChunkIterator it;
    std::string bytes;
    if (WebPDemuxGetChunk(demux, fourcc, 1, &it)) {
        bytes.assign(reinterpret_cast<const char*>(it.chunk.bytes), it.chunk.size);
        WebPDemuxReleaseChunkIterator(&it);
    }
    return bytes;
}

int orientation_of(const std::string& tiff) {
    return tiff_orientation(reinterpret_cast<const std::uint8_t*>(tiff.data()), tiff.size());
}

Header read_header(ByteSpan data) {
    Header h;
    VP8StatusCode status = WebPGetFeatures(data.data, data.size, &h.features);
    if (status == VP8_STATUS_NOT_ENOUGH_DATA) throw DecodeError("WebP header is truncated");
    if (status != VP8_STATUS_OK) throw_status(status, "header");
    h.width = h.features.width;
    h.height = h.features.height;
    // The chunks (frame count, ICC, EXIF) from a partial parse: a file cut
    // short still shows what it holds, and the decode reports the cut.
    WebPData bytes{data.data, data.size};
    WebPDemuxState state;
    Demuxer demux(WebPDemuxPartial(&bytes, &state));
    if (demux) {
        std::uint32_t flags = WebPDemuxGetI(demux.get(), WEBP_FF_FORMAT_FLAGS);
        if (h.features.has_animation) {
            h.frames = static_cast<int>(std::max<std::uint32_t>(1, WebPDemuxGetI(demux.get(), WEBP_FF_FRAME_COUNT)));
            h.loop_count = static_cast<int>(WebPDemuxGetI(demux.get(), WEBP_FF_LOOP_COUNT));
        }
        h.icc = chunk(demux.get(), "ICCP");
        h.has_icc = (flags & ICCP_FLAG) || !h.icc.empty();
        h.exif = chunk(demux.get(), "EXIF");
        // Some writers keep JPEG's APP1 prefix in the chunk.
        if (h.exif.compare(0, 6, std::string("Exif\0\0", 6)) == 0) h.exif.erase(0, 6);
        h.orientation = orientation_of(h.exif);
    }
    return h;
}

void check_limits(std::uint64_t pixels, std::uint64_t max_pixels, const std::string& what) {
    if (max_pixels != 0 && pixels > max_pixels)
        throw LimitError("WebP " + what + " = " + std::to_string(pixels) + " pixels",
                         above_limit("max_pixels", max_pixels));
}

std::string size_text(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

// ---- pixel layouts ----------------------------------------------------------

// Where R, G, B and A sit in a pixel of a libwebp colour space.
struct Layout {
    int bytes;
    int r, g, b, a;  // a < 0: no alpha
};

Layout layout_of(WEBP_CSP_MODE csp) {
    switch (csp) {
        case MODE_RGB: return {3, 0, 1, 2, -1};
        case MODE_BGR: return {3, 2, 1, 0, -1};
        case MODE_BGRA: return {4, 2, 1, 0, 3};
        default: return {4, 0, 1, 2, 3};  // MODE_RGBA
    }
}

// The colour space libwebp writes for a mode: the mode itself where libwebp
// has it; L and LA are computed from RGB(A) as Pillow's convert does.
WEBP_CSP_MODE csp_for(PixelMode mode) {
    switch (mode) {
        case PixelMode::RGB: return MODE_RGB;
        case PixelMode::BGR: return MODE_BGR;
        case PixelMode::RGBA: return MODE_RGBA;
        case PixelMode::BGRA: return MODE_BGRA;
        case PixelMode::L: return MODE_RGB;
        case PixelMode::LA: return MODE_RGBA;
        default:
            throw std::invalid_argument("WebP decodes to RGB, BGR, RGBA, BGRA, L or LA, not mode " +
                                        std::string(pixel_mode_name(mode)));
    }
}

PixelMode mode_of(const ImageRequest& request, const Header& h) {
    if (request.dtype && *request.dtype != DType::U8) throw std::invalid_argument("WebP decodes to uint8 only");
    PixelMode mode = request.mode.value_or(h.features.has_alpha ? PixelMode::RGBA : PixelMode::RGB);
    csp_for(mode);  // rejects what WebP cannot give
    return mode;
}

// Copies a window of decoded pixels (`src` at its first wanted pixel, laid
// out as `from`) into target rows, converting to `mode`.
void copy_rows(const std::uint8_t* src, Index src_stride, Layout from, PixelMode mode, const PixelTarget& to,
               int width, int rows) {
    const WEBP_CSP_MODE direct = csp_for(mode);
    const Layout want = layout_of(direct);
    const int channels = channels_of(mode);
    const bool same = mode != PixelMode::L && mode != PixelMode::LA && from.bytes == want.bytes &&
                      from.r == want.r && from.b == want.b;
    for (int y = 0; y < rows; ++y) {
        const std::uint8_t* s = src + y * src_stride;
        std::uint8_t* d = to.data + y * to.row_stride;
        if (same && to.pixel_stride == channels) {
            std::memcpy(d, s, static_cast<std::size_t>(width) * channels);
            continue;
        }
        for (int x = 0; x < width; ++x, s += from.bytes, d += to.pixel_stride) {
            if (mode == PixelMode::L || mode == PixelMode::LA) {
                d[0] = pillow_luma(s[from.r], s[from.g], s[from.b]);
                if (mode == PixelMode::LA) d[1] = from.a >= 0 ? s[from.a] : 255;
                continue;
            }
            d[want.r] = s[from.r];
            d[want.g] = s[from.g];
            d[want.b] = s[from.b];
            if (want.a >= 0) d[want.a] = from.a >= 0 ? s[from.a] : 255;
        }
    }
}

// Rows the decoder never reached (a truncated file): zero, so nothing of
// the buffer's earlier contents shows through.
void clear_rows(const PixelTarget& to, int first, int rows, int width, int channels) {
    for (int y = first; y < rows; ++y) {
        std::uint8_t* d = to.data + y * to.row_stride;
        if (to.pixel_stride == channels) {
            std::memset(d, 0, static_cast<std::size_t>(width) * channels);
        } else {
            for (int x = 0; x < width; ++x, d += to.pixel_stride) std::memset(d, 0, static_cast<std::size_t>(channels));
        }
    }
}

// ---- scale and crop ---------------------------------------------------------

struct Size {
    int width, height;
};

long long ceil_div(long long a, long long b) { return (a + b - 1) / b; }

// libwebp's rescaler takes any output size, so any reduction num/den in
// (0, 1] is honoured exactly (sizes rounded up, as JPEG's k/8 are). MinSize
// picks the smallest reduction whose output still covers the requested size.
Size scaled_size(int w, int h, ScaleRequest s, bool transposed) {
    if (s.at_least_size()) {
        if (transposed) std::swap(s.min_width, s.min_height);  // asked in the displayed frame
        long long mw = std::max(0, s.min_width), mh = std::max(0, s.min_height);
        if (mw >= w || mh >= h) return {w, h};
        // The larger of the two ratios mw/w and mh/h decides.
        if (mw * h >= mh * w)
            return {static_cast<int>(std::max(1LL, mw)), static_cast<int>(std::max(1LL, ceil_div(h * mw, w)))};
        return {static_cast<int>(std::max(1LL, ceil_div(w * mh, h))), static_cast<int>(std::max(1LL, mh))};
    }
    long long num = s.num, den = s.den;
    if (num <= 0 || den <= 0 || num > den)
        throw std::invalid_argument("scale " + std::to_string(s.num) + "/" + std::to_string(s.den) +
                                    " is not supported: WebP decodes at any reduction num/den between 0 and 1");
    return {static_cast<int>(std::max(1LL, ceil_div(w * num, den))),
            static_cast<int>(std::max(1LL, ceil_div(h * num, den)))};
}



bool is_identity(const ScaleRequest& s) { return !s.at_least_size() && s.num == s.den; }

// ---- still images -----------------------------------------------------------

// Runs the decoder on `config`; returns how many output rows it produced
// (all of them unless truncation is allowed and the data ends early).
int run_decoder(ByteSpan data, WebPDecoderConfig& config, int rows, const ImageRequest& request,
                Diagnostics& diagnostics) {
    if (!request.allow_truncated) {
        VP8StatusCode status = WebPDecode(data.data, data.size, &config);
        if (status != VP8_STATUS_OK) throw_status(status, "image data");
        return rows;
    }
    // The incremental decoder keeps the rows it could finish when the data
    // ends early, and says how many.
    IncrementalDecoder idec(WebPIDecode(nullptr, 0, &config));
    if (!idec) throw std::bad_alloc();
    VP8StatusCode status = WebPIUpdate(idec.get(), data.data, data.size);
    if (status == VP8_STATUS_OK) return rows;
    if (status != VP8_STATUS_SUSPENDED) throw_status(status, "image data");
    int done = 0;
    const WebPDecBuffer* area = nullptr;
    int left = 0, top = 0, width = 0, height = 0;
    area = WebPIDecodedArea(idec.get(), &left, &top, &width, &height);
    if (area) done = std::clamp(height, 0, rows);
    std::string message = "WebP data is truncated: " + std::to_string(done) + " of " + std::to_string(rows) +
                          " rows decoded";
    if (request.strict) throw DecodeError(message);
    diagnostics.warn(message);
    return done;
}

// Points libwebp's output at the caller's rows. A bottom-up target (negative
// row stride) is written with libwebp's own vertical flip.
void use_target(WebPDecoderConfig& config, WEBP_CSP_MODE csp, const PixelTarget& t, Size out) {
    WebPRGBABuffer& buf = config.output.u.RGBA;
    config.output.colorspace = csp;
    config.output.is_external_memory = 1;
    Index stride = t.row_stride < 0 ? -t.row_stride : t.row_stride;
    buf.rgba = t.row_stride < 0 ? t.data + (out.height - 1) * t.row_stride : t.data;
    buf.stride = static_cast<int>(stride);
    buf.size = static_cast<std::size_t>(stride) * (out.height - 1) +
               static_cast<std::size_t>(out.width) * layout_of(csp).bytes;
    config.options.flip = t.row_stride < 0;
}

ImageDecodeResult decode_still(ByteSpan data, const Header& h, const ImageRequest& request,
                               const TargetProvider& provide_target, Diagnostics& diagnostics) {
    if (request.frame != 0)
        throw std::invalid_argument("frame " + std::to_string(request.frame) + " does not exist: the WebP is a still image");
    PixelMode mode = mode_of(request, h);
    bool transposed = request.oriented && exif_orientation_transposes(h.orientation);
    Size out = scaled_size(h.width, h.height, request.scale, transposed);
    bool scaled = out.width != h.width || out.height != h.height;
    CropRect crop = checked_crop(request, out.width, out.height, h.orientation);
    const int channels = channels_of(mode);

    ImageDecodeResult result;
    result.orientation = h.orientation;
    result.shape = {crop.width, crop.height, channels, h.orientation, DType::U8};
    result.meta = {mode, h.icc, h.exif};
    PixelTarget target = provide_target(result.shape);
    if (target.pixel_stride == 0) target.pixel_stride = channels;

    DecoderConfig holder;
    WebPDecoderConfig& config = holder.config;
    if (scaled) {
        config.options.use_scaling = 1;
        config.options.scaled_width = out.width;
        config.options.scaled_height = out.height;
    }
    const WEBP_CSP_MODE csp = csp_for(mode);
    const bool whole = crop.x == 0 && crop.y == 0 && crop.width == out.width && crop.height == out.height;
    const Index min_stride = static_cast<Index>(out.width) * channels;
    const Index abs_stride = target.row_stride < 0 ? -target.row_stride : target.row_stride;
    const bool direct = whole && mode != PixelMode::L && mode != PixelMode::LA && target.pixel_stride == channels &&
                        abs_stride >= min_stride && abs_stride <= INT_MAX;
    if (direct) {
        use_target(config, csp, target, out);
        int rows = run_decoder(data, config, out.height, request, diagnostics);
        clear_rows(target, rows, out.height, out.width, channels);
        return result;
    }

    // Everything else is decoded into a scratch window and copied: a crop,
    // the L and LA modes (computed from RGB), and targets libwebp cannot
    // write (pixels not adjacent, e.g. a transposed or mirrored buffer).
    // Unscaled, the window is the crop widened by 2 pixels on each side
    // where the image has them: libwebp's fancy upsampler treats a crop's
    // edges as the image's (replicating chroma there), so the pixels next to
    // them would differ from a full decode; 2 pixels is one chroma sample,
    // all the upsampler reaches. (libwebp also snaps the left and top to
    // even values, done here first.) Its in-loop filter is exact under
    // cropping by design. libwebp crops before it scales, and a crop of the
    // source is not a crop of the scaled image, so a scaled crop decodes the
    // whole scaled image into the window and slices it.
    CropRect window{0, 0, out.width, out.height};
    if (!scaled && !whole) {
        int left = std::max(0, crop.x - 2) & ~1, top = std::max(0, crop.y - 2) & ~1;
        int right = std::min(out.width, crop.x + crop.width + 2), bottom = std::min(out.height, crop.y + crop.height + 2);
        window = {left, top, right - left, bottom - top};
        if (window.width != out.width || window.height != out.height) {
            config.options.use_cropping = 1;
            config.options.crop_left = window.x;
            config.options.crop_top = window.y;
            config.options.crop_width = window.width;
            config.options.crop_height = window.height;
        }
    }
    const Layout from = layout_of(csp);
    const Index scratch_stride = static_cast<Index>(window.width) * from.bytes;
    std::vector<std::uint8_t> scratch(static_cast<std::size_t>(scratch_stride) * window.height);
    use_target(config, csp, {scratch.data(), scratch_stride, from.bytes}, {window.width, window.height});
    int rows = run_decoder(data, config, window.height, request, diagnostics);
    int done = std::clamp(rows - (crop.y - window.y), 0, crop.height);
    const std::uint8_t* first = scratch.data() + (crop.y - window.y) * scratch_stride + (crop.x - window.x) * from.bytes;
    copy_rows(first, scratch_stride, from, mode, target, crop.width, done);
    clear_rows(target, done, crop.height, crop.width, channels);
    return result;
}

// ---- animations -------------------------------------------------------------

class Animation {
public:
    Animation(ByteSpan data, PixelMode mode) {
        WebPAnimDecoderOptions options;
        if (!WebPAnimDecoderOptionsInit(&options)) throw Error("libwebp: demux version mismatch");
        // Non-premultiplied RGBA, as Pillow asks for; BGRA for the BGR modes
        // so their frames are plain copies.
        bool bgr = mode == PixelMode::BGR || mode == PixelMode::BGRA;
        options.color_mode = bgr ? MODE_BGRA : MODE_RGBA;
        layout_ = layout_of(options.color_mode);
        WebPData bytes{data.data, data.size};
        decoder_.reset(WebPAnimDecoderNew(&bytes, &options));
        // WebPAnimDecoderNew fails for damaged and for incomplete files alike.
        if (!decoder_) throw DecodeError("WebP animation is damaged or truncated (libwebp cannot parse its frames)");
        if (!WebPAnimDecoderGetInfo(decoder_.get(), &info_)) throw DecodeError("WebP animation is damaged");
    }

    // The next composited canvas; its duration in `duration_ms`.
    const std::uint8_t* next(int index, int& duration_ms) {
        std::uint8_t* canvas = nullptr;
        int timestamp = 0;
        if (!WebPAnimDecoderHasMoreFrames(decoder_.get()) || !WebPAnimDecoderGetNext(decoder_.get(), &canvas, &timestamp))
            throw DecodeError("WebP animation frame " + std::to_string(index) + " is damaged or truncated");
        duration_ms = timestamp - timestamp_;
        timestamp_ = timestamp;
        return canvas;
    }

    Layout layout() const { return layout_; }
    const WebPAnimInfo& info() const { return info_; }

private:
    AnimDecoder decoder_;
    WebPAnimInfo info_{};
    Layout layout_{};
    int timestamp_ = 0;
};

struct AnimationPlan {
    PixelMode mode;
    CropRect crop;
};

AnimationPlan plan_animation(const Header& h, const ImageRequest& request) {
    if (!is_identity(request.scale)) {
        Size out = scaled_size(h.width, h.height, request.scale, false);
        if (out.width != h.width || out.height != h.height)
            throw std::invalid_argument("WebP animations are decoded at full size: scale is not supported for them");
    }
    return {mode_of(request, h), checked_crop(request, h.width, h.height, h.orientation)};
}

const std::uint8_t* canvas_at(const std::uint8_t* canvas, const Header& h, const CropRect& crop, Layout l) {
    return canvas + (static_cast<Index>(crop.y) * h.width + crop.x) * l.bytes;
}

ImageDecodeResult decode_animation_frame(ByteSpan data, const Header& h, const ImageRequest& request,
                                         const TargetProvider& provide_target) {
    check_limits(static_cast<std::uint64_t>(h.width) * h.height, request.max_pixels,
                 "canvas is " + size_text(h.width, h.height));
    if (request.frame < 0 || request.frame >= h.frames)
        throw std::invalid_argument("frame " + std::to_string(request.frame) + " does not exist: the WebP has " +
                                    std::to_string(h.frames) + " frame(s)");
    AnimationPlan plan = plan_animation(h, request);
    const int channels = channels_of(plan.mode);
    ImageDecodeResult result;
    result.orientation = h.orientation;
    result.shape = {plan.crop.width, plan.crop.height, channels, h.orientation, DType::U8};
    result.meta = {plan.mode, h.icc, h.exif};
    Animation animation(data, plan.mode);
    PixelTarget target = provide_target(result.shape);
    if (target.pixel_stride == 0) target.pixel_stride = channels;
    const std::uint8_t* canvas = nullptr;
    int duration = 0;
    // Each frame is composited onto the ones before it: frame k needs them all.
    for (int i = 0; i <= request.frame; ++i) canvas = animation.next(i, duration);
    copy_rows(canvas_at(canvas, h, plan.crop, animation.layout()), static_cast<Index>(h.width) * 4,
              animation.layout(), plan.mode, target, plan.crop.width, plan.crop.height);
    return result;
}

// ---- the codec --------------------------------------------------------------

std::string version_text(int v) {
    return std::to_string(v >> 16) + "." + std::to_string(v >> 8 & 0xFF) + "." + std::to_string(v & 0xFF);
}

class WebpCodec final : public ImageCodec {
public:
    std::string_view name() const override { return "webp"; }
    std::string description() const override { return "WebP (libwebp)"; }
    std::vector<std::string> extensions() const override { return {"webp"}; }
    std::string library_version() const override { return "libwebp " + version_text(WebPGetDecoderVersion()); }

    bool sniff(ByteSpan head) const override {
        return head.size >= 12 && std::memcmp(head.data, "RIFF", 4) == 0 && std::memcmp(head.data + 8, "WEBP", 4) == 0;
    }

    ImageInfo probe(ByteSpan data) const override {
        Header h = read_header(data);
        ImageInfo info;
        info.format = "WEBP";
        info.width = h.width;
        info.height = h.height;
        info.components = h.features.has_alpha ? 4 : 3;
        // format: 1 lossy (VP8: YCbCr 4:2:0), 2 lossless (VP8L: ARGB), 0 an
        // animation whose frames may mix both.
        int format = h.features.format;
        info.colorspace = format == 1 ? "YCbCr" : format == 2 ? "RGB" : "unknown";
        info.subsampling = format == 1 ? "420" : format == 2 ? "444" : "unknown";
        info.precision = 8;
        info.orientation = h.orientation;
        info.has_icc = h.has_icc;
        info.extra = {
            {"lossless", format == 0 ? FieldValue{} : FieldValue{format == 2}},
            {"alpha", h.features.has_alpha != 0},
            {"animated", h.features.has_animation != 0},
            {"frames", static_cast<std::int64_t>(h.frames)},
            {"loop_count", static_cast<std::int64_t>(h.loop_count)},
        };
        return info;
    }

    ImageDecodeResult decode(ByteSpan data, const ImageRequest& request, const TargetProvider& provide_target,
                             Diagnostics& diagnostics) const override {
        Header h = read_header(data);
        if (h.features.has_animation) return decode_animation_frame(data, h, request, provide_target);
        check_limits(static_cast<std::uint64_t>(h.width) * h.height, request.max_pixels,
                     "image is " + size_text(h.width, h.height));
        return decode_still(data, h, request, provide_target, diagnostics);
    }

    bool has_frames() const override { return true; }

    FramesDecodeResult decode_frames(ByteSpan data, const ImageRequest& request,
                                     const FramesTargetProvider& provide_target,
                                     Diagnostics& diagnostics) const override {
        Header h = read_header(data);
        // Every frame is allocated at once: the limit covers them all.
        check_limits(static_cast<std::uint64_t>(h.width) * h.height * static_cast<std::uint64_t>(h.frames),
                     request.max_pixels,
                     std::to_string(h.frames) + " frame(s) of " + size_text(h.width, h.height));
        FramesDecodeResult result;
        result.loop_count = h.loop_count;
        if (!h.features.has_animation) {
            ImageRequest still = request;
            still.frame = 0;
            FramesTarget frames;
            ImageDecodeResult one = decode_still(data, h, still, [&](const OutputShape& s) {
                result.shape = {1, s};
                frames = provide_target(result.shape);
                return frames.first;
            }, diagnostics);
            result.meta = std::move(one.meta);
            result.durations_ms = {0};
            return result;
        }
        AnimationPlan plan = plan_animation(h, request);
        const int channels = channels_of(plan.mode);
        result.shape = {h.frames, {plan.crop.width, plan.crop.height, channels, h.orientation, DType::U8}};
        result.meta = {plan.mode, h.icc, h.exif};
        Animation animation(data, plan.mode);
        FramesTarget target = provide_target(result.shape);
        if (target.first.pixel_stride == 0) target.first.pixel_stride = channels;
        result.durations_ms.reserve(static_cast<std::size_t>(h.frames));
        for (int i = 0; i < h.frames; ++i) {
            int duration = 0;
            const std::uint8_t* canvas = animation.next(i, duration);
            PixelTarget frame = target.first;
            frame.data += i * target.frame_stride;
            copy_rows(canvas_at(canvas, h, plan.crop, animation.layout()), static_cast<Index>(h.width) * 4,
                      animation.layout(), plan.mode, frame, plan.crop.width, plan.crop.height);
            result.durations_ms.push_back(duration);
        }
        return result;
    }

    // Any reduction num/den in (0, 1] (libwebp rescales to any size); these
    // are the common ones, listed for whoever asks what the codec offers.
    std::vector<std::pair<int, int>> scales() const override { return {{1, 8}, {1, 4}, {1, 2}, {3, 4}, {1, 1}}; }
    std::vector<DType> decode_dtypes() const override { return {DType::U8}; }

    bool can_encode() const override { return true; }
    bool lossy() const override { return true; }
    std::vector<OptionSpec> encode_options() const override {
        return {
            {"quality", OptionSpec::Kind::Int, "0-100 (default 80, as Pillow); with lossless, the effort", {}, 0, 100},
            {"lossless", OptionSpec::Kind::Bool, "store the pixels exactly (VP8L)", {}, 0, 0},
            {"method", OptionSpec::Kind::Int, "0 (fast) to 6 (smallest); default 4, as Pillow", {}, 0, 6},
        };
    }
    std::vector<PixelMode> encode_modes() const override {
        return {PixelMode::RGB, PixelMode::BGR, PixelMode::RGBA, PixelMode::BGRA, PixelMode::RGBX, PixelMode::L};
    }
    EncodedBytes encode(const StridedArray& pixels, const ImageMeta& meta, const Options& options) const override {
        return webp::encode(pixels, meta, options);
    }
};

}  // namespace

const ImageCodec& codec() {
    static const WebpCodec instance;
    return instance;
}

}  // namespace mediaview::webp
