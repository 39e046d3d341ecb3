#include "write_audio.hpp"

#include <algorithm>
#include <stdexcept>

#include "src/file_bytes.hpp"

namespace mediaview {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

std::pair<const AudioCodec*, AudioFormat> writer_for(const CodecTable& codecs, const std::string& format,
                                                     const std::string& name) {
    std::string ext = lowercase_extension(name);
    auto writer = codecs.audio_writer_for(format.empty() ? ext : format);
    if (writer.first) return writer;
    // A format named by the caller is an argument error; an extension that
    // names none is a format this library does not write.
    if (!format.empty()) throw std::invalid_argument("unknown audio format '" + format + "'");
    throw UnsupportedFormatError("no audio format is known for the extension '." + ext + "'; pass format=");
}

std::string default_subtype(const AudioCodec& codec, const AudioFormat& format, const std::string& name) {
    std::string implied = codec.subtype_for_extension(lowercase_extension(name));
    return implied.empty() ? format.default_subtype : implied;
}

}  // namespace

void write_audio(const CodecTable& codecs, const AudioWriteJob& job) {
    const StridedArray& s = job.samples;
    if (s.ndim() != 1 && s.ndim() != 2) throw std::invalid_argument("audio data must be (frames,) or (frames, channels)");
    check_audio_dtype(s.dtype());
    auto [codec, format] = writer_for(codecs, job.format, job.name);
    AudioWriteRequest r;
    r.path = job.path;
    r.format = format.name;
    r.subtype = job.subtype.empty() ? default_subtype(*codec, format, job.name) : job.subtype;
    r.samplerate = job.samplerate;
    r.dtype = s.dtype();
    r.frames = s.shape()[0];
    r.channels = s.ndim() == 2 ? static_cast<int>(s.shape()[1]) : 1;
    r.data = s.data();
    r.frame_stride = s.strides()[0];
    r.channel_stride = s.ndim() == 2 ? s.strides()[1] : static_cast<Index>(s.itemsize());
    r.tags = job.tags;
    codec->write(r);
}

AudioConversion plan_audio_conversion(const CodecTable& codecs, std::string_view target,
                                      const std::string& source_subtype, const std::string& subtype) {
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
    const std::string written = plan.subtype.empty() ? default_subtype(*codec, format, std::string(target)) : plan.subtype;
    plan.lossy = contains(format.lossy_subtypes, written);
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
