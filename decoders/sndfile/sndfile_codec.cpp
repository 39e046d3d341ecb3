// The libsndfile codec: its entry in the codec table (what it reads and
// writes, sniffing, the memory-map layout of plain PCM files) and the
// format tables. The handle that reads is in sndfile_read.cpp, the writer
// in sndfile_write.cpp.
#include "sndfile_codec.hpp"

#include <sndfile.h>

#include <cstring>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "sndfile_detail.hpp"

namespace mediaview::sndfile {

std::mutex& global_error_mutex() {
    static std::mutex m;
    return m;
}

namespace detail {

// The containers libsndfile identifies by a magic number at byte 0.
constexpr const char* container_magics[] = {"RIFF", "RIFX", "RF64", "BW64", "riff", "FORM",
                                            ".snd", "fLaC", "OggS", "caff"};

bool starts_with(const std::uint8_t* head, std::size_t size, const char* magic) {
    std::size_t n = std::strlen(magic);
    return size >= n && std::memcmp(head, magic, n) == 0;
}

bool is_container(const std::uint8_t* head, std::size_t size) {
    for (const char* m : container_magics)
        if (starts_with(head, size, m)) return true;
    return false;
}

}  // namespace detail

namespace {

std::optional<DType> stored_dtype(const std::string& subtype) {
    if (subtype == "PCM_16") return DType::I16;
    if (subtype == "PCM_32") return DType::I32;
    if (subtype == "FLOAT") return DType::F32;
    if (subtype == "DOUBLE") return DType::F64;
    return std::nullopt;
}

bool host_is_big_endian() {
    const std::uint16_t one = 1;
    std::uint8_t first;
    std::memcpy(&first, &one, 1);
    return first == 0;
}

class SndfileDecoder final : public AudioCodec {
public:
    std::string_view name() const override { return "sndfile"; }

    std::string description() const override {
        std::string text = "audio through libsndfile: ";
        for (std::size_t i = 0; i < major_formats().size(); ++i)
            text += (i ? ", " : "") + major_formats()[i].long_name;
        return text;
    }

    std::vector<std::string> extensions() const override {
        std::set<std::string> all = {"aif", "aifc", "ogg", "oga", "opus", "mp3", "mp2"};
        for (const MajorFormat& f : major_formats()) all.insert(f.extension);
        return {all.begin(), all.end()};
    }

    std::string library_version() const override { return sf_version_string(); }

    // libsndfile knows headerless RAW and formats recognised only by their
    // extension: it opens whatever no codec's sniff() claims.
    bool is_fallback() const override { return true; }

    bool sniff(ByteSpan head) const override {
        const std::uint8_t* p = head.data;
        if (detail::is_container(p, head.size)) return true;
        auto is = [&](const char* magic) { return detail::starts_with(p, head.size, magic); };
        if (is("ID3") || (head.size >= 2 && p[0] == 0xff && (p[1] & 0xe0) == 0xe0)) return true;
        return is("NIST_1A") || is("Creative Voice File") || is("2BIT") || is("SDS");
    }

    std::unique_ptr<AudioHandle> open(const AudioSource& source) const override {
        return detail::open_handle(source);
    }

    std::unique_ptr<AudioWriter> open_writer(const AudioWriteRequest& r) const override {
        if (r.channels <= 0 || r.samplerate <= 0) throw std::invalid_argument("need at least one channel and a positive samplerate");
        const std::string& fmt = r.format;
        std::string sub = r.subtype.empty() ? default_subtype(fmt) : r.subtype;
        if (sub.empty()) throw std::invalid_argument("format " + fmt + " needs an explicit subtype");
        return detail::open_file_writer(r, major_code(fmt) | subtype_code(sub), major_code(fmt) == SF_FORMAT_MPEG);
    }

    std::optional<PcmLayout> pcm_layout(const AudioSource& source, const AudioInfo& info, DType dtype, ByteSpan file,
                                        std::string& why) const override {
        if (source.path.empty()) return refuse(why, "the input is not a file path (bytes and file objects are decoded from memory)");
        int major = major_code(info.format);
        bool container = major == SF_FORMAT_WAV || major == SF_FORMAT_WAVEX || major == SF_FORMAT_RF64 ||
                         major == SF_FORMAT_W64 || major == SF_FORMAT_AIFF || major == SF_FORMAT_RAW;
        if (!container) return refuse(why, info.format + " is not a plain PCM container (only WAV, WAVEX, RF64, W64, AIFF and RAW are)");
        std::optional<DType> stored = stored_dtype(info.subtype);
        if (!stored) return refuse(why, "subtype " + info.subtype + " has no matching dtype (PCM_16, PCM_32, FLOAT and DOUBLE do)");
        if (*stored != dtype)
            return refuse(why, "the file stores " + std::string(dtype_name(*stored)) + " samples (" + info.subtype +
                                   ") but dtype " + std::string(dtype_name(dtype)) + " was asked for");
        DataLocation where = major == SF_FORMAT_RAW ? raw_location(source.hints) : find_data(major, file.data, file.size);
        if (where.offset == 0 && major != SF_FORMAT_RAW) return refuse(why, "no data chunk found in the " + info.format + " header");
        if (where.big_endian != host_is_big_endian())
            return refuse(why, std::string("the samples are stored ") + (where.big_endian ? "big" : "little") +
                                   "-endian and this host is " + (host_is_big_endian() ? "big" : "little") +
                                   "-endian: they need byte-swapping, which a memory map cannot do");
        if (where.offset % itemsize(dtype) != 0)
            return refuse(why, "the samples start at byte " + std::to_string(where.offset) + ", not aligned to the " +
                                   std::to_string(itemsize(dtype)) + "-byte sample size");
        std::uint64_t bytes = static_cast<std::uint64_t>(info.frames) * info.channels * itemsize(dtype);
        if (where.offset + bytes > file.size) return refuse(why, "the data chunk reaches past the end of the file");
        return PcmLayout{where.offset, dtype};
    }

