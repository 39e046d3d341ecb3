#include "sndfile_decoder.hpp"

#include <sndfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "format_names.hpp"
#include "src/core/file_bytes.hpp"

namespace mediaview::sndfile {
namespace {

// ---- virtual I/O over bytes in memory ----------------------------------------

struct MemoryFile {
    ByteSpan bytes;
    sf_count_t position = 0;
};

sf_count_t vio_length(void* user) { return static_cast<sf_count_t>(static_cast<MemoryFile*>(user)->bytes.size); }

sf_count_t vio_seek(sf_count_t offset, int whence, void* user) {
    auto* f = static_cast<MemoryFile*>(user);
    sf_count_t base = whence == SEEK_CUR ? f->position : whence == SEEK_END ? vio_length(user) : 0;
    sf_count_t target = base + offset;
    if (target < 0) return -1;
    f->position = target;  // past the end is allowed, as for a file; reads there return 0
    return target;
}

sf_count_t vio_read(void* ptr, sf_count_t count, void* user) {
    auto* f = static_cast<MemoryFile*>(user);
    sf_count_t size = vio_length(user);
    if (count <= 0 || f->position >= size) return 0;
    sf_count_t n = std::min(count, size - f->position);
    std::memcpy(ptr, f->bytes.data + f->position, static_cast<std::size_t>(n));
    f->position += n;
    return n;
}

sf_count_t vio_write(const void*, sf_count_t, void*) { return 0; }  // read-only
sf_count_t vio_tell(void* user) { return static_cast<MemoryFile*>(user)->position; }

SF_VIRTUAL_IO memory_io = {vio_length, vio_seek, vio_read, vio_write, vio_tell};

// ---- the handle -----------------------------------------------------------------

struct CloseSndfile {
    void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, CloseSndfile>;

SF_INFO info_from_hints(const AudioHints& hints) {
    SF_INFO info{};
    if (hints.format.empty()) return info;  // libsndfile reads the header
    int major = major_from_name(hints.format);
    if (!major) throw std::invalid_argument("unknown format '" + hints.format + "'");
    if (major != SF_FORMAT_RAW) return info;  // only RAW needs (and takes) a description
    int subtype = subtype_from_name(hints.subtype);
    int endian = hints.endian.empty() ? SF_ENDIAN_FILE : endian_from_name(hints.endian);
    if (!subtype || hints.samplerate <= 0 || hints.channels <= 0 || endian < 0)
        throw std::invalid_argument("RAW data needs samplerate, channels and subtype (and a valid endian)");
    info.format = SF_FORMAT_RAW | subtype | endian;
    info.samplerate = hints.samplerate;
    info.channels = hints.channels;
    return info;
}

[[noreturn]] void throw_open_error(int code, const std::string& message, const std::string& what) {
    std::string text = what + ": " + message;
    // sf_error() returns libsndfile's internal codes, of which only the first
    // few are public; "unimplemented format" (e.g. 12- and 20-bit FLAC in
    // 1.2.0) is one of the private ones, so its message identifies it.
    bool unimplemented = message.find("unimplemented") != std::string::npos;
    if (code == SF_ERR_UNRECOGNISED_FORMAT || code == SF_ERR_UNSUPPORTED_ENCODING || unimplemented)
        throw UnsupportedFormatError(text);
    throw DecodeError(text);
}

// libsndfile folds operating-system failures into "System error"; check the
// path first so a missing file or a directory raises the usual OSError.
void check_readable(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw FileError(errno, path);
    if (S_ISDIR(st.st_mode)) throw FileError(EISDIR, path);
    if (::access(path.c_str(), R_OK) != 0) throw FileError(errno, path);
}

// MPEG audio's frame count is exact only when the first frame carries a
// Xing/Info or VBRI header; otherwise mpg123 estimates it from the bitrate.
bool mpeg_length_is_exact(const std::uint8_t* head, std::size_t size) {
    std::size_t at = 0;
    if (size >= 10 && std::memcmp(head, "ID3", 3) == 0) {
        at = 10 + ((head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | (head[9] & 0x7F));
        if (head[5] & 0x10) at += 10;  // ID3v2 footer
    }
    std::size_t end = std::min(size, at + 4096);
    for (std::size_t i = at; i + 4 <= end; ++i) {
        if (std::memcmp(head + i, "Xing", 4) == 0 || std::memcmp(head + i, "Info", 4) == 0 ||
            std::memcmp(head + i, "VBRI", 4) == 0)
            return true;
    }
    return false;
}

const std::pair<int, const char*> kTags[] = {
    {SF_STR_TITLE, "title"},     {SF_STR_ARTIST, "artist"},   {SF_STR_ALBUM, "album"},
    {SF_STR_DATE, "date"},       {SF_STR_COMMENT, "comment"}, {SF_STR_GENRE, "genre"},
    {SF_STR_TRACKNUMBER, "tracknumber"}, {SF_STR_COPYRIGHT, "copyright"}, {SF_STR_SOFTWARE, "software"},
    {SF_STR_LICENSE, "license"},
};

class SndfileStream final : public AudioStream {
public:
    SndfileStream(const AudioSource& source, const AudioHints& hints) {
        SF_INFO sfinfo = info_from_hints(hints);
        if (!source.path.empty()) check_readable(source.path);
        std::string what = source.path.empty() ? "audio data" : source.path;
        {
            std::lock_guard<std::mutex> lock(global_error_mutex());
            if (source.path.empty()) {
                memory_ = std::make_unique<MemoryFile>(MemoryFile{source.memory, 0});
                file_.reset(sf_open_virtual(&memory_io, SFM_READ, &sfinfo, memory_.get()));
            } else {
                file_.reset(sf_open(source.path.c_str(), SFM_READ, &sfinfo));
            }
            if (!file_) throw_open_error(sf_error(nullptr), sf_strerror(nullptr), what);
        }
        // As python-soundfile does: float data read as integers saturates
        // instead of wrapping around.
        sf_command(file_.get(), SFC_SET_CLIPPING, nullptr, SF_TRUE);
        describe(sfinfo, source);
    }

    const AudioInfo& info() const override { return info_; }

    void seek(std::int64_t frame) override {
        if (sf_seek(file_.get(), frame, SEEK_SET) < 0)
            throw DecodeError("cannot seek to frame " + std::to_string(frame) + ": " + sf_strerror(file_.get()));
    }

    std::int64_t read(DType dtype, void* out, std::int64_t frames) override {
        sf_count_t got = 0;
        switch (dtype) {
            case DType::I16: got = sf_readf_short(file_.get(), static_cast<short*>(out), frames); break;
            case DType::I32: got = sf_readf_int(file_.get(), static_cast<int*>(out), frames); break;
            case DType::F32: got = sf_readf_float(file_.get(), static_cast<float*>(out), frames); break;
            case DType::F64: got = sf_readf_double(file_.get(), static_cast<double*>(out), frames); break;
            default: throw std::invalid_argument("audio reads int16, int32, float32 or float64");
        }
        // A short read is the end of the data, or damage libsndfile noticed.
        if (got < frames && sf_error(file_.get()) != SF_ERR_NO_ERROR)
            throw DecodeError(std::string("audio data is damaged: ") + sf_strerror(file_.get()));
        return got;
    }

private:
    void describe(const SF_INFO& sfinfo, const AudioSource& source) {
        info_.samplerate = sfinfo.samplerate;
        info_.channels = sfinfo.channels;
        info_.format = major_name(sfinfo.format);
        info_.subtype = subtype_name(sfinfo.format);
        info_.endian = endian_name(sfinfo.format);
        info_.seekable = sfinfo.seekable != 0;
        // The Opus decoder carries state across packets and libsndfile's
        // seek pre-roll does not fully restore it: samples decoded after a
        // seek differ by about 1e-6 from a decode from the start.
        info_.exact_seek = (sfinfo.format & SF_FORMAT_SUBMASK) != SF_FORMAT_OPUS;
        // libsndfile reports SF_COUNT_MAX when the stream does not say (e.g. a
        // FLAC file without a total-samples field).
        info_.exact_length = sfinfo.frames >= 0 && sfinfo.frames != std::numeric_limits<sf_count_t>::max();
        info_.frames = info_.exact_length ? sfinfo.frames : 0;
        if ((sfinfo.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_MPEG) {
            std::vector<std::uint8_t> head = read_head(source);
            info_.exact_length = mpeg_length_is_exact(head.data(), head.size());
        }
        for (const auto& [id, name] : kTags) {
            if (const char* value = sf_get_string(file_.get(), id)) info_.tags[name] = value;
        }
    }

    static std::vector<std::uint8_t> read_head(const AudioSource& source) {
        if (source.path.empty()) {
            std::size_t n = std::min<std::size_t>(source.memory.size, 1 << 20);
            return {source.memory.data, source.memory.data + n};
        }
        std::vector<std::uint8_t> head(1 << 20);
        std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(source.path.c_str(), "rb"), &std::fclose);
        head.resize(f ? std::fread(head.data(), 1, head.size(), f.get()) : 0);
        return head;
    }

    std::unique_ptr<MemoryFile> memory_;  // must outlive file_ (declared first, destroyed last)
    SndfilePtr file_;
    AudioInfo info_;
};

// ---- the codec --------------------------------------------------------------------

bool starts_with(ByteSpan head, const char* magic, std::size_t at = 0) {
    std::size_t n = std::strlen(magic);
    return head.size >= at + n && std::memcmp(head.data + at, magic, n) == 0;
}

class SndfileDecoder final : public AudioDecoder {
public:
    std::string_view name() const override { return "sndfile"; }

    std::string description() const override {
        std::string text = "Audio (libsndfile):";
        for (const auto& [name, ext] : majors()) text += " " + name;
        return text;
    }

    std::vector<std::string> extensions() const override {
        std::vector<std::string> out;
        auto add = [&out](const std::string& ext) {
            if (!ext.empty() && std::find(out.begin(), out.end(), ext) == out.end()) out.push_back(ext);
        };
        for (const auto& [name, ext] : majors()) add(ext);
        // Common spellings libsndfile's own list leaves out ("m1a" stands for MPEG).
        for (const char* extra : {"aif", "aifc", "ogg", "oga", "opus", "mp3", "mp2", "wave"}) add(extra);
        return out;
    }

    std::string library_version() const override { return sf_version_string(); }

    bool sniff(ByteSpan h) const override {
        return starts_with(h, "RIFF") || starts_with(h, "RIFX") || starts_with(h, "RF64") ||
               starts_with(h, "riff") || starts_with(h, "FORM") || starts_with(h, ".snd") ||
               starts_with(h, "fLaC") || starts_with(h, "OggS") || starts_with(h, "caff") ||
               starts_with(h, "ID3") || (h.size >= 2 && h.data[0] == 0xFF && (h.data[1] & 0xE0) == 0xE0);
    }

    std::unique_ptr<AudioStream> open(const AudioSource& source, const AudioHints& hints) const override {
        return std::make_unique<SndfileStream>(source, hints);
    }

private:
    // Every major format this libsndfile build reads, with its extension.
    static const std::vector<std::pair<std::string, std::string>>& majors() {
        static const std::vector<std::pair<std::string, std::string>> list = [] {
            std::vector<std::pair<std::string, std::string>> out;
            int count = 0;
            sf_command(nullptr, SFC_GET_FORMAT_MAJOR_COUNT, &count, sizeof count);
            for (int i = 0; i < count; ++i) {
                SF_FORMAT_INFO f{};
                f.format = i;
                sf_command(nullptr, SFC_GET_FORMAT_MAJOR, &f, sizeof f);
                out.emplace_back(major_name(f.format), f.extension ? f.extension : "");
            }
            return out;
        }();
        return list;
    }
};

}  // namespace

std::mutex& global_error_mutex() {
    static std::mutex mutex;
    return mutex;
}

const AudioDecoder& decoder() {
    static const SndfileDecoder instance;
    return instance;
}

}  // namespace mediaview::sndfile
