#include "demux.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "ffmpeg_codec.hpp"
#include "samples.hpp"

namespace mediaview::ffmpeg {
namespace {

// libavformat may use only the demuxers demuxer_for() picks, and the
// decoders of the audio they carry (libavformat also opens decoders, to
// probe raw streams).
constexpr const char* allowed_demuxers = "mov,aac,asf,ac3,eac3,matroska";
constexpr const char* allowed_decoders =
    "aac,aac_latm,alac,ac3,eac3,wmav1,wmav2,wmapro,wmalossless,mp3float,mp3,mp2float,mp2,opus,vorbis,flac,"
    "pcm_s16le,pcm_s16be,pcm_s24le,pcm_s24be,pcm_s32le,pcm_s32be,pcm_f32le,pcm_f32be,pcm_f64le,pcm_f64be,"
    "pcm_u8,pcm_s8,pcm_alaw,pcm_mulaw";

constexpr int avio_buffer_size = 1 << 16;

int read_input(void* opaque, std::uint8_t* buf, int size) {
    std::int64_t n = size > 0 ? static_cast<EncodedInput*>(opaque)->read(buf, static_cast<std::size_t>(size)) : 0;
    if (n < 0) return AVERROR(EIO);
    return n == 0 ? AVERROR_EOF : static_cast<int>(n);
}

std::int64_t seek_input(void* opaque, std::int64_t offset, int whence) {
    auto* input = static_cast<EncodedInput*>(opaque);
    if (whence & AVSEEK_SIZE) return input->size();
    std::int64_t to = input->seek(offset, whence & ~AVSEEK_FORCE);
    return to < 0 ? AVERROR(EINVAL) : to;
}

// A demuxer asking to open another resource (an MP4 data reference to a
// file or URL) is refused: we read the bytes we were given and nothing else.
int refuse_io(AVFormatContext*, AVIOContext**, const char*, int, AVDictionary**) { return AVERROR(EPERM); }

const char* media_type_name(AVMediaType type) {
    switch (type) {
        case AVMEDIA_TYPE_AUDIO: return "audio";
        case AVMEDIA_TYPE_VIDEO: return "video";
        case AVMEDIA_TYPE_SUBTITLE: return "subtitle";
        case AVMEDIA_TYPE_DATA: return "data";
        case AVMEDIA_TYPE_ATTACHMENT: return "attachment";
        default: return "unknown";
    }
}

}  // namespace

// ---- opening ---------------------------------------------------------------------

Demux::Demux(const AudioSource& source) : source_(source), input_(source.path, source.bytes) {
    head_ = input_.head(64);
    const char* demuxer = demuxer_for(head_.data(), head_.size());
    if (!demuxer) throw UnsupportedFormatError("not a container the FFmpeg codec reads (MP4/M4A/MOV, ADTS AAC, "
                                               "ASF/WMA, AC-3, E-AC-3, Matroska/WebM)");
    demuxer_ = demuxer;
    container_ = container_name(head_.data(), head_.size());
    checked_libav();
    open();
}

Demux::~Demux() = default;

void Demux::open() {
    open_container();
    choose_stream();
    open_decoder();
    const Libav& av = libav();
    packet_.reset(av.av_packet_alloc());
    frame_.reset(av.av_frame_alloc());
    if (!packet_ || !frame_) throw std::bad_alloc();
}

void Demux::open_container() {
    const Libav& av = libav();
    input_.seek(0, SEEK_SET);
    auto* buffer = static_cast<std::uint8_t*>(av.av_malloc(avio_buffer_size));
    if (!buffer) throw std::bad_alloc();
    AVIOContext* io = av.avio_alloc_context(buffer, avio_buffer_size, 0, &input_, read_input, nullptr, seek_input);
    if (!io) {
        av.av_free(buffer);
        throw std::bad_alloc();
    }
    avio_.reset(io);
    AVFormatContext* fc = av.avformat_alloc_context();
    if (!fc) throw std::bad_alloc();
    fc->pb = io;
    fc->flags |= AVFMT_FLAG_CUSTOM_IO;
    fc->format_whitelist = av.av_strdup(allowed_demuxers);
    fc->codec_whitelist = av.av_strdup(allowed_decoders);
    fc->protocol_whitelist = av.av_strdup("none");
    fc->io_open = refuse_io;
    LogCapture log;
    int rc = av.avformat_open_input(&fc, "", av.av_find_input_format(demuxer_.c_str()), nullptr);
    if (rc < 0) {  // (fc has been freed)
        if (log.saw("moov atom not found"))
            throw DecodeError("the " + container_ + " file has no index (its 'moov' box is missing: the file was cut "
                              "short before the index, which is written at its end, or never finished): no audio "
                              "can be decoded");
        throw DecodeError("the " + container_ + " data is damaged: its container cannot be read");
    }
    format_.reset(fc);
    // Raw streams (ADTS, AC-3) say their rate and channels only in their
    // frames: libavformat reads a few to find them.
    if (demuxer_ == "aac" || demuxer_ == "ac3" || demuxer_ == "eac3") {
        if (av.avformat_find_stream_info(fc, nullptr) < 0)
            throw DecodeError("the " + container_ + " data is damaged: no valid frame found");
    }
}

std::string Demux::streams_description() const {
    const AVFormatContext* fc = format_.get();
    if (fc->nb_streams < 2) return {};
    const Libav& av = libav();
    std::string text;
    for (unsigned i = 0; i < fc->nb_streams; ++i) {
        const AVCodecParameters* p = fc->streams[i]->codecpar;
        text += (i ? ", " : "") + std::to_string(i) + ": " + media_type_name(p->codec_type) + " " +
                av.avcodec_get_name(p->codec_id);
        if (p->codec_type == AVMEDIA_TYPE_AUDIO)
            text += " " + std::to_string(p->sample_rate) + " Hz " + std::to_string(p->ch_layout.nb_channels) + " ch";
        if (p->codec_type == AVMEDIA_TYPE_VIDEO && p->width > 0)
            text += " " + std::to_string(p->width) + "x" + std::to_string(p->height);
        if (static_cast<int>(i) == stream_index_) text += " (read)";
    }
    return text;
}

void Demux::choose_stream() {
    const Libav& av = libav();
    AVFormatContext* fc = format_.get();
    const int want = source_.hints.stream;
    const int count = static_cast<int>(fc->nb_streams);
    std::string audio;
    for (int i = 0; i < count; ++i)
        if (fc->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) audio += (audio.empty() ? "" : ", ") + std::to_string(i);
    const std::string audio_list = audio.empty() ? "none" : audio;
    int index = want;
    if (want >= 0) {
        if (want >= count)
            throw std::invalid_argument("stream=" + std::to_string(want) + ": the file has " + std::to_string(count) +
                                        " stream(s); its audio streams are " + audio_list);
        AVMediaType type = fc->streams[want]->codecpar->codec_type;
        if (type != AVMEDIA_TYPE_AUDIO)
            throw std::invalid_argument("stream=" + std::to_string(want) + " is a " + media_type_name(type) +
                                        " stream, not audio; the audio streams are " + audio_list);
    } else {
        index = av.av_find_best_stream(fc, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
        if (index == AVERROR_STREAM_NOT_FOUND || audio.empty())
            throw UnsupportedFormatError("the " + container_ + " file holds no audio stream");
        if (index < 0) throw UnsupportedFormatError("no audio stream of this " + container_ + " file can be decoded");
    }
    stream_index_ = index;
    stream_ = fc->streams[index];
    for (int i = 0; i < count; ++i) fc->streams[i]->discard = i == index ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
}

void Demux::open_decoder() {
    const Libav& av = libav();
    const AVCodecParameters* par = stream_->codecpar;
    const AVCodec* codec = av.avcodec_find_decoder(par->codec_id);
    const std::string name = av.avcodec_get_name(par->codec_id);
    if (!codec) throw UnsupportedFormatError("FFmpeg here has no decoder for the stream's " + name + " audio");
    decoder_.reset(av.avcodec_alloc_context3(codec));
    if (!decoder_) throw std::bad_alloc();
    if (av.avcodec_parameters_to_context(decoder_.get(), par) < 0)
        throw DecodeError("the " + container_ + " file describes its " + name + " stream in a way FFmpeg refuses");
    decoder_->pkt_timebase = stream_->time_base;
    decoder_->thread_count = 1;  // threads= splits work across files and handles, not inside one
    Options options;
    options.set("codec_whitelist", allowed_decoders);
    LogCapture log;
    if (av.avcodec_open2(decoder_.get(), codec, options.get()) < 0)
        throw UnsupportedFormatError("cannot decode the " + name + " audio of this " + container_ +
                                     " file (not among the codecs read here, or its setup is damaged)");
}

void Demux::restart() {
    decoder_.reset();
    format_.reset();
    avio_.reset();
    frame_valid_ = false;
    frame_at_ = 0;
    silence_ = 0;
    position_ = 0;
    demux_done_ = false;
    trailing_losses_ = 0;
    ended_in_damage_ = false;
    open();
}

// ---- the description ----------------------------------------------------------------

std::string Demux::container_long_name() const {
    const char* name = format_->iformat->long_name;
    return name ? name : container_;
}

std::string Demux::codec_name() const { return libav().avcodec_get_name(stream_->codecpar->codec_id); }

std::string Demux::upper_codec_name() const {
    std::string name = codec_name();
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name;
}

std::string Demux::codec_long_name() const {
    const Libav& av = libav();
    const AVCodecDescriptor* d = av.avcodec_descriptor_get(stream_->codecpar->codec_id);
    std::string text = d && d->long_name ? d->long_name : codec_name();
    const char* profile = av.avcodec_profile_name(stream_->codecpar->codec_id, stream_->codecpar->profile);
    if (profile) text += std::string(", ") + profile;
    return text;
}

std::int64_t Demux::bitrate() const {
    if (stream_->codecpar->bit_rate > 0) return stream_->codecpar->bit_rate;
    return format_->nb_streams == 1 && format_->bit_rate > 0 ? format_->bit_rate : 0;
}

std::int64_t Demux::samples_of(std::int64_t timestamp) const {
    return libav().av_rescale_q(timestamp, stream_->time_base, AVRational{1, layout_.samplerate});
}

std::int64_t Demux::declared_frames() const {
    if (stream_->duration != AV_NOPTS_VALUE && stream_->duration > 0) {
        std::int64_t start = stream_->start_time != AV_NOPTS_VALUE ? stream_->start_time : 0;
        return std::max<std::int64_t>(0, samples_of(start + stream_->duration) - origin_);
    }
    if (format_->duration != AV_NOPTS_VALUE && format_->duration > 0)
        return static_cast<std::int64_t>(std::llround(static_cast<double>(format_->duration) * layout_.samplerate /
                                                      AV_TIME_BASE));
    return -1;
}

bool Demux::length_is_exact() const {
    // An MP4 index lists every packet's duration and its edit list the
    // span to play; the other containers' durations are estimates (from
    // the bitrate, or rounded to milliseconds).
    return demuxer_ == "mov" && stream_->duration != AV_NOPTS_VALUE && stream_->duration > 0;
}

std::string Demux::tag(const char* key) const {
    const Libav& av = libav();
    for (AVDictionary* d : {format_->metadata, stream_->metadata}) {
        if (const AVDictionaryEntry* e = av.av_dict_get(d, key, nullptr, 0)) return e->value ? e->value : "";
    }
    return {};
}

}  // namespace mediaview::ffmpeg
