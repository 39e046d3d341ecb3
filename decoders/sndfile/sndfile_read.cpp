// The read side of the libsndfile codec: a handle on a path or on memory we
// own (through libsndfile's virtual I/O), libsndfile's errors turned into
// ours, libmpg123's stderr kept quiet, and the damage libsndfile opens
// quietly.
#include <sndfile.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/file_bytes.hpp"
#include "src/stderr_filter.hpp"
#include "sndfile_codec.hpp"
#include "sndfile_detail.hpp"

namespace mediaview::sndfile::detail {

namespace {

// ---- libsndfile's virtual I/O over memory we keep alive ---------------------

struct MemoryCursor {
    const std::uint8_t* data = nullptr;
    sf_count_t size = 0;
    sf_count_t pos = 0;
};

sf_count_t mem_length(void* user) { return static_cast<MemoryCursor*>(user)->size; }

sf_count_t mem_seek(sf_count_t offset, int whence, void* user) {
    auto* m = static_cast<MemoryCursor*>(user);
    sf_count_t base = whence == SEEK_CUR ? m->pos : whence == SEEK_END ? m->size : 0;
    m->pos = std::clamp<sf_count_t>(base + offset, 0, m->size);
    return m->pos;
}

sf_count_t mem_read(void* ptr, sf_count_t count, void* user) {
    auto* m = static_cast<MemoryCursor*>(user);
    sf_count_t n = std::clamp<sf_count_t>(m->size - m->pos, 0, count);
    std::memcpy(ptr, m->data + m->pos, static_cast<std::size_t>(n));
    m->pos += n;
    return n;
}

sf_count_t mem_write(const void*, sf_count_t, void*) { return 0; }  // read-only input
sf_count_t mem_tell(void* user) { return static_cast<MemoryCursor*>(user)->pos; }

SF_VIRTUAL_IO memory_io = {mem_length, mem_seek, mem_read, mem_write, mem_tell};

// ---- errors -------------------------------------------------------------------

// Turns the global error of a failed open (of `path`, empty for memory)
// into our exception type; call with global_error_mutex() held.
[[noreturn]] void throw_open_error(const std::string& what, const std::string& path) {
    int code = sf_error(nullptr);
    std::string text = sf_strerror(nullptr);
    std::string message = what + ": " + text;
    // libsndfile's internal codes are not public; its texts for content it
    // knows but cannot decode (e.g. 12- and 20-bit FLAC in 1.2.0) say so.
    bool lacks_feature = text.find("unimplemented") != std::string::npos ||
                         text.find("not supported") != std::string::npos ||
                         text.find("nsupported") != std::string::npos;
    // For content it does not recognise in a file named *.mp3, libsndfile
    // lets libmpg123 try, and reports that one's failure as "not a regular
    // file" - about a file check_readable has just found regular.
    bool mpeg_fallback_failed = text.find("not a regular file") != std::string::npos;
    if (code == SF_ERR_UNRECOGNISED_FORMAT || code == SF_ERR_UNSUPPORTED_ENCODING || lacks_feature)
        throw UnsupportedFormatError(message);
    // A file that vanished (or changed) between check_readable and
    // libsndfile's own open: the OS error, as if we had seen it ourselves.
    if (code == SF_ERR_SYSTEM && !path.empty()) {
        for (int err : {ENOENT, EACCES, ENOTDIR, EISDIR, ELOOP, ENAMETOOLONG, EMFILE, ENFILE}) {
            if (text.find(std::strerror(err)) != std::string::npos) throw FileError(err, path);
        }
    }
    if (mpeg_fallback_failed)
        throw UnsupportedFormatError(what + ": Format not recognised (nor as MP3 by libmpg123, tried for the .mp3 name).");
    // libsndfile refuses headers declaring more than 1024 channels (its
    // SF_MAX_CHANNELS) before allocating anything: a limit, not damage.
    if (text.find("Too many channels") != std::string::npos)
        throw LimitError(message + " (libsndfile reads at most 1024 channels)");
    throw DecodeError(message);
}

// Opening the path ourselves first gives the caller the real OS error
// (FileNotFoundError, IsADirectoryError, ...) instead of libsndfile's text,
// refuses FIFOs and devices the way image paths are refused (libsndfile
// would block opening a FIFO), and names an empty file as such.
void check_readable(const std::string& path) {
    if (RegularFile(path).size() == 0) throw UnsupportedFormatError("'" + path + "' is empty: no audio data");
}

// ---- opening --------------------------------------------------------------------

SF_INFO requested_info(const AudioHints& hints) {
    SF_INFO info{};
    if (hints.format.empty() || major_code(hints.format) != SF_FORMAT_RAW) return info;  // libsndfile detects
    if (hints.subtype.empty() || hints.samplerate <= 0 || hints.channels <= 0)
        throw std::invalid_argument("RAW input needs subtype, samplerate and channels");
    info.format = SF_FORMAT_RAW | subtype_code(hints.subtype) | (hints.endian.empty() ? 0 : endian_code(hints.endian));
    info.samplerate = hints.samplerate;
    info.channels = hints.channels;
    return info;
}

std::string format_long_name(int code, int command) {
    SF_FORMAT_INFO fi{};
    fi.format = code;
    if (sf_command(nullptr, command, &fi, sizeof fi) != 0 || !fi.name) return {};
    return fi.name;
}

// The first bytes of the input, for format checks libsndfile does not expose.
std::vector<std::uint8_t> head_of(const AudioSource& source, std::size_t n) {
    if (source.path.empty()) {
        std::size_t k = std::min(n, source.bytes.size);
        return {source.bytes.data, source.bytes.data + k};
    }
    return read_head(source.path, n);
}

// The size of the whole input in bytes (0 when a path cannot be examined).
std::uint64_t source_size(const AudioSource& source) {
    if (source.path.empty()) return source.bytes.size;
    struct stat st {};
    return ::stat(source.path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

// libmpg123's complaints (src/stderr_filter.hpp): "[src/libmpg123/...]
// error: ...", and notes and warnings it prints without a location
// ("Warning: Xing stream size off...").
bool mpg123_noise(const std::string& line) {
    return line.find("libmpg123") != std::string::npos || line.rfind("Note: ", 0) == 0 ||
           line.rfind("Warning: ", 0) == 0 || line.rfind("Error: ", 0) == 0;
}

// Whether the first bytes are one of the containers is_container() knows,
// so that opening cannot reach libmpg123's probing.
bool clearly_not_mpeg(const std::vector<std::uint8_t>& head) { return is_container(head.data(), head.size()); }

class Handle final : public AudioHandle {
public:
    explicit Handle(const AudioSource& source) : source_(source) {
        SF_INFO sfinfo = requested_info(source.hints);
        {
            StderrFilter quiet(!clearly_not_mpeg(head_of(source, 16)), mpg123_noise);
            open(source, sfinfo);
        }
        mpeg_ = (sfinfo.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_MPEG;
        int subtype = sfinfo.format & SF_FORMAT_SUBMASK;
        seek_by_decoding_ = mpeg_ || subtype == SF_FORMAT_VORBIS || subtype == SF_FORMAT_OPUS;
        // As python-soundfile does: float data read as integers clips
        // instead of wrapping around.
        sf_command(file_.get(), SFC_SET_CLIPPING, nullptr, SF_TRUE);
        describe(source, sfinfo);
        check_format_hint(source.hints);
    }

    const AudioInfo& info() const override { return info_; }

    // Three formats whose libsndfile seek is not exact, so they seek by
    // decoding from the start (exact, but O(position)) and are not split
    // across threads:
    // - MPEG: the seek restarts mpg123 without the bit reservoir and
    //   synthesis state of the frames before the target, so the samples
    //   after it differ (badly in the first frames, by rounding later);
    // - Ogg Vorbis: a target inside the last page lands off by the
    //   stream's end trim (188 frames on music_stereo.ogg), in 1.2.0 and
    //   in python-soundfile's 1.2.2 alike.
    // - Ogg Opus: the decoder carries state across packets and libsndfile's
    //   seek pre-roll does not fully restore it, so samples after a seek can
    //   differ from a decode from the start by about 1e-6 (speech_stereo.opus).
    bool splittable() const override { return info_.seekable && !seek_by_decoding_; }

    void seek(std::int64_t frame) override {
        if (frame == position_) return;
        if (seek_by_decoding_) return seek_by_decoding(frame);
        if (sf_seek(file_.get(), frame, SEEK_SET) < 0)
            throw DecodeError("cannot seek to frame " + std::to_string(frame) + ": " + sf_strerror(file_.get()));
        position_ = frame;
    }

    std::int64_t read(DType dtype, void* dst, std::int64_t frames) override {
        StderrFilter quiet(mpeg_, mpg123_noise);
        sf_count_t n = 0;
        switch (dtype) {
            case DType::I16: n = sf_readf_short(file_.get(), static_cast<short*>(dst), frames); break;
            case DType::I32: n = sf_readf_int(file_.get(), static_cast<int*>(dst), frames); break;
            case DType::F32: n = sf_readf_float(file_.get(), static_cast<float*>(dst), frames); break;
            case DType::F64: n = sf_readf_double(file_.get(), static_cast<double*>(dst), frames); break;
            default: throw std::invalid_argument("audio dtype must be int16, int32, float32 or float64");
        }
        // python-soundfile raises on the handle's error after every read;
        // doing the same keeps damaged files failing (or not) alike.
        if (sf_error(file_.get()) != SF_ERR_NO_ERROR)
            throw DecodeError(std::string("decoding failed: ") + sf_strerror(file_.get()));
        position_ += n;
        return n;
    }

private:
    void seek_by_decoding(std::int64_t frame) {
        if (frame < position_) {  // back to the start: a fresh handle
            SF_INFO sfinfo = requested_info(source_.hints);
            file_.reset();
            open(source_, sfinfo);
            sf_command(file_.get(), SFC_SET_CLIPPING, nullptr, SF_TRUE);
            position_ = 0;
        }
        std::vector<float> scratch(static_cast<std::size_t>(4096 * info_.channels));
        while (position_ < frame) {
            std::int64_t n = read(DType::F32, scratch.data(), std::min<std::int64_t>(4096, frame - position_));
            if (n <= 0) throw DecodeError("cannot seek to frame " + std::to_string(frame) + ": the stream ends at " +
                                          std::to_string(position_));
        }
    }

    void open(const AudioSource& source, SF_INFO& sfinfo) {
        if (!source.path.empty()) check_readable(source.path);
        if (source.path.empty() && source.bytes.size == 0) throw UnsupportedFormatError("empty input: no audio data");
        cursor_ = {source.bytes.data, static_cast<sf_count_t>(source.bytes.size), 0};
        std::lock_guard<std::mutex> lock(global_error_mutex());
        SNDFILE* f = source.path.empty() ? sf_open_virtual(&memory_io, SFM_READ, &sfinfo, &cursor_)
                                         : sf_open(source.path.c_str(), SFM_READ, &sfinfo);
        if (!f)
            throw_open_error(source.path.empty() ? "cannot open audio data" : "cannot open " + source.path, source.path);
        file_.reset(f);
        // Headerless data that libsndfile took for RAW by the file's name
        // (*.au as 8 kHz mu-law, and a few others) is left positioned
        // where its format sniffing stopped, so the first read returns
        // nothing (1.2.0 and 1.2.2 alike): go back to frame 0 explicitly.
        if ((sfinfo.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_RAW && source.hints.format.empty() &&
            sfinfo.seekable && sf_seek(f, 0, SEEK_SET) != 0)
            throw DecodeError("cannot seek to the start of " + source.path + ": " + sf_strerror(f));
    }

    void describe(const AudioSource& source, const SF_INFO& sfinfo) {
        info_.samplerate = sfinfo.samplerate;
        info_.channels = sfinfo.channels;
        info_.frames = sfinfo.frames;
        // A stream that does not say its length (FLAC without a total-samples
        // field) reports SF_COUNT_MAX: the length is unknown, not huge.
        if (sfinfo.frames == SF_COUNT_MAX || sfinfo.frames < 0) {
            info_.frames = AudioInfo::unknown_length;
            info_.exact_length = false;
        }
        info_.format = major_name(sfinfo.format);
        info_.subtype = subtype_name(sfinfo.format);
        info_.endian = endian_name(sfinfo.format);
        info_.format_info = format_long_name(sfinfo.format & SF_FORMAT_TYPEMASK, SFC_GET_FORMAT_INFO);
        info_.subtype_info = format_long_name(sfinfo.format & SF_FORMAT_SUBMASK, SFC_GET_FORMAT_INFO);
        info_.seekable = sfinfo.seekable != 0;
        if ((sfinfo.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_MPEG) {
            std::vector<std::uint8_t> head = head_of(source, 1 << 20);
            MpegLengthHeader length = mpeg_length_header(head.data(), head.size());
            info_.exact_length = length.present;
            // The header's byte count tells a stream cut short before any frame is read.
            const std::uint64_t present = source_size(source);
            if (length.stream_bytes && present && present < length.stream_start + length.stream_bytes) {
                info_.damage = "the MP3 stream's header declares " + std::to_string(length.stream_bytes) +
                               " bytes but the file holds " + std::to_string(present - length.stream_start) +
                               " (truncated)";
                info_.promised_frames = info_.frames;
                info_.exact_length = false;
            }
        }
        for (const auto& [id, name] : tag_names) {
            if (const char* value = sf_get_string(file_.get(), id)) info_.tags.emplace_back(name, value);
        }
        find_damage();
        if (info_.channels <= 0) throw DecodeError("audio header declares no channels");
    }

    // libsndfile opens a truncated file quietly; only its log says so
    // (damage_in_log). A file known to be damaged has no exact length:
    // audio_info says so before read_audio refuses it.
    void find_damage() {
        char log[4096] = {};
        sf_command(file_.get(), SFC_GET_LOG_INFO, log, sizeof log);
        const std::string text(log);
        if (damage_in_log(text, info_)) info_.exact_length = false;
    }

    // A non-RAW `format` hint cannot steer libsndfile's detection; it is a
    // check that the content is what the caller expects.
    void check_format_hint(const AudioHints& hints) const {
        if (hints.format.empty()) return;
        std::string want = major_name(major_code(hints.format));
        bool same = want == info_.format || (want == "WAV" && info_.format == "WAVEX");
        if (!same) throw UnsupportedFormatError("the data is " + info_.format + ", not " + want);
    }

    AudioSource source_;   // for reopening (MPEG seeks backwards)
    MemoryCursor cursor_;  // must outlive file_ (declared first, destroyed last)
    SndfilePtr file_;
    bool mpeg_ = false;
    bool seek_by_decoding_ = false;
    AudioInfo info_;
    std::int64_t position_ = 0;
};

}  // namespace

std::unique_ptr<AudioHandle> open_handle(const AudioSource& source) { return std::make_unique<Handle>(source); }

}  // namespace mediaview::sndfile::detail
