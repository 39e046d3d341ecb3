// Streaming one file's audio block by block (python-soundfile's blocks(),
// mediaview.stream_audio): the same request, range, damage rules and
// conversion as read_audio (audio_pipeline.hpp), into a block at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "src/codec_table.hpp"
#include "src/operations/audio_pipeline.hpp"

namespace mediaview {

// Source frames of a request's range from an open handle, read in order;
// where they stop, the damage rules are applied once.
class RangeFrames final : public SourceFrames {
public:
    RangeFrames(AudioHandle& handle, const AudioRange& range, DType dtype, const AudioReadRequest& request,
                Diagnostics& diagnostics);
    std::int64_t pull(std::uint8_t* dst, std::int64_t frames) override;
    // Frames left in a range of known end (-1: read to the real end).
    std::int64_t left() const { return bounded_ ? range_.frames - got_ : -1; }
    // The read stops here: the damage rules, once.
    void end();

private:
    AudioHandle& handle_;
    AudioRange range_;
    DType dtype_;
    const AudioReadRequest& request_;
    Diagnostics& diagnostics_;
    bool bounded_;  // the range ends at a known frame (else: at the real end of the data)
    std::int64_t got_ = 0;
    bool ended_ = false;
};

// Blocks of `blocksize` frames, each overlapping the previous by `overlap`
// (python-soundfile's blocks()). One handle, one seek at the start. With a
// conversion, blocks hold output frames (at the output rate) and joined
// equal read_audio's whole-range result; start/stop count source frames.
class AudioBlocks {
public:
    // The request's range, dtype, shape, conversion and damage policy, as
    // read_audio takes them (max_samples bounds one block; mmap=True is an error).
    AudioBlocks(const CodecTable& codecs, const AudioSource& source, std::int64_t blocksize, std::int64_t overlap,
                const AudioReadRequest& request);
    // The pipeline's stages refer to this object's members: it stays where it is made.
    AudioBlocks(const AudioBlocks&) = delete;
    AudioBlocks& operator=(const AudioBlocks&) = delete;
    const AudioInfo& info() const { return handle_->info(); }
    int samplerate() const { return out_rate_; }
    int channels() const { return out_channels_; }
    // Warnings from the blocks read so far (taken by the caller).
    Diagnostics& diagnostics() { return diagnostics_; }
    // The next block, or nullopt at the end. `reuse`: nothing outside refers
    // to the previous block any more, so its memory may be written again.
    std::optional<StridedArray> next(bool reuse);

private:
    std::size_t frame_bytes() const;
    std::shared_ptr<Storage> block_storage(std::int64_t kept, std::int64_t wanted, bool reuse);

    AudioReadRequest request_;
    std::unique_ptr<AudioHandle> handle_;
    Diagnostics diagnostics_;
    std::int64_t blocksize_, overlap_;
    int out_rate_ = 0, out_channels_ = 0;
    // The pipeline: the range's frames, through the converter when one is asked.
    std::unique_ptr<RangeFrames> range_frames_;
    std::unique_ptr<SampleConverter> converter_;
    std::unique_ptr<ConvertedFrames> converted_;
    SourceFrames* output_ = nullptr;
    bool first_ = true;
    bool finished_ = false;
    std::int64_t last_frames_ = 0;
    std::shared_ptr<Storage> storage_;
};

}  // namespace mediaview
