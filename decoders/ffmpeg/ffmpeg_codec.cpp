#include "ffmpeg_codec.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <cstdlib>
#include <set>
#include <sstream>

#include "demux.hpp"

extern "C" {
#include <libavformat/version.h>
}
#include "samples.hpp"

namespace mediaview::ffmpeg {
namespace {

// The tags we report, from the container's metadata keys.
const std::pair<const char*, const char*> tag_keys[] = {
    {"title", "title"},     {"artist", "artist"},   {"album", "album"},         {"date", "date"},
    {"comment", "comment"}, {"genre", "genre"},     {"track", "tracknumber"},   {"copyright", "copyright"},
    {"encoder", "software"}, {"license", "license"},
};

// iTunes' gapless note (the 'iTunSMPB' tag of M4A files made by iTunes and
// Apple's encoders, which write no edit list): " 00000000 00000840
// 000001CA 00000000003F31F6 ...", hexadecimal: (reserved), the encoder
// delay, the padding, and the original length in frames.
struct ItunesGapless {
    std::int64_t delay = 0;
    std::int64_t frames = 0;
};

std::optional<ItunesGapless> itunes_gapless(const std::string& tag) {
    std::istringstream in(tag);
    std::string field[4];
    for (std::string& f : field)
        if (!(in >> f)) return std::nullopt;
    ItunesGapless g;
    char* end = nullptr;
    g.delay = std::strtoll(field[1].c_str(), &end, 16);
    if (*end) return std::nullopt;
    g.frames = std::strtoll(field[3].c_str(), &end, 16);
    if (*end || g.delay < 0 || g.delay > (1 << 16) || g.frames <= 0) return std::nullopt;
    return g;
}

// One open input: the demuxer and decoder (Demux), the frame being handed
// out, and where we are on the timeline of the decoded audio.
class Handle final : public AudioHandle {
public:
    explicit Handle(const AudioSource& source) : demux_(source) {
        if (!demux_.next_frame()) throw DecodeError("the " + demux_.container() + " file holds no decodable audio");
        describe();
        position_ = -lead_;
        skip_to(0);
    }

    const AudioInfo& info() const override { return info_; }

    // Seeks land exactly (decoding from before the target and trimming),
    // but a lossy decoder's output after a seek can differ in its last bits
    // from a decode from the start (noise substitution draws from a
    // generator that runs on): a range is not split across threads.
    bool splittable() const override { return false; }

    void seek(std::int64_t frame) override {
        if (frame < 0 || (info_.exact_length && info_.frames >= 0 && frame > info_.frames))
            throw DecodeError("cannot seek to frame " + std::to_string(frame) + ": the audio has " +
                              std::to_string(info_.frames) + " frames");
        if (frame == position_) return;
        if (demux_.seek_by_index(frame + lead_)) {
            position_ = demux_.position() - lead_;
        } else if (frame < position_) {
            demux_.restart();
            position_ = -lead_;
        }
        skip_to(frame);
    }

    std::int64_t read(DType dtype, void* dst, std::int64_t frames) override {
        const std::size_t frame_bytes = itemsize(dtype) * static_cast<std::size_t>(info_.channels);
        auto* out = static_cast<std::uint8_t*>(dst);
        std::int64_t done = 0;
        while (done < frames) {
            std::int64_t n = available(frames - done);
            if (n < 0) break;
            if (n == 0) continue;
            demux_.take(n, dtype, out + static_cast<std::size_t>(done) * frame_bytes);
            position_ += n;
            done += n;
        }
        // The read's damage policy (the core's) sees a stream cut inside a packet.
        if (demux_.ended_in_damage() && info_.damage.empty())
            info_.damage = "the " + info_.format + " data ends inside a packet (truncated or damaged)";
        return done;
    }

    std::vector<std::string> take_warnings() override { return demux_.take_warnings(); }

private:
    // Up to `wanted` frames ready to take; 0 after moving to the next frame;
    // -1 at the end (of the data, or of the length the container declares:
    // the encoder's padding after it is not audio).
    std::int64_t available(std::int64_t wanted) {
        if (end_ >= 0) wanted = std::min(wanted, end_ - position_);
        if (wanted <= 0) return -1;
        std::int64_t ready = demux_.ready();
        if (ready > 0) return std::min(ready, wanted);
        return demux_.next_frame() ? 0 : -1;
    }

    void skip_to(std::int64_t frame) {
        while (position_ < frame) {
            std::int64_t n = available(frame - position_);
            if (n < 0)
                throw DecodeError("cannot seek to frame " + std::to_string(frame) + ": the audio ends at frame " +
                                  std::to_string(position_));
            demux_.drop(n);
            position_ += n;
        }
    }

