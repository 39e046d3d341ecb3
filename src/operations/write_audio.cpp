#include "write_audio.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "src/file_bytes.hpp"

namespace mediaview {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

// For a format a decoder reads but no codec writes (.m4a, .wma: read
// through FFmpeg), the sentence that says so, naming the format rather than
// leaving "unknown" to suggest a typo.
std::string read_only(const CodecTable& codecs, const std::string& ext) {
    std::string key = ext;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    for (const Codec* codec : codecs.all())
        if (codec->kind() == MediaKind::Audio && contains(codec->extensions(), key))
            return ": ." + key + " is read (by the " + std::string(codec->name()) + " decoder) but not written";
    return "";
}

// The content written always matches the extension: a format named beside
// a path whose extension names another format (FLAC into "x.wav", WAV into
// "x.m4a") is refused. A format whose own extensions include it agrees
// (NIST or WAVEX in ".wav", OGG in ".opus").
void check_extension_agrees(const CodecTable& codecs, const std::string& format, const AudioFormat& named,
                            const std::string& name) {
    std::string ext = lowercase_extension(name);
    if (ext.empty() || contains(named.extensions, ext)) return;
    auto by_extension = codecs.audio_writer_for(ext);
    if (by_extension.first ? by_extension.second.name == named.name : read_only(codecs, ext).empty()) return;
    throw ArgumentError("format", "format '" + format + "' disagrees with the extension of " + name +
                                      " (the file would not hold what its name says): give one of them");
}

std::pair<const AudioCodec*, AudioFormat> writer_for(const CodecTable& codecs, const std::string& format,
                                                     const std::string& name) {
    std::string ext = lowercase_extension(name);
    auto writer = codecs.audio_writer_for(format.empty() ? ext : format);
    if (writer.first && !format.empty()) check_extension_agrees(codecs, format, writer.second, name);
    if (writer.first) return writer;
    // A format named by the caller is an argument error; an extension that
    // names none is a format this library does not write.
    if (!format.empty())
        throw std::invalid_argument("unknown audio format '" + format + "'" + read_only(codecs, format));
    std::string known = read_only(codecs, ext);
    throw UnsupportedFormatError("no audio format is known for the extension '." + ext + "'" +
                                 (known.empty() ? "; pass format=" : known));
}

std::string default_subtype(const AudioCodec& codec, const AudioFormat& format, const std::string& name) {
    std::string implied = codec.subtype_for_extension(lowercase_extension(name));
    return implied.empty() ? format.default_subtype : implied;
}

// The subtype a target (an extension or a format name) implies.
std::string implied_subtype(const AudioCodec& codec, const AudioFormat& format, std::string_view target) {
    std::string implied = codec.subtype_for_extension(std::string(target));
    return implied.empty() ? format.default_subtype : implied;
}

}  // namespace

namespace {

void check_storable(const AudioCodec& codec, const AudioFormat& format, const std::string& subtype, int samplerate,
                    int channels) {
    if (!format.samplerates.empty() &&
        std::find(format.samplerates.begin(), format.samplerates.end(), samplerate) == format.samplerates.end()) {
        std::string rates;
        for (int r : format.samplerates) rates += (rates.empty() ? "" : ", ") + std::to_string(r);
        throw std::invalid_argument(format.name + " stores " + rates + " Hz, not " + std::to_string(samplerate));
    }
    if (format.max_channels && channels > format.max_channels)
        throw std::invalid_argument(format.name + " stores at most " + std::to_string(format.max_channels) +
                                    " channels, not " + std::to_string(channels));
    std::string why = codec.cannot_store(format, subtype, samplerate, channels);
    if (!why.empty()) throw std::invalid_argument(why);
}

}  // namespace

namespace {

// The samples as the codec takes a block: frames, channels, dtype, strides.
void describe_samples(const StridedArray& s, AudioWriteRequest& r) {
    if (s.ndim() != 1 && s.ndim() != 2) throw std::invalid_argument("audio data must be (frames,) or (frames, channels)");
    check_audio_dtype(s.dtype());
    r.dtype = s.dtype();
    r.frames = s.shape()[0];
    r.channels = s.ndim() == 2 ? static_cast<int>(s.shape()[1]) : 1;
    r.data = s.data();
    r.frame_stride = s.strides()[0];
    r.channel_stride = s.ndim() == 2 ? s.strides()[1] : static_cast<Index>(s.itemsize());
}

}  // namespace

