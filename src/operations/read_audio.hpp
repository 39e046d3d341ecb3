// Reading audio, the one home of its policy: which codec, the range (python-
// soundfile's slice rules), the buffer (a memory map, the caller's out=, or
// ours held to the sample limit), the thread split, and the shape the
// caller asked for (interleaved or planar, mono with or without its axis).
// Streaming block by block (AudioBlocks) shares the same rules.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include <vector>

#include "src/caller_buffer.hpp"
#include "src/codec_table.hpp"
#include "src/errors.hpp"
#include "src/audio_request.hpp"
#include "src/resample.hpp"

namespace mediaview {

// The mix a request asks for from `source_channels` (identity when neither
// channels nor mix is given). Throws std::invalid_argument.
ChannelMix requested_mix(const AudioReadRequest& request, int source_channels);

struct AudioRead {
    StridedArray samples;  // shaped as asked
    int samplerate = 0;
};

// Runs without Python: call it with the GIL released. Warnings (a
// truncated read the policy allows, damage the codec survived under
// source.policy) go to `diagnostics`.
AudioRead read_audio(const CodecTable& codecs, const AudioSource& source, const AudioReadRequest& request,
                     const CallerBuffer* out, Diagnostics& diagnostics);

// The damage policy for a source whose container shows missing data
// (info.damage): DecodeError, or with allow_truncated (not strict) a warning
// saying how many frames came back.
void check_damage(const AudioInfo& info, std::int64_t got, bool strict, bool allow_truncated,
                  Diagnostics& diagnostics);

// The damage policy for a read of `wanted` frames that got `got`: nothing
// when complete or when the header made no promise (`exact` false);
// otherwise DecodeError, or with allow_truncated (and not strict) a warning.
void check_complete(std::int64_t got, std::int64_t wanted, bool exact, bool strict, bool allow_truncated,
                    Diagnostics& diagnostics);

AudioInfo audio_info(const CodecTable& codecs, const AudioSource& source);

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
    // Reads (and converts) up to `wanted` output frames to `dst`.
    std::int64_t produce(std::uint8_t* dst, std::int64_t wanted);
    void source_ended(std::int64_t got_total);

    std::unique_ptr<AudioHandle> handle_;
    std::int64_t blocksize_, overlap_;
    DType dtype_;
    AudioShape shape_;
    std::int64_t remaining_ = 0;
    bool to_end_ = false;
    bool first_ = true;
    bool finished_ = false;
    std::int64_t last_frames_ = 0;
    std::shared_ptr<Storage> storage_;
    // Converting streams: output waiting to be handed out, and the decode scratch.
    std::unique_ptr<SampleConverter> converter_;
    std::vector<std::uint8_t> pending_, decoded_;
    std::size_t pending_at_ = 0;
    bool source_done_ = false, converter_done_ = false;
    std::int64_t source_total_ = 0, source_wanted_ = 0, start_ = 0;
    int out_rate_ = 0, out_channels_ = 0;
    bool strict_ = false, allow_truncated_ = false;
    Diagnostics diagnostics_;
};

}  // namespace mediaview