    void describe() {
        const Layout& l = demux_.layout();
        info_.samplerate = l.samplerate;
        info_.channels = l.channels;
        info_.format = demux_.container();
        info_.subtype = demux_.upper_codec_name();
        info_.endian = "FILE";
        info_.format_info = demux_.container_long_name();
        info_.subtype_info = demux_.codec_long_name();
        info_.seekable = true;
        info_.bitrate = demux_.bitrate();
        info_.streams = demux_.streams_description();
        std::int64_t declared = demux_.declared_frames();
        info_.exact_length = demux_.length_is_exact() && declared >= 0;
        info_.frames = declared >= 0 ? declared : AudioInfo::unknown_length;
        // An M4A without an edit list may say where its audio lies in an
        // iTunSMPB tag: the encoder's delay is skipped, its padding cut.
        auto gapless = itunes_gapless(demux_.tag("iTunSMPB"));
        if (gapless && info_.format != "MATROSKA" && info_.format != "WEBM" && !demux_.delay_removed()) {
            lead_ = gapless->delay;
            info_.frames = declared >= 0 ? std::min(gapless->frames, declared - lead_) : gapless->frames;
            info_.exact_length = true;
        }
        // Only an exact length ends the read: past it is the encoder's padding.
        end_ = info_.exact_length ? info_.frames : -1;
        for (const auto& [key, name] : tag_keys) {
            std::string value = demux_.tag(key);
            if (!value.empty()) info_.tags.emplace_back(name, value);
        }
    }

    Demux demux_;
    AudioInfo info_;
    std::int64_t position_ = 0;
    std::int64_t end_ = -1;
    std::int64_t lead_ = 0;  // decoded frames before frame 0 (iTunSMPB's encoder delay)
};

class FfmpegCodec final : public AudioCodec {
public:
    std::string_view name() const override { return "ffmpeg"; }

    std::string description() const override {
        std::string text = "audio through FFmpeg's libavformat/libavcodec, loaded at run time: M4A/MP4/MOV (AAC, ALAC), "
                           "ADTS AAC, WMA (ASF), AC-3, E-AC-3, Matroska/WebM (MKA, MKV, WebM) and the audio of "
                           "video files";
        const Libav& l = libav();
        if (!l.error.empty()) text += "; not available here: " + l.error;
        return text;
    }

    std::vector<std::string> extensions() const override {
        return {"m4a", "m4b", "mp4", "m4v", "mov", "aac", "adts", "wma", "asf", "wmv", "ac3", "eac3", "ec3",
                "mka", "mkv", "webm"};
    }

    std::string library_version() const override {
        const Libav& l = libav();
        if (!l.error.empty()) return "FFmpeg (not installed)";
        return std::string("FFmpeg ") + l.av_version_info();
    }

    bool sniff(ByteSpan head) const override { return demuxer_for(head.data, head.size) != nullptr; }

    std::unique_ptr<AudioHandle> open(const AudioSource& source) const override {
        return std::make_unique<Handle>(source);
    }

    // Read-only: the writing role keeps AudioCodec's defaults (no format),
    // and nothing is mapped (pcm_layout's default: the samples are decoded).

    std::optional<DType> exact_dtype(const std::string& subtype) const override {
        if (subtype == "PCM_S16LE" || subtype == "PCM_S16BE") return DType::I16;
        if (subtype == "PCM_S32LE" || subtype == "PCM_S24LE" || subtype == "PCM_S32BE") return DType::I32;
        if (subtype == "PCM_F32LE" || subtype == "PCM_F32BE") return DType::F32;
        if (subtype == "PCM_F64LE" || subtype == "PCM_F64BE") return DType::F64;
        return std::nullopt;
    }

    bool reads_streams() const override { return true; }

    std::vector<AudioFormat> read_only_formats() const override {
        const bool available = libav().error.empty();
        std::vector<AudioFormat> out;
        auto add = [&](const char* name, const char* description, std::vector<std::string> extensions) {
            AudioFormat f;
            f.name = name;
            f.description = description;
            f.extensions = std::move(extensions);
            f.requires_library = "libavformat" + std::to_string(LIBAVFORMAT_VERSION_MAJOR) + " (FFmpeg, loaded at run time)";
            f.available = available;
            out.push_back(std::move(f));
        };
        add("M4A", "MPEG-4 audio (AAC, ALAC)", {"m4a", "m4b"});
        add("MP4", "MPEG-4 (the audio of video files)", {"mp4", "m4v"});
        add("MOV", "QuickTime (the audio of video files)", {"mov"});
        add("AAC", "raw AAC in ADTS frames", {"aac", "adts"});
        add("ASF", "Windows Media (WMA)", {"wma", "asf", "wmv"});
        add("AC3", "Dolby Digital (AC-3)", {"ac3"});
        add("EAC3", "Dolby Digital Plus (E-AC-3)", {"eac3", "ec3"});
        add("MATROSKA", "Matroska (MKA, and the audio of MKV)", {"mka", "mkv"});
        add("WEBM", "WebM (Opus, Vorbis)", {"webm"});
        return out;
    }
};

}  // namespace

const AudioCodec& codec() {
    static const FfmpegCodec instance;
    return instance;
}

}  // namespace mediaview::ffmpeg