    std::vector<AudioFormat> write_formats() const override {
        static const std::vector<AudioFormat> formats = describe_formats();
        return formats;
    }

    std::string subtype_for_extension(const std::string& ext) const override {
        return ext == "opus" ? "OPUS" : std::string();
    }

    std::string cannot_store(const AudioFormat& format, const std::string& subtype, int samplerate,
                             int channels) const override {
        const std::string what = format.name + " " + subtype;
        if (subtype == "OPUS" && samplerate != 8000 && samplerate != 12000 && samplerate != 16000 &&
            samplerate != 24000 && samplerate != 48000)
            return what + " stores 8000, 12000, 16000, 24000 or 48000 Hz, not " + std::to_string(samplerate);
        SF_INFO check{};
        check.format = major_code(format.name) | subtype_code(subtype);
        check.channels = channels;
        check.samplerate = samplerate;
        std::lock_guard<std::mutex> lock(global_error_mutex());
        if (!sf_format_check(&check))
            return what + " cannot store " + std::to_string(channels) + " channel(s) at " +
                   std::to_string(samplerate) + " Hz";
        return {};
    }

    std::optional<DType> exact_dtype(const std::string& subtype) const override {
        if (subtype == "PCM_S8" || subtype == "PCM_U8") return DType::I16;
        if (subtype == "PCM_24") return DType::I32;
        return stored_dtype(subtype);
    }

private:
    // python-soundfile's defaults, so write_audio and soundfile.write agree.
    static std::string default_subtype(const std::string& format) {
        std::string f = major_name(major_code(format));
        if (f == "RAW") return "";
        if (f == "MAT4" || f == "MAT5") return "DOUBLE";
        if (f == "XI") return "DPCM_16";
        if (f == "WVE") return "ALAW";
        if (f == "OGG") return "VORBIS";
        if (f == "MP3") return "MPEG_LAYER_III";
        return "PCM_16";
    }

    // Every major format with what it stores: its subtypes are those
    // sf_format_check accepts (mono, 48 kHz, the most permissive case).
    static std::vector<AudioFormat> describe_formats() {
        const std::vector<MajorFormat>& majors = major_formats();  // takes the lock itself
        std::lock_guard<std::mutex> lock(global_error_mutex());
        std::vector<AudioFormat> out;
        for (const MajorFormat& major : majors) {
            AudioFormat f;
            f.name = major.name;
            f.description = major.long_name;
            f.extensions = {major.extension};
            for (const std::string& alias : extension_aliases(major.name))
                if (alias != major.extension) f.extensions.push_back(alias);
            f.default_subtype = default_subtype(major.name);
            for (const std::string& sub : subtype_names()) {
                SF_INFO check{};
                check.format = major.code | subtype_code(sub);
                check.channels = 1;
                check.samplerate = 48000;
                if (!sf_format_check(&check)) continue;
                f.subtypes.push_back(sub);
                if (is_lossy(sub)) f.lossy_subtypes.push_back(sub);
            }
            limits_of(major.name, f);
            out.push_back(std::move(f));
        }
        return out;
    }

    // Extensions that name a format besides libsndfile's own one.
    static std::vector<std::string> extension_aliases(const std::string& format) {
        if (format == "AIFF") return {"aif", "aifc"};
        if (format == "OGG") return {"ogg", "oga", "opus"};
        if (format == "MP3") return {"mp3", "mp2"};
        if (format == "WAV") return {"wave"};
        if (format == "AU") return {"snd"};
        return {};
    }

    static bool is_lossy(const std::string& subtype) {
        return subtype == "VORBIS" || subtype == "OPUS" || subtype.rfind("MPEG_LAYER_", 0) == 0;
    }

    // What the encoders behind a format can store, which sf_format_check
    // does not say: MP3 (LAME) takes the MPEG-1/2/2.5 rates and two
    // channels, Opus its five rates; libsndfile's own limit is 1024 channels.
    static void limits_of(const std::string& format, AudioFormat& f) {
        if (format == "MP3") {
            f.samplerates = {8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000};
            f.max_channels = 2;
        }
    }

    static std::optional<PcmLayout> refuse(std::string& why, std::string reason) {
        why = std::move(reason);
        return std::nullopt;
    }

    // Headerless data starts at byte 0; libsndfile reads RAW in the order
    // the caller names, little-endian for FILE.
    static DataLocation raw_location(const AudioHints& hints) {
        int e = hints.endian.empty() ? SF_ENDIAN_FILE : endian_code(hints.endian);
        bool big = e == SF_ENDIAN_BIG || (e == SF_ENDIAN_CPU && host_is_big_endian());
        return {0, big};
    }
};

}  // namespace

const std::vector<MajorFormat>& major_formats() {
    static const std::vector<MajorFormat> formats = [] {
        std::lock_guard<std::mutex> lock(global_error_mutex());
        std::vector<MajorFormat> out;
        int count = 0;
        sf_command(nullptr, SFC_GET_FORMAT_MAJOR_COUNT, &count, sizeof count);
        for (int i = 0; i < count; ++i) {
            SF_FORMAT_INFO fi{};
            fi.format = i;
            if (sf_command(nullptr, SFC_GET_FORMAT_MAJOR, &fi, sizeof fi) != 0) continue;
            out.push_back({fi.format, major_name(fi.format), fi.name ? fi.name : "", fi.extension ? fi.extension : ""});
        }
        return out;
    }();
    return formats;
}

const AudioCodec& codec() {
    static const SndfileDecoder instance;
    return instance;
}

}  // namespace mediaview::sndfile