std::unique_ptr<AudioWriter> open_audio_writer(const CodecTable& codecs, const AudioWriteHeader& header) {
    check_audio_dtype(header.dtype);
    auto [codec, format] = writer_for(codecs, header.format, header.name);
    AudioWriteRequest r;
    r.path = header.path;
    r.name = header.name;
    r.format = format.name;
    r.subtype = header.subtype.empty() ? default_subtype(*codec, format, header.name) : header.subtype;
    r.samplerate = header.samplerate;
    r.dtype = header.dtype;
    r.channels = header.channels;
    r.tags = header.tags;
    // What the format's encoder cannot store is found before the file is
    // made (an unknown subtype is left to the codec, which names it).
    if (contains(format.subtypes, r.subtype)) {
        try {
            check_storable(*codec, format, r.subtype, r.samplerate, r.channels);
        } catch (const std::invalid_argument& e) {
            throw UnsupportedFormatError(e.what());
        }
    }
    return codec->open_writer(r);
}

void append_audio(AudioWriter& writer, const StridedArray& samples) {
    AudioWriteRequest block;
    describe_samples(samples, block);
    writer.append(block);
}

void write_audio(const CodecTable& codecs, AudioWriteHeader header, const StridedArray& samples) {
    AudioWriteRequest described;
    describe_samples(samples, described);  // checked before the file is made
    header.channels = described.channels;
    header.dtype = described.dtype;
    std::unique_ptr<AudioWriter> writer = open_audio_writer(codecs, header);
    writer->append(described);
    writer->close();
}


AudioConversion plan_audio_conversion(const CodecTable& codecs, std::string_view target,
                                      const std::string& source_subtype, const std::string& subtype,
                                      int samplerate, int channels) {
    auto [codec, format] = codecs.audio_writer_for(target);
    if (!codec) throw UnsupportedFormatError("unknown audio output format '" + std::string(target) + "'");
    AudioConversion plan;
    plan.format = format.name;
    const std::optional<DType> source_exact = codec->exact_dtype(source_subtype);
    if (!subtype.empty()) {
        if (!contains(format.subtypes, subtype))
            throw std::invalid_argument(format.name + " cannot store subtype " + subtype);
        plan.subtype = subtype;
    } else if (source_exact && contains(format.subtypes, source_subtype)) {
        plan.subtype = source_subtype;
    } else if (source_subtype == "PCM_S8" || source_subtype == "PCM_U8") {
        // 8-bit PCM is unsigned in WAV/W64/RF64 and signed elsewhere: either
        // stores the other's samples exactly.
        for (const char* eight : {"PCM_S8", "PCM_U8"})
            if (contains(format.subtypes, eight)) plan.subtype = eight;
    }
    const std::string written = plan.subtype.empty() ? implied_subtype(*codec, format, target) : plan.subtype;
    plan.lossy = contains(format.lossy_subtypes, written);
    if (samplerate > 0 && channels > 0) check_storable(*codec, format, written, samplerate, channels);
    // An extension that implies a subtype (".opus") keeps implying it when
    // the format is named instead (--format opus).
    if (plan.subtype.empty() && written != format.default_subtype) plan.subtype = written;
    // Integers go to an integer subtype unchanged; floats (which the codec
    // scales to and from [-1, 1]) to a float, lossy or default subtype.
    // Integers never go to a float subtype: libsndfile, like
    // python-soundfile, would not rescale them.
    const std::optional<DType> kept = plan.subtype.empty() ? std::nullopt : codec->exact_dtype(plan.subtype);
    const bool integer_source = source_exact == DType::I16 || source_exact == DType::I32;
    if (kept == DType::F64)
        plan.dtype = DType::F64;
    else if (plan.subtype.empty() || plan.lossy || kept == DType::F32 || !integer_source)
        plan.dtype = DType::F32;
    else
        plan.dtype = *source_exact;
    return plan;
}

}  // namespace mediaview
