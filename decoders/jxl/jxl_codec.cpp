// The JPEG XL decoder. libjxl is driven event by event over the whole
// input; pixels come through the image-out callback, row pieces that are
// converted (mode, dtype, crop) straight into the caller's rows, so the
// output is written once. One thread a decode in a batch, whose threads=
// runs one decode a core; a lone decode of a large image gets libjxl's
// thread runner over the cores (bench/bench_modern.py).
//
// Orientation is kept (JxlDecoderSetKeepOrientation): pixels come as
// stored and the codestream's orientation is reported, as for every codec.
//
// libjxl prints nothing in release builds; failures are status codes, made
// typed here.
#include "jxl_codec.hpp"

#include <jxl/decode.h>
#include <jxl/decode_cxx.h>
#include <jxl/thread_parallel_runner_cxx.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/interleaved_rows.hpp"
#include "src/stderr_filter.hpp"

namespace mediaview::jxl {
namespace {

struct Header {
    JxlBasicInfo info{};
    int frames = 0;  // counted only when asked (it needs a pass over the frame headers)
    bool have_encoding = false;
    JxlColorEncoding encoding{};
    std::string icc;  // only an ICC profile the file stores (not one libjxl synthesises)
    PixelMode own() const {
        bool grey = info.num_color_channels == 1, alpha = info.alpha_bits > 0;
        return grey ? (alpha ? PixelMode::LA : PixelMode::L) : (alpha ? PixelMode::RGBA : PixelMode::RGB);
    }
    int width() const { return static_cast<int>(info.xsize); }
    int height() const { return static_cast<int>(info.ysize); }
    int orientation() const { return std::clamp(static_cast<int>(info.orientation), 1, 8); }
};

[[noreturn]] void throw_status(const char* what) { throw DecodeError(std::string("JPEG XL data is damaged (") + what + ")"); }

// Debian's libjxl 0.7 is built with JXL_DEBUG_ON_ERROR: damaged input makes
// it print "./lib/jxl/dec_frame.cc:644: JXL_FAILURE: ..." lines to stderr,
// with no run-time switch. Our DecodeError says it in the user's terms; the
// decoding calls below run inside a StderrFilter that drops these lines.
bool jxl_noise(const std::string& line) { return line.find("lib/jxl/") != std::string::npos; }

JxlDecoderPtr make_decoder(ByteSpan data, int events) {
    JxlDecoderPtr d = JxlDecoderMake(nullptr);
    if (!d) throw std::bad_alloc();
    if (JxlDecoderSubscribeEvents(d.get(), events) != JXL_DEC_SUCCESS ||
        JxlDecoderSetKeepOrientation(d.get(), JXL_TRUE) != JXL_DEC_SUCCESS ||
        JxlDecoderSetInput(d.get(), data.data, data.size) != JXL_DEC_SUCCESS)
        throw Error("libjxl refused its decoder settings");
    // Not closed: a file cut short then says NEED_MORE_INPUT, which is how
    // truncation is told from damage.
    return d;
}

void read_colour(JxlDecoder* d, Header& h) {
    if (JxlDecoderGetColorAsEncodedProfile(d, nullptr, JXL_COLOR_PROFILE_TARGET_ORIGINAL, &h.encoding) ==
        JXL_DEC_SUCCESS) {
        h.have_encoding = true;
        return;
    }
    std::size_t size = 0;
    if (JxlDecoderGetICCProfileSize(d, nullptr, JXL_COLOR_PROFILE_TARGET_ORIGINAL, &size) != JXL_DEC_SUCCESS) return;
    h.icc.resize(size);
    if (JxlDecoderGetColorAsICCProfile(d, nullptr, JXL_COLOR_PROFILE_TARGET_ORIGINAL,
                                       reinterpret_cast<std::uint8_t*>(h.icc.data()), size) != JXL_DEC_SUCCESS)
        h.icc.clear();
}

// The basic info and colour encoding; with `count_frames`, every frame
// header too (libjxl skips the frames' pixel data for that).
Header read_header(ByteSpan data, bool count_frames) {
    if (data.size < 2) throw DecodeError("JPEG XL header is truncated");
    int events = JXL_DEC_BASIC_INFO | JXL_DEC_COLOR_ENCODING | (count_frames ? JXL_DEC_FRAME : 0);
    StderrFilter quiet(true, jxl_noise);
    JxlDecoderPtr d = make_decoder(data, events);
    Header h;
    bool have_info = false;
    for (;;) {
        JxlDecoderStatus s = JxlDecoderProcessInput(d.get());
        if (s == JXL_DEC_BASIC_INFO) {
            if (JxlDecoderGetBasicInfo(d.get(), &h.info) != JXL_DEC_SUCCESS) throw_status("basic info");
            have_info = true;
        } else if (s == JXL_DEC_COLOR_ENCODING) {
            read_colour(d.get(), h);
            if (!count_frames) break;
        } else if (s == JXL_DEC_FRAME) {
            ++h.frames;
        } else if (s == JXL_DEC_SUCCESS) {
            break;
        } else if (s == JXL_DEC_NEED_MORE_INPUT) {
            if (!have_info) throw DecodeError("JPEG XL header is truncated");
            break;  // frames counted so far; the decode reports the cut
        } else {
            throw_status(have_info ? "colour encoding or frame header" : "header");
        }
    }
    if (h.info.xsize == 0 || h.info.ysize == 0) throw DecodeError("JPEG XL header gives no image size");
    if (h.info.xsize > (1u << 30) || h.info.ysize > (1u << 30)) throw DecodeError("JPEG XL header gives an absurd size");
    if (h.frames == 0) h.frames = 1;
    return h;
}

// ---- pixels -----------------------------------------------------------------

// What the callback writes into: the target, the plan, and the bookkeeping
// that tells complete rows (a truncated file leaves some unwritten).
struct Sink {
    WholeFramePlan plan;
    PixelTarget target;
    InterleavedFormat from;
    bool is_float = false;
    std::vector<std::uint32_t> row_pixels;  // pixels written per row of the crop (counted only when truncation is allowed)
    bool count_rows = false;

