#include "audio_request.hpp"

#include <cmath>
#include <limits>
#include <string>

namespace mediaview {

SampleLayout sample_layout_from_name(std::string_view name) {
    if (name == "interleaved") return SampleLayout::Interleaved;
    if (name == "planar") return SampleLayout::Planar;
    throw std::invalid_argument("layout must be 'interleaved' or 'planar', not '" + std::string(name) + "'");
}
namespace {

constexpr std::int64_t int_max = std::numeric_limits<int>::max();
constexpr std::int64_t i64_min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t i64_max = std::numeric_limits<std::int64_t>::max();

std::optional<std::int64_t> optional_int(const OptionInput& v, const char* name) {
    if (is_none(v)) return std::nullopt;
    return int_value(v, name, i64_min, i64_max);
}

std::optional<double> optional_seconds(const OptionInput& v, const char* name) {
    if (is_none(v)) return std::nullopt;
    if (std::holds_alternative<bool>(v))
        throw ArgumentTypeError(name, std::string(name) + " must be a number of seconds, not bool");
    return number_value(v, name);
}

// samplerate=/channels=: the output's; None keeps the source's.
int positive_or_keep(const OptionInput& v, const char* name) {
    if (is_none(v)) return 0;
    std::int64_t n = int_value(v, name, i64_min, int_max);
    if (n <= 0) throw ArgumentError(name, std::string(name) + " must be positive, not " + std::to_string(n));
    return static_cast<int>(n);
}

void set_max_samples(AudioReadRequest& r, const OptionInput& v) {
    if (is_none(v)) {
        r.max_samples = 0;
        return;
    }
    double n = number_value(v, "max_samples");
    if (std::isnan(n) || std::isinf(n) || n < 1)
        throw ArgumentError("max_samples", "max_samples must be positive (or None for no limit)");
    if (auto i = std::get_if<std::int64_t>(&v)) r.max_samples = static_cast<std::uint64_t>(*i);
    else r.max_samples = n >= 1.8e19 ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(n);
}

// mix=: rows (one per output channel) of one weight per source channel.
void set_mix(AudioReadRequest& r, const OptionInput& v) {
    r.mix.clear();
    r.mix_rows = 0;
    if (is_none(v)) return;
    const auto* rows = std::get_if<OptionList>(&v);
    if (!rows)
        throw ArgumentTypeError("mix", "mix must be a matrix: a list of rows, one per output channel, of one weight "
                                       "per source channel");
    std::size_t width = 0;
    for (const OptionInput& row : rows->items) {
        if (!std::holds_alternative<OptionList>(row))
            throw ArgumentTypeError("mix", "mix must be a list of rows (one per output channel) of weights");
        std::vector<double> weights;
        try {
            weights = number_list(row, "mix");
        } catch (const ArgumentTypeError&) {
            throw ArgumentTypeError("mix", "mix weights must be numbers");
        }
        if (r.mix_rows && weights.size() != width)
            throw ArgumentError("mix", "every row of mix must have the same length");
        width = weights.size();
        r.mix.insert(r.mix.end(), weights.begin(), weights.end());
        ++r.mix_rows;
    }
    if (!r.mix_rows) throw ArgumentError("mix", "mix must have at least one row");
}

void set_format(AudioReadRequest& r, const OptionInput& v) {
    std::string format = is_none(v) ? std::string() : text_value(v, "format");
    if (!r.hints.subtype.empty()) {  // raw= came first
        if (!format.empty() && format != "RAW" && format != "raw")
            throw ArgumentError("raw", "raw= describes headerless RAW data, but format='" + format + "'");
        return;
    }
    r.hints.format = format;
}

// raw=: (samplerate, channels, subtype, endian) of headerless RAW data.
void set_raw(AudioReadRequest& r, const OptionInput& v) {
    if (is_none(v)) return;
    const auto* fields = std::get_if<OptionList>(&v);
    if (!fields || fields->items.size() != 4)
        throw ArgumentTypeError("raw", "raw must be a mediaview.RawFormat(samplerate, channels, subtype, endian)");
    std::string format = r.hints.format;
    if (!format.empty() && format != "RAW" && format != "raw")
        throw ArgumentError("raw", "raw= describes headerless RAW data, but format='" + format + "'");
    r.hints.format = "RAW";
    r.hints.samplerate = static_cast<int>(int_value(fields->items[0], "raw.samplerate", i64_min, int_max));
    r.hints.channels = static_cast<int>(int_value(fields->items[1], "raw.channels", i64_min, int_max));
    r.hints.subtype = text_value(fields->items[2], "raw.subtype");
    r.hints.endian = text_value(fields->items[3], "raw.endian");
}

}  // namespace

const std::vector<RequestOption<AudioReadRequest>>& audio_request_options() {
    using R = AudioReadRequest;
    using V = OptionInput;
    static const std::vector<RequestOption<AudioReadRequest>> options = {
        {"dtype", "sample type: int16, int32, float32 or float64",
         [](R& r, const V& v) { r.dtype = by_name(v, "dtype", audio_dtype_from_name); }},
        {"start", "the first source frame (negative: from the end), as a Python slice",
         [](R& r, const V& v) { r.start = int_value(v, "start", i64_min, i64_max); }},
        {"stop", "the source frame to stop before (negative: from the end)",
         [](R& r, const V& v) { r.stop = optional_int(v, "stop"); }},
        {"frames", "how many source frames, instead of stop",
         [](R& r, const V& v) { r.frames = optional_int(v, "frames"); }},
        {"offset", "the start in seconds of the source (librosa's offset=)",
         [](R& r, const V& v) { r.offset = optional_seconds(v, "offset"); }},
        {"duration", "how many seconds of the source (librosa's duration=)",
         [](R& r, const V& v) { r.duration = optional_seconds(v, "duration"); }},
        {"layout", "interleaved (frames, channels) or planar (channels, frames), a strided view of the same memory",
         [](R& r, const V& v) {
             r.shape.layout = by_name(v, "layout", sample_layout_from_name);
         }},
        {"always_2d", "keep the channel axis of mono audio",
         [](R& r, const V& v) { r.shape.always_2d = bool_value(v, "always_2d"); }},
        {"mmap", "True: a read-only view over a memory map of the file, or a ValueError saying why not; None: map "
                 "when possible; False: decode",
         [](R& r, const V& v) {
             if (is_none(v)) r.mmap.reset();
             else r.mmap = bool_value(v, "mmap");
         }},
        {"max_samples", "a read of more frames x channels (as the header claims) is a LimitError before "
                        "allocation; None: no limit",
         set_max_samples},
        {"samplerate", "the output's sample rate (libsoxr resamples); None keeps the source's",
         [](R& r, const V& v) { r.samplerate = positive_or_keep(v, "samplerate"); }},
        {"channels", "the output's channel count (mixed before resampling); None keeps the source's",
         [](R& r, const V& v) { r.channels = positive_or_keep(v, "channels"); }},
        {"mix", "a matrix: one row per output channel of one weight per source channel", set_mix},
        {"resample_quality", "libsoxr's recipe, with python-soxr's names: qq, lq, mq, hq, vhq",
         [](R& r, const V& v) {
             r.quality = by_name(v, "resample_quality", resample_quality_from_name);
         }},
        {"strict", "every warning is a DecodeError", [](R& r, const V& v) { r.strict = bool_value(v, "strict"); }},
        {"allow_truncated", "a stream that ends early gives its frames and a DecodeWarning with the count",
         [](R& r, const V& v) { r.allow_truncated = bool_value(v, "allow_truncated"); }},
        {"verify", "check the decoded audio against the stream's own checksum (FLAC's MD5)",
         [](R& r, const V& v) { r.verify = bool_value(v, "verify"); }},
        {"format", "the container the content must be (checked against it)", set_format},
        {"raw", "(samplerate, channels, subtype, endian) of headerless RAW data", set_raw},
        {"stream", "which stream of a container holding several (the audio of a video, several languages), by "
                   "its index as ffprobe and TorchCodec number them; None: FFmpeg's best audio stream",
         [](R& r, const V& v) {
             if (is_none(v)) {
                 r.hints.stream = -1;
                 return;
             }
             std::int64_t n = int_value(v, "stream", i64_min, int_max);
             if (n < 0) throw ArgumentError("stream", "stream must be a stream index >= 0, not " + std::to_string(n));
             r.hints.stream = static_cast<int>(n);
         }},
    };
    return options;
}

void set_audio_option(AudioReadRequest& request, std::string_view name, const OptionInput& value) {
    find_option(audio_request_options(), name, "audio").set(request, value);
}

void finish_request(AudioReadRequest& request) {
    if (request.stop && request.frames) throw ArgumentError("frames", "give only one of stop and frames");
    std::string& format = request.hints.format;
    if ((format == "RAW" || format == "raw") && request.hints.subtype.empty())
        throw ArgumentTypeError("format", "headerless RAW data is described by raw=mediaview.RawFormat(samplerate, "
                                          "channels, subtype, endian), not format='RAW'");
}

}  // namespace mediaview
