// One open FLAC stream: the AudioHandle the FLAC codec returns. Its members
// are defined across three files:
// - flac_handle.cpp: the AudioHandle interface (opening, seek, read, the
//   length check, warnings, finish);
// - flac_decoder.cpp: libFLAC's decoder, its callbacks and the decoding step;
// - flac_frames.cpp: the frames libFLAC delivers (into the caller's buffer
//   or the pending one), the damage policy for lost frames, and the end of
//   the stream (a short stream, the MD5 verdict).
#pragma once

#include <FLAC/format.h>
#include <FLAC/stream_decoder.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "src/audio_codec.hpp"
#include "src/encoded_input.hpp"

namespace mediaview::flac::detail {

struct DeleteDecoder {
    void operator()(FLAC__StreamDecoder* d) const { FLAC__stream_decoder_delete(d); }
};
using DecoderPtr = std::unique_ptr<FLAC__StreamDecoder, DeleteDecoder>;

// Why no frame follows the metadata (describe(), at_stream_end()).
inline constexpr const char* no_frames_reason = "a metadata block's length is wrong, or the file is cut short";

class Handle final : public AudioHandle {
public:
    explicit Handle(const AudioSource& source);

    const AudioInfo& info() const override { return info_; }

    // libFLAC's seek is sample-exact; without STREAMINFO (a stream that
    // starts at a frame) or a stated length it is a guess, and with verify it
    // would switch the MD5 check off, so those decode from the start instead.
    bool splittable() const override { return can_seek() && info_.exact_length; }

    void seek(std::int64_t frame) override;
    std::int64_t read(DType dtype, void* dst, std::int64_t frames) override;
    bool applies_damage_policy() const override { return true; }
    void confirm_length() override;
    std::vector<std::string> take_warnings() override;
    void finish() override;

private:
    bool can_seek() const { return has_streaminfo_ && !policy_.verify; }

    // ---- flac_handle.cpp ----
    void seek_by_decoding(std::int64_t frame);
    void warn(const std::string& message);
    void flush_warnings();
    void describe();

    // ---- flac_decoder.cpp: libFLAC's callbacks (no exception may cross them) ----
    static FLAC__StreamDecoderReadStatus on_read(const FLAC__StreamDecoder*, FLAC__byte buffer[], size_t* bytes,
                                                 void* self);
    static FLAC__StreamDecoderSeekStatus on_seek(const FLAC__StreamDecoder*, FLAC__uint64 to, void* self);
    static FLAC__StreamDecoderTellStatus on_tell(const FLAC__StreamDecoder*, FLAC__uint64* at, void* self);
    static FLAC__StreamDecoderLengthStatus on_length(const FLAC__StreamDecoder*, FLAC__uint64* n, void* self);
    static FLAC__bool on_eof(const FLAC__StreamDecoder*, void* self);
    static void on_metadata(const FLAC__StreamDecoder*, const FLAC__StreamMetadata* m, void* self);
    static void on_error(const FLAC__StreamDecoder*, FLAC__StreamDecoderErrorStatus status, void* self);
    static FLAC__StreamDecoderWriteStatus on_write(const FLAC__StreamDecoder*, const FLAC__Frame* frame,
                                                   const FLAC__int32* const buffer[], void* self);

    // ---- flac_decoder.cpp: decoding ----
    void start_decoder();
    bool empty_stream() const;
    void process(FLAC__bool (*fn)(FLAC__StreamDecoder*));
    void step();
    void rethrow_callback_error();
    void take_comments(const FLAC__StreamMetadata_VorbisComment& vc);

    // ---- flac_frames.cpp ----
    void take_frame(const FLAC__Frame& frame, const FLAC__int32* const* planes);
    void rate_changed(unsigned rate);
    const FLAC__int32* const* mixed_planes(const FLAC__FrameHeader& h, const FLAC__int32* const* planes);
    bool repair_frame();
    void close_damage();
    std::int64_t pad(std::int64_t frames, unsigned blocksize);
    void deliver(const FLAC__int32* const* planes, unsigned blocksize, unsigned bits);
    std::int64_t drain(DType dtype, std::uint8_t* dst, std::int64_t frames);
    void at_stream_end();
    void check_md5();

