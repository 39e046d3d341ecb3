// What is shared by every codec interface: checked options, the field lists
// that describe an ImageInfo or AudioInfo, and the audio sample types.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "audio_codec.hpp"
#include "image_codec.hpp"

namespace mediaview {

// ---- options ------------------------------------------------------------------

namespace {

const char* kind_name(OptionSpec::Kind kind) {
    switch (kind) {
        case OptionSpec::Kind::Int: return "an integer";
        case OptionSpec::Kind::Bool: return "True or False";
        case OptionSpec::Kind::Text: return "a string";
    }
    return "a value";
}

bool holds_kind(const OptionValue& v, OptionSpec::Kind kind) {
    switch (kind) {
        case OptionSpec::Kind::Int: return std::holds_alternative<std::int64_t>(v);
        case OptionSpec::Kind::Bool: return std::holds_alternative<bool>(v);
        case OptionSpec::Kind::Text: return std::holds_alternative<std::string>(v);
    }
    return false;
}

std::string names_of(const std::vector<OptionSpec>& specs) {
    std::string text;
    for (const OptionSpec& s : specs) text += (text.empty() ? "" : ", ") + s.name;
    return text.empty() ? "none" : text;
}

}  // namespace

void check_options(const std::vector<OptionSpec>& specs, const Options& options, std::string_view codec) {
    for (const auto& entry : options) {
        const std::string& name = entry.first;  // (not a structured binding: lambdas may not capture those in C++17)
        const OptionValue& value = entry.second;
        auto spec = std::find_if(specs.begin(), specs.end(), [&](const OptionSpec& s) { return s.name == name; });
        // An unknown keyword is a TypeError, as for any Python function.
        if (spec == specs.end())
            throw ArgumentTypeError(std::string(codec) + " takes no option '" + name + "' (its options: " +
                                    names_of(specs) + ")");
        if (!holds_kind(value, spec->kind))
            throw ArgumentTypeError(name + " must be " + kind_name(spec->kind));
        if (spec->kind == OptionSpec::Kind::Int && spec->min < spec->max) {
            std::int64_t v = std::get<std::int64_t>(value);
            if (v < spec->min || v > spec->max)
                throw std::invalid_argument(name + " must be " + std::to_string(spec->min) + " to " +
                                            std::to_string(spec->max) + ", not " + std::to_string(v));
        }
        if (spec->kind == OptionSpec::Kind::Text && !spec->choices.empty()) {
            const std::string& v = std::get<std::string>(value);
            if (std::find(spec->choices.begin(), spec->choices.end(), v) == spec->choices.end()) {
                std::string choices;
                for (const std::string& c : spec->choices) choices += (choices.empty() ? "" : ", ") + c;
                throw std::invalid_argument(name + " must be one of " + choices + ", not '" + v + "'");
            }
        }
    }
}

std::int64_t int_option(const Options& options, const std::string& name, std::int64_t fallback) {
    auto it = options.find(name);
    return it == options.end() ? fallback : std::get<std::int64_t>(it->second);
}

bool bool_option(const Options& options, const std::string& name, bool fallback) {
    auto it = options.find(name);
    return it == options.end() ? fallback : std::get<bool>(it->second);
}

std::string text_option(const Options& options, const std::string& name, const std::string& fallback) {
    auto it = options.find(name);
    return it == options.end() ? fallback : std::get<std::string>(it->second);
}

int encode_channels(const StridedArray& image, const ImageMeta& meta, std::string_view format) {
    if (image.ndim() != 2 && image.ndim() != 3)
        throw std::invalid_argument(std::string(format) + " encoding needs an image of shape (H, W) or (H, W, C)");
    const int channels = image.ndim() == 3 ? static_cast<int>(image.shape()[2]) : 1;
    if (channels != channels_of(meta.mode))
        throw std::invalid_argument("mode " + std::string(pixel_mode_name(meta.mode)) + " needs " +
                                    std::to_string(channels_of(meta.mode)) + " channel(s), the image has " +
                                    std::to_string(channels));
    return channels;
}

EncodedBytes ImageCodec::encode(const StridedArray&, const ImageMeta&, const Options&) const {
    throw UnsupportedFormatError(std::string(name()) + " cannot write images");
}

EncodedBytes ImageCodec::encode_pages(const std::vector<StridedArray>&, const std::vector<ImageMeta>&,
                                      const Options&) const {
    throw UnsupportedFormatError(std::string(name()) + " files hold one image: write one at a time");
}

// ---- info fields --------------------------------------------------------------

Fields fields_of(const ImageInfo& i) {
    Fields f = {
        {"format", i.format},
        {"width", std::int64_t{i.width}},
        {"height", std::int64_t{i.height}},
        {"components", std::int64_t{i.components}},
        {"colorspace", i.colorspace},
        {"subsampling", i.subsampling},
        {"progressive", i.progressive},
        {"arithmetic", i.arithmetic},
        {"precision", std::int64_t{i.precision}},
        {"orientation", std::int64_t{i.orientation}},
        {"has_icc", i.has_icc},
    };
    f.insert(f.end(), i.extra.begin(), i.extra.end());
    return f;
}

Fields fields_of(const AudioInfo& i) {
    return {
        {"samplerate", std::int64_t{i.samplerate}},
        {"channels", std::int64_t{i.channels}},
        {"frames", i.frames},
        {"duration", i.duration()},
        {"format", i.format},
        {"subtype", i.subtype},
        {"endian", i.endian},
        {"format_info", i.format_info},
        {"subtype_info", i.subtype_info},
        {"seekable", i.seekable},
        {"exact_length", i.exact_length},
        {"damage", i.damage},
        {"bitrate", i.bitrate > 0 ? FieldValue(i.bitrate) : FieldValue()},
        {"streams", i.streams.empty() ? FieldValue() : FieldValue(i.streams)},
    };
}

double AudioInfo::duration() const {
    if (frames < 0) return std::nan("");
    return samplerate > 0 ? static_cast<double>(frames) / samplerate : 0.0;
}

// ---- audio sample types --------------------------------------------------------

namespace {

// "int16, int32, float32 or float64"
std::string audio_dtype_names() {
    const std::vector<DType>& types = audio_dtypes();
    std::string names;
    for (std::size_t i = 0; i < types.size(); ++i)
        names += (i == 0 ? "" : i + 1 == types.size() ? " or " : ", ") + std::string(dtype_name(types[i]));
    return names;
}

}  // namespace

const std::vector<DType>& audio_dtypes() {
    static const std::vector<DType> types = {DType::I16, DType::I32, DType::F32, DType::F64};
    return types;
}

DType check_audio_dtype(DType t) {
    if (std::find(audio_dtypes().begin(), audio_dtypes().end(), t) != audio_dtypes().end()) return t;
    throw std::invalid_argument("audio samples must be " + audio_dtype_names() + ", not " + std::string(dtype_name(t)));
}

DType audio_dtype_from_name(std::string_view name) {
    for (DType a : audio_dtypes())
        if (dtype_name(a) == name) return a;
    throw std::invalid_argument("audio dtype must be " + audio_dtype_names() + ", not " + std::string(name));
}

}  // namespace mediaview
