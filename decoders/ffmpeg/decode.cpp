// Demux's decoding half: packets to frames, damaged packets to silence,
// frames to the caller's samples, and seeking through an MP4 index.
#include <algorithm>
#include <cstring>

#include "demux.hpp"
#include "samples.hpp"

namespace mediaview::ffmpeg {

bool Demux::next_frame() {
    frame_valid_ = false;
    frame_at_ = 0;
    if (!receive()) {
        // Packets refused at the very end are a stream cut inside its last
        // packet, not damage within it: no silence stands for them.
        if (silence_ > 0 || trailing_losses_ > 0) {
            ended_in_damage_ = true;
            lost_packets_ -= trailing_losses_;
            lost_frames_ -= silence_;
            silence_ = 0;
        }
        return false;
    }
    trailing_losses_ = 0;
    check_layout();
    frame_valid_ = true;
    return true;
}

// One frame from the decoder into frame_, reading and sending packets of
// our stream as it asks for them; false once the decoder is drained.
bool Demux::receive() {
    const Libav& av = libav();
    LogCapture log;  // the decoder's complaints stay off stderr
    for (;;) {
        av.av_frame_unref(frame_.get());
        int rc = av.avcodec_receive_frame(decoder_.get(), frame_.get());
        if (rc == 0) {
            if (frame_->nb_samples > 0) return true;
            continue;
        }
        if (rc == AVERROR_EOF) return false;
        if (rc != AVERROR(EAGAIN)) {
            lost_packet(decoder_->frame_size > 0 ? decoder_->frame_size : 0);
            continue;
        }
        if (demux_done_) return false;
        rc = av.av_read_frame(format_.get(), packet_.get());
        if (rc < 0) {
            // The end of the data, or of what the container lets us read
            // (a cut file): the frames missing are the read's concern.
            demux_done_ = true;
            av.avcodec_send_packet(decoder_.get(), nullptr);  // drain
            continue;
        }
        if (packet_->stream_index != stream_index_) {
            av.av_packet_unref(packet_.get());
            continue;
        }
        if (first_packet_ts_ == AV_NOPTS_VALUE) first_packet_ts_ = packet_->pts;
        std::int64_t duration = packet_->duration > 0 && have_layout_ ? samples_of(packet_->duration) : 0;
        rc = av.avcodec_send_packet(decoder_.get(), packet_.get());
        av.av_packet_unref(packet_.get());
        if (rc < 0 && rc != AVERROR(EAGAIN)) lost_packet(duration > 0 ? duration : decoder_->frame_size);
    }
}

// A packet the decoder refused: silence of its length keeps every later
// sample at its place on the timeline; strict makes it an error.
void Demux::lost_packet(std::int64_t frames) {
    const double at = layout_.samplerate > 0 ? static_cast<double>(position_) / layout_.samplerate : 0.0;
    if (source_.policy.strict)
        throw DecodeError("damaged " + upper_codec_name() + " data near " + std::to_string(at) +
                          " s: a packet the decoder refuses",
                          because_strict());
    frames = std::max<std::int64_t>(frames, 0);
    // Silence needs the layout; damage before the first good frame just
    // loses its packets (nothing of the timeline is known yet).
    if (have_layout_) silence_ += frames;
    if (lost_packets_ == 0) first_loss_seconds_ = at;
    ++lost_packets_;
    ++trailing_losses_;
    lost_frames_ += have_layout_ ? frames : 0;
}

std::vector<std::string> Demux::take_warnings() {
    if (lost_packets_ > 0) {
        warnings_.push_back("damaged " + upper_codec_name() + " data: " + std::to_string(lost_packets_) +
                            " packet(s) the decoder refuses, from " + std::to_string(first_loss_seconds_) +
                            " s on, were replaced by " + std::to_string(lost_frames_) + " frames of silence");
        lost_packets_ = 0;
        lost_frames_ = 0;
    }
    std::vector<std::string> out;
    out.swap(warnings_);
    return out;
}

void Demux::check_layout() {
    const int rate = frame_->sample_rate;
    const int channels = frame_->ch_layout.nb_channels;
    if (!convertible(frame_->format))
        throw UnsupportedFormatError("the " + codec_name() + " decoder gives samples in a format not read here");
    if (rate <= 0 || channels <= 0) throw DecodeError("the " + codec_name() + " stream declares no rate or channels");
    if (!have_layout_) {
        layout_ = {rate, channels};
        have_layout_ = true;
        std::int64_t pts = frame_->best_effort_timestamp != AV_NOPTS_VALUE ? frame_->best_effort_timestamp : frame_->pts;
        origin_ = pts != AV_NOPTS_VALUE ? samples_of(pts) : 0;
        return;
    }
    if (rate != layout_.samplerate || channels != layout_.channels)
        throw DecodeError("the " + codec_name() + " stream changes from " + std::to_string(layout_.samplerate) +
                          " Hz, " + std::to_string(layout_.channels) + " channel(s) to " + std::to_string(rate) +
                          " Hz, " + std::to_string(channels) + " at frame " + std::to_string(position_) +
                          ": one array cannot hold both (read the parts with start/stop)");
}

bool Demux::delay_removed() const {
    return first_packet_ts_ != AV_NOPTS_VALUE && samples_of(first_packet_ts_) < origin_;
}

std::int64_t Demux::ready() const {
    if (silence_ > 0) return silence_;
    return frame_valid_ ? frame_->nb_samples - frame_at_ : 0;
}

void Demux::take(std::int64_t n, DType dtype, std::uint8_t* dst) {
    if (silence_ > 0) {
        // Zero bits are zero in every dtype.
        std::memset(dst, 0, static_cast<std::size_t>(n) * itemsize(dtype) * static_cast<std::size_t>(layout_.channels));
        silence_ -= n;
    } else {
        convert_frames(*frame_, layout_.channels, static_cast<int>(frame_at_), static_cast<int>(n), dtype, dst);
        frame_at_ += n;
    }
    position_ += n;
}

void Demux::drop(std::int64_t n) {
    if (silence_ > 0) silence_ -= n;
    else frame_at_ += n;
    position_ += n;
}

bool Demux::seek_by_index(std::int64_t frame) {
    // Only an MP4 index times every packet in whole samples (its time base
    // divides a sample); Matroska's and ASF's millisecond timestamps would
    // land a seek a few samples off, and raw streams have no index.
    const AVRational tb = stream_->time_base;
    const bool whole_samples = tb.num > 0 && tb.den % (static_cast<std::int64_t>(layout_.samplerate) * tb.num) == 0;
    if (demuxer_ != "mov" || !whole_samples) return false;
    // Decoders need the frames before the target (the transform's overlap,
    // SBR's filter history) to give its samples exactly.
    const std::int64_t frame_size = std::max(decoder_->frame_size, 1024);
    const std::int64_t preroll = std::max<std::int64_t>(stream_->codecpar->seek_preroll, 4 * frame_size);
    if (frame < preroll) return false;
    const Libav& av = libav();
    LogCapture log;
    std::int64_t target = av.av_rescale_q(origin_ + frame - preroll, AVRational{1, layout_.samplerate}, tb);
    bool ok = av.av_seek_frame(format_.get(), stream_index_, target, AVSEEK_FLAG_BACKWARD) >= 0;
    if (ok) {
        av.avcodec_flush_buffers(decoder_.get());
        silence_ = 0;
        demux_done_ = false;
        ok = next_frame();
    }
    std::int64_t pts = ok ? frame_->best_effort_timestamp : AV_NOPTS_VALUE;
    std::int64_t at = pts != AV_NOPTS_VALUE ? samples_of(pts) - origin_ : -1;
    if (!ok || silence_ > 0 || at < 0 || at > frame) {
        restart();  // the index did not get us there: from the start
        return true;
    }
    position_ = at;
    return true;
}

}  // namespace mediaview::ffmpeg