    void clear_pending() {
        pending_.clear();
        pending_pos_ = 0;
    }

    struct Lost {
        std::int64_t from;       // first frame lost
        std::int64_t to;         // frame after the last lost; -1 when the stream ended
        std::int64_t filled_to;  // silence was returned for [from, filled_to)
        std::string reason;
    };

    EncodedInput input_;
    AudioReadPolicy policy_;
    DecoderPtr decoder_;
    bool ogg_ = false;
    AudioInfo info_;

    // From STREAMINFO, or from the first frame when there is none.
    bool has_streaminfo_ = false;
    bool metadata_seen_ = false;
    bool frame_seen_ = false;
    bool first_frame_pending_ = false;
    unsigned samplerate_ = 0;
    int channels_ = 0;
    unsigned bits_ = 0;
    FLAC__uint64 total_ = 0;
    FLAC__uint64 base_ = 0;  // sample number of the first frame (0 unless the stream starts at a frame)
    unsigned max_blocksize_ = 0;
    bool has_md5_ = false;
    std::vector<std::pair<std::string, std::string>> tags_;

    // The read in progress: where the write callback puts frames.
    DType dtype_ = DType::F32;
    std::uint8_t* out_ = nullptr;
    std::int64_t want_ = 0;
    std::vector<std::int32_t> pending_;  // decoded but not yet read, interleaved, left-justified
    std::size_t pending_pos_ = 0;

    std::int64_t position_ = 0;     // the next frame read() returns
    std::int64_t decoded_end_ = 0;  // the frame after the last one libFLAC delivered
    bool eof_ = false;
    bool at_end_ = false;
    bool seeking_ = false;
    bool finished_ = false;
    bool io_error_ = false;
    bool unparseable_ = false;
    std::exception_ptr callback_error_;

    // Damage: an error opens a stretch, the next good frame closes it.
    int errors_seen_ = 0;
    bool damage_open_ = false;
    std::int64_t damage_from_ = 0;
    std::string damage_reason_;
    std::vector<Lost> lost_;
    int frames_this_step_ = 0;             // write callbacks in the current process_single
    std::int64_t padded_this_step_ = 0;    // silence this codec added in it
    std::int64_t step_from_ = 0;           // where its first frame went
    std::int64_t frame_out_at_ = 0;        // where its last (real) frame went
    std::int64_t frame_stream_at_ = 0;     // and where that frame belongs by its number
    // The last frame delivered, for repair_frame().
    FLAC__uint64 frame_number_ = 0;
    unsigned frame_blocksize_ = 0;
    std::int64_t frame_direct_ = 0;        // frames of it written to the caller's buffer
    std::uint8_t* frame_dst_ = nullptr;    // from here
    std::size_t frame_pending_at_ = 0;     // the rest, from this sample in pending_
    bool redelivering_ = false;
    std::int64_t padded_samples_ = 0;      // silence pad() has made, for its bound
    std::vector<std::int32_t> redelivered_;
    std::vector<FLAC__int32> mixed_;             // a frame mixed to the stream's channel count
    std::vector<const FLAC__int32*> mix_planes_;  // and its planes
    bool end_reported_ = false;                   // at_stream_end() has applied the damage policy
    bool no_frames_ = false;                      // the metadata ran to the end of the data
    unsigned frame_rate_ = 0;                     // the last frame's sample rate (0: none yet)
    int frame_channels_ = 0;                      // and channel count
    std::set<std::string> warned_;  // each message once per handle
    std::vector<std::string> warnings_;
    std::vector<std::string> stretches_;  // damaged stretches since take_warnings()
};

}  // namespace mediaview::flac::detail