    static void callback(void* opaque, std::size_t x, std::size_t y, std::size_t n, const void* pixels) {
        static_cast<Sink*>(opaque)->write(static_cast<int>(x), static_cast<int>(y), static_cast<int>(n),
                                          static_cast<const std::uint8_t*>(pixels));
    }

    void write(int x, int y, int n, const std::uint8_t* pixels) {
        const CropRect& c = plan.crop;
        if (y < c.y || y >= c.y + c.height) return;
        int first = std::max(x, c.x), last = std::min(x + n, c.x + c.width);
        if (first >= last) return;
        const std::size_t in_pixel = static_cast<std::size_t>(from.channels) * (is_float ? 4 : from.wide ? 2 : 1);
        const std::uint8_t* in = pixels + static_cast<std::size_t>(first - x) * in_pixel;
        std::uint8_t* out = target.data + (y - c.y) * target.row_stride + (first - c.x) * target.pixel_stride;
        if (is_float) {
            for (int i = first; i < last; ++i, in += in_pixel, out += target.pixel_stride) std::memcpy(out, in, in_pixel);
        } else {
            convert_interleaved_row(from, in, last - first, plan.mode, plan.dtype, out, target.pixel_stride);
        }
        if (count_rows) row_pixels[static_cast<std::size_t>(y - c.y)] += static_cast<std::uint32_t>(last - first);
    }

