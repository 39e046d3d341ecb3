// One audio stream of one input, through libavformat and libavcodec: our
// bytes behind a custom AVIOContext, the demuxer we chose, the decoder of the
// stream asked for, and the decoded frame being handed out. Damaged packets
// the decoder refuses become silence of their length (the timeline stays
// right) and a warning, or a DecodeError under strict.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "libav.hpp"
#include "src/audio_codec.hpp"
#include "src/encoded_input.hpp"

namespace mediaview::ffmpeg {


// What every decoded frame must keep.
struct Layout {
    int samplerate = 0;
    int channels = 0;
};

class Demux {
public:
    explicit Demux(const AudioSource& source);
    ~Demux();
    Demux(const Demux&) = delete;
    Demux& operator=(const Demux&) = delete;

    // ---- the description (after the first frame) ----
    const std::string& container() const { return container_; }
    std::string container_long_name() const;
    std::string codec_name() const;
    std::string upper_codec_name() const;  // "AAC", "ALAC": as AudioInfo::subtype
    std::string codec_long_name() const;
    std::int64_t bitrate() const;
    std::string streams_description() const;
    // The frames the container declares, counted from the first decoded
    // sample (encoder delay already removed); -1 when it does not say.
    std::int64_t declared_frames() const;
    // Whether that count is exact (an MP4 index: its edit list gives the
    // length without the encoder's padding) rather than an estimate.
    bool length_is_exact() const;
    std::string tag(const char* key) const;  // empty when absent
    // Whether libavcodec already dropped the encoder's delay at the start
    // (an MP4 edit list, Opus pre-skip): the first frame's timestamp is
    // later than its packet's.
    bool delay_removed() const;
    const Layout& layout() const { return layout_; }

    // ---- decoding ----
    // Decodes the next frame; false at the end of the stream.
    bool next_frame();
    // Frames ready to take before next_frame() is needed.
    std::int64_t ready() const;
    void take(std::int64_t n, DType dtype, std::uint8_t* dst);
    void drop(std::int64_t n);
    // Seeks through the container's index to at most `frame` (a few frames
    // of decoder pre-roll before it, then decoding resumes); true when it did
    // and position() says where the next frame taken is. False, changing
    // nothing, when the container has no sample-exact index (or the target is
    // within the pre-roll of the start): the caller decodes forward.
    bool seek_by_index(std::int64_t frame);
    std::int64_t position() const { return position_; }
    // Back to the first frame: everything reopened, as a new handle.
    void restart();
    std::vector<std::string> take_warnings();
    // Whether the stream ended inside a packet the decoder refused (a cut
    // file): frames are missing at the end.
    bool ended_in_damage() const { return ended_in_damage_; }

private:
    void open();
    void open_container();
    void choose_stream();
    void open_decoder();
    bool receive();  // one frame from the decoder, reading packets as needed
    void lost_packet(std::int64_t frames);
    std::int64_t samples_of(std::int64_t timestamp) const;
    void check_layout();

    AudioSource source_;
    std::string demuxer_, container_;
    std::vector<std::uint8_t> head_;
    // Declared in destruction order: the decoder and demuxer go before the
    // AVIOContext they read through, and that before the Input it reads.
    EncodedInput input_;
    AvioPtr avio_;
    FormatPtr format_;
    CodecContextPtr decoder_;
    PacketPtr packet_;
    FramePtr frame_;
    AVStream* stream_ = nullptr;
    int stream_index_ = -1;
    Layout layout_;
    bool have_layout_ = false;
    std::int64_t origin_ = 0;   // the first decoded sample on the stream's timeline, in samples
    std::int64_t first_packet_ts_ = AV_NOPTS_VALUE;  // of our stream, in its time base
    std::int64_t frame_at_ = 0; // next unread sample of frame_
    bool frame_valid_ = false;
    std::int64_t silence_ = 0;  // frames of silence standing for damaged packets, before frame_
    std::int64_t position_ = 0;
    bool demux_done_ = false;
    // Damage survived, reported by take_warnings().
    std::int64_t lost_packets_ = 0, lost_frames_ = 0, trailing_losses_ = 0;
    bool ended_in_damage_ = false;
    double first_loss_seconds_ = -1;
    std::vector<std::string> warnings_;
};

}  // namespace mediaview::ffmpeg
