// The one pipeline every audio read goes through (read_audio, stream_audio,
// read_audios): a reader of source frames -> an optional converter
// (resample, mix; SampleConverter) -> a sink (one buffer, a block, a batch
// slot). Here: the range a request selects, the damage rules applied where
// a read stops, and the converting reader that wraps any reader, so the
// conversion loop is written once.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "src/audio_codec.hpp"
#include "src/audio_request.hpp"
#include "src/errors.hpp"
#include "src/resample.hpp"

namespace mediaview {

// Source frames [start, start + frames) of a request.
struct AudioRange {
    std::int64_t start = 0;
    std::int64_t frames = 0;
    bool to_end = false;  // no stop or frame count given: read to the real end
};

// start/stop/frames (python-soundfile's slice rules), or offset/duration in
// seconds (librosa's names), against the source's length (-1: unknown).
// Throws std::invalid_argument for a combination that means nothing. Where
// the length is exact, a range the caller asked for that selects nothing is
// an ArgumentError naming the argument (never an empty result that looks
// like a read), and one that runs past the end warns with the real length.
AudioRange requested_range(const AudioInfo& info, const AudioReadRequest& request, Diagnostics& diagnostics);

// The mix a request asks for from `source_channels` (identity when neither
// channels nor mix is given). Throws std::invalid_argument.
ChannelMix requested_mix(const AudioReadRequest& request, int source_channels);

// The damage rules, in one place, for a read of `range` that stopped after
// `got` frames: where the codec leaves the policy to us, fewer frames than
// the header promised and damage the container shows (info.damage) behind
// the frames read are DecodeError, or with allow_truncated (not strict) a
// warning that gives the count. Nothing for a complete read, or a range
// inside the intact part of a damaged file.
void apply_damage_rules(const AudioHandle& handle, const AudioRange& range, std::int64_t got,
                        const AudioReadRequest& request, Diagnostics& diagnostics);

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

// The sink's view: (frames, channels) interleaved samples as the caller
// asked to see them (planar is the transposed view of the same memory; mono
// drops the channel axis unless always_2d).
StridedArray shaped_samples(const StridedArray& frames, AudioShape shape);

// A reader of frames: pull() gives up to `frames` of them, fewer only at the
// end. Source frames reach a converter as its work type.
class SourceFrames {
public:
    virtual ~SourceFrames() = default;
    virtual std::int64_t pull(std::uint8_t* dst, std::int64_t frames) = 0;
};

// Frames already decoded into memory (read_audio decodes its range on
// several threads first).
class DecodedFrames final : public SourceFrames {
public:
    DecodedFrames(const std::uint8_t* data, std::int64_t frames, std::size_t frame_bytes)
        : data_(data), left_(frames), frame_bytes_(frame_bytes) {}
    std::int64_t pull(std::uint8_t* dst, std::int64_t frames) override;

private:
    const std::uint8_t* data_;
    std::int64_t left_;
    std::size_t frame_bytes_;
};

// Output frames (a reader itself): the source's frames through the converter. Writes straight
// into the caller's memory, except near the end of a short destination (a
// stream's block), where output that does not fit waits here for the next
// read.
class ConvertedFrames final : public SourceFrames {
public:
    ConvertedFrames(SampleConverter& converter, SourceFrames& source) : converter_(converter), source_(source) {}
    // Up to `wanted` output frames to `dst`; fewer only when the output is
    // complete.
    std::int64_t pull(std::uint8_t* dst, std::int64_t wanted) override;

private:
    std::int64_t take_pending(std::uint8_t* dst, std::int64_t wanted);
    std::int64_t step_into(std::uint8_t* dst, std::int64_t room);

    SampleConverter& converter_;
    SourceFrames& source_;
    std::vector<std::uint8_t> decoded_, pending_;
    std::size_t pending_at_ = 0;
    bool source_done_ = false, done_ = false;
};

}  // namespace mediaview