    int complete_rows() const {
        return static_cast<int>(std::count(row_pixels.begin(), row_pixels.end(), static_cast<std::uint32_t>(plan.crop.width)));
    }
};

// The pixel format libjxl is asked for: the file's channels (grey or colour,
// alpha if any) at the depth the plan needs; the sink converts the mode.
JxlPixelFormat format_for(const Header& h, const WholeFramePlan& plan, Sink& sink) {
    const bool grey_out = plan.mode == PixelMode::L || plan.mode == PixelMode::LA;
    sink.is_float = plan.dtype == DType::F32;
    // Float is written as asked (L, LA, RGB, RGBA), so libjxl converts the channels.
    const int colour = sink.is_float ? (grey_out ? 1 : 3) : static_cast<int>(h.info.num_color_channels);
    const bool alpha = sink.is_float ? (plan.mode == PixelMode::LA || plan.mode == PixelMode::RGBA) : h.info.alpha_bits > 0;
    sink.from = {colour + (alpha ? 1 : 0), plan.dtype == DType::U16};
    JxlPixelFormat f{};
    f.num_channels = static_cast<std::uint32_t>(sink.from.channels);
    f.data_type = sink.is_float ? JXL_TYPE_FLOAT : plan.dtype == DType::U16 ? JXL_TYPE_UINT16 : JXL_TYPE_UINT8;
    f.endianness = JXL_NATIVE_ENDIAN;
    f.align = 0;
    return f;
}

void ignore(void*, std::size_t, std::size_t, std::size_t, const void*) {}

struct FrameRun {
    int frames_done = 0;
    bool cut = false;  // the data ended before the last wanted frame was complete
    std::vector<int> durations_ms;
};

// Decodes frames 0..last, writing frame k through `sink_for(k)` (nullptr:
// skipped). Returns how far it got.
// A runner of `threads` threads, or none (one thread) for one thread or an
// image too small to split: libjxl's groups are 256x256 pixels.
JxlThreadParallelRunnerPtr runner_for(const Header& h, int threads) {
    constexpr std::uint64_t group = 256 * 256;
    if (threads < 2 || static_cast<std::uint64_t>(h.width()) * h.height() < 4 * group) return nullptr;
    JxlThreadParallelRunnerPtr runner = JxlThreadParallelRunnerMake(nullptr, static_cast<std::size_t>(threads));
    if (!runner) throw std::bad_alloc();
    return runner;
}

template <typename SinkFor>
FrameRun run_frames(ByteSpan data, const Header& h, JxlPixelFormat format, int last, int threads, SinkFor sink_for) {
    StderrFilter quiet(true, jxl_noise);
    JxlThreadParallelRunnerPtr runner = runner_for(h, threads);  // outlives the decoder
    JxlDecoderPtr d = make_decoder(data, JXL_DEC_FRAME | JXL_DEC_FULL_IMAGE);
    if (runner && JxlDecoderSetParallelRunner(d.get(), JxlThreadParallelRunner, runner.get()) != JXL_DEC_SUCCESS)
        throw Error("libjxl refused its thread runner");
    FrameRun run;
    const double tick_ms = h.info.have_animation && h.info.animation.tps_numerator
                               ? 1000.0 * h.info.animation.tps_denominator / h.info.animation.tps_numerator
                               : 0.0;
    int frame = 0;
    for (;;) {
        JxlDecoderStatus s = JxlDecoderProcessInput(d.get());
        if (s == JXL_DEC_FRAME) {
            JxlFrameHeader fh;
            if (JxlDecoderGetFrameHeader(d.get(), &fh) != JXL_DEC_SUCCESS) throw_status("frame header");
            run.durations_ms.push_back(static_cast<int>(std::lround(fh.duration * tick_ms)));
            if (frame > last) break;
        } else if (s == JXL_DEC_NEED_IMAGE_OUT_BUFFER) {
            Sink* sink = sink_for(frame);
            if (JxlDecoderSetImageOutCallback(d.get(), &format, sink ? &Sink::callback : &ignore, sink) !=
                JXL_DEC_SUCCESS)
                throw Error("libjxl refused the output format");
        } else if (s == JXL_DEC_FULL_IMAGE) {
            run.frames_done = ++frame;
            if (frame > last) break;
        } else if (s == JXL_DEC_SUCCESS) {
            break;
        } else if (s == JXL_DEC_NEED_MORE_INPUT) {
            // No JxlDecoderFlushImage: it renders every row from whatever
            // was decoded (measured: all 300 rows of a file cut at 2/3), so
            // no row could be told complete. Rows the decoder finished before
            // the cut are kept, the rest zero, and the warning counts them.
            run.cut = true;
            break;
        } else {
            throw_status(("frame " + std::to_string(frame)).c_str());
        }
    }
    return run;
}

void warn_or_throw(Diagnostics& diagnostics, const ImageRequest& request, const std::string& message) {
    if (request.strict || !request.allow_truncated)
        throw request.allow_truncated ? DecodeError(message)
                                      : DecodeError(message.substr(0, message.find(':')),
                                                    pass_allow_truncated("to keep what was decoded"));
    diagnostics.warn(message);
}

// ---- the codec --------------------------------------------------------------

const char* colour_space_name(JxlColorSpace c) {
    switch (c) {
        case JXL_COLOR_SPACE_RGB: return "RGB";
        case JXL_COLOR_SPACE_GRAY: return "Gray";
        case JXL_COLOR_SPACE_XYB: return "XYB";
        default: return "unknown";
    }
}

class JxlCodec final : public ImageCodec {
public:
    std::string_view name() const override { return "jxl"; }
    std::string description() const override { return "JPEG XL (libjxl)"; }
    std::vector<std::string> extensions() const override { return {"jxl"}; }
    std::string library_version() const override {
        std::uint32_t v = JxlDecoderVersion();
        return "libjxl " + std::to_string(v / 1000000) + "." + std::to_string(v / 1000 % 1000) + "." +
               std::to_string(v % 1000);
    }

    bool sniff(ByteSpan head) const override {
        JxlSignature s = JxlSignatureCheck(head.data, head.size);
        return s == JXL_SIG_CODESTREAM || s == JXL_SIG_CONTAINER;
    }

    ImageInfo probe(ByteSpan data) const override {
        const Header h = read_header(data, true);
        ImageInfo info;
        info.format = "JXL";
        info.width = h.width();
        info.height = h.height();
        info.components = static_cast<int>(h.info.num_color_channels) + (h.info.alpha_bits > 0 ? 1 : 0);
        info.colorspace = h.have_encoding ? colour_space_name(h.encoding.color_space)
                                          : h.info.num_color_channels == 1 ? "Gray" : "RGB";
        info.subsampling = "unknown";
        info.precision = static_cast<int>(h.info.bits_per_sample);
        info.orientation = h.orientation();
        info.has_icc = !h.icc.empty();
        auto maybe = [&](auto value) { return h.have_encoding ? FieldValue{static_cast<std::int64_t>(value)} : FieldValue{}; };
        info.extra = {
            {"alpha", h.info.alpha_bits > 0},
            {"float", h.info.exponent_bits_per_sample > 0},
            {"lossless", h.info.uses_original_profile != 0},  // XYB is only used lossy
            {"animated", h.info.have_animation != 0},
            {"frames", static_cast<std::int64_t>(h.frames)},
            {"loop_count", static_cast<std::int64_t>(h.info.animation.num_loops)},
            // The colour encoding as the codestream states it (None with an
            // ICC profile instead): CICP numbers, as libjxl's enums are.
            {"color_primaries", maybe(h.encoding.primaries)},
            {"transfer_characteristics", maybe(h.encoding.transfer_function)},
            {"white_point", maybe(h.encoding.white_point)},
            {"gamma", h.have_encoding && h.encoding.transfer_function == JXL_TRANSFER_FUNCTION_GAMMA
                          ? FieldValue{h.encoding.gamma} : FieldValue{}},
            {"rendering_intent", maybe(h.encoding.rendering_intent)},
        };
        return info;
    }

    ImageDecodeResult decode(ByteSpan data, const ImageRequest& request, const TargetProvider& provide_target,
                             Diagnostics& diagnostics) const override {
        const Header h = read_header(data, false);
        WholeFramePlan plan = plan_whole_frame("JPEG XL", h.width(), h.height(), h.orientation(), h.own(), request,
                                               static_cast<std::uint64_t>(h.width()) * h.height(), true);
        if (request.frame < 0) throw std::invalid_argument("frame must be 0 or more");
        ImageDecodeResult result;
        result.orientation = h.orientation();
        result.shape = plan.shape(h.orientation());
        result.meta = {plan.mode, h.icc, {}};
        Sink sink;
        sink.plan = plan;
        JxlPixelFormat format = format_for(h, plan, sink);
        sink.target = with_pixel_stride(provide_target(result.shape), plan);
        sink.count_rows = request.allow_truncated;
        if (sink.count_rows) {
            sink.row_pixels.assign(static_cast<std::size_t>(plan.crop.height), 0);
            clear_target_rows(sink.target, 0, plan.crop.height, plan.crop.width, plan.pixel_bytes());
        }
        FrameRun run = run_frames(data, h, format, request.frame, request.codec_threads,
                                  [&](int k) { return k == request.frame ? &sink : nullptr; });
        if (run.frames_done > request.frame) return result;
        if (!run.cut)
            throw std::invalid_argument("frame " + std::to_string(request.frame) + " does not exist: the JPEG XL has " +
                                        std::to_string(run.frames_done) + " frame(s)");
        int rows = run.frames_done == request.frame && sink.count_rows ? sink.complete_rows() : 0;
        warn_or_throw(diagnostics, request,
                      "JPEG XL data is truncated: " + std::to_string(rows) + " of " + std::to_string(plan.crop.height) +
                          " rows of frame " + std::to_string(request.frame) + " decoded");
        return result;
    }

    bool has_frames() const override { return true; }
    std::vector<DType> decode_dtypes() const override { return {DType::U8, DType::U16, DType::F32}; }

    FramesDecodeResult decode_frames(ByteSpan data, const ImageRequest& request,
                                     const FramesTargetProvider& provide_target,
                                     Diagnostics& diagnostics) const override {
        const Header h = read_header(data, true);
        WholeFramePlan plan =
            plan_whole_frame("JPEG XL", h.width(), h.height(), h.orientation(), h.own(), request,
                             static_cast<std::uint64_t>(h.width()) * h.height() * static_cast<std::uint64_t>(h.frames), true);
        FramesDecodeResult result;
        result.shape = {h.frames, plan.shape(h.orientation())};
        result.meta = {plan.mode, h.icc, {}};
        result.loop_count = static_cast<int>(h.info.animation.num_loops);
        Sink sink;
        sink.plan = plan;
        JxlPixelFormat format = format_for(h, plan, sink);
        FramesTarget target = provide_target(result.shape);
        target.first = with_pixel_stride(target.first, plan);
        FrameRun run = run_frames(data, h, format, h.frames - 1, request.codec_threads, [&](int k) -> Sink* {
            if (k >= h.frames) return nullptr;
            sink.target = target.first;
            sink.target.data += k * target.frame_stride;
            return &sink;
        });
        result.durations_ms = run.durations_ms;
        result.durations_ms.resize(static_cast<std::size_t>(h.frames), 0);
        if (run.frames_done < h.frames) {
            for (int k = run.frames_done; k < h.frames; ++k) {
                PixelTarget frame = target.first;
                frame.data += k * target.frame_stride;
                clear_target_rows(frame, 0, plan.crop.height, plan.crop.width, plan.pixel_bytes());
            }
            warn_or_throw(diagnostics, request,
                          "JPEG XL data is truncated: " + std::to_string(run.frames_done) + " of " +
                              std::to_string(h.frames) + " frames decoded");
        }
        return result;
    }

    bool can_encode() const override { return true; }
    bool lossy() const override { return true; }
    std::vector<OptionSpec> encode_options() const override {
        return {
            {"quality", OptionSpec::Kind::Int, "0-100 (default 90), mapped to a butteraugli distance as cjxl maps it", {}, 0, 100},
            {"effort", OptionSpec::Kind::Int, "1 (fastest) to 9 (smallest); default 7, as cjxl", {}, 1, 9},
            {"lossless", OptionSpec::Kind::Bool, "store the pixels exactly (modular mode)", {}, 0, 0},
        };
    }
    std::vector<PixelMode> encode_modes() const override {
        return {PixelMode::RGB, PixelMode::RGBA, PixelMode::L, PixelMode::LA, PixelMode::BGR, PixelMode::BGRA};
    }
    std::vector<DType> encode_dtypes() const override { return {DType::U8, DType::U16}; }
    EncodedBytes encode(const StridedArray& pixels, const ImageMeta& meta, const Options& options) const override {
        return jxl::encode(pixels, meta, options);
    }
};

}  // namespace

const ImageCodec& codec() {
    static const JxlCodec instance;
    return instance;
}

}  // namespace mediaview::jxl
