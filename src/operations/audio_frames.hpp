// The pieces of reading audio frames: a range into one buffer, optionally
// split across threads, each with its own handle (handles are never shared)
// and memory-mapping PCM; the read operations (read_audio.hpp) use them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "src/audio_codec.hpp"
#include "src/strided_array.hpp"

namespace mediaview {

// Reads up to `frames` frames from the handle's position into `dst`,
// calling read() until it has them all or the data ends; returns how many.
std::int64_t read_fully(AudioHandle& handle, DType dtype, std::uint8_t* dst, std::int64_t frames);

// Reads frames [start, start+frames) as `dtype` into `dst` (interleaved,
// frames*channels samples). With threads > 1 and a seekable source the range
// is cut into `threads` segments decoded concurrently by separate handles; the
// bytes written are the same as with one thread. `first` is an already open
// handle (used for the first segment). Returns the frames read, which is less
// than `frames` only when the data ends early.
// Every handle's warnings go to `diagnostics` (when given), in segment
// order, each message once.
std::int64_t read_frames(const AudioCodec& decoder, const AudioSource& source, AudioHandle& first,
                         std::int64_t start, std::int64_t frames, DType dtype, std::uint8_t* dst, int threads,
                         Diagnostics* diagnostics = nullptr);

// Moves a handle's warnings into `diagnostics` (when given), skipping any
// message it already holds.
void collect_warnings(AudioHandle& handle, Diagnostics* diagnostics);

// Throws LimitError when `frames` x `channels` samples exceed `max_samples`
// (0 = no limit). Called with the frame count a header claims, before the
// output is allocated, so a tiny file claiming 2^36 frames allocates nothing.
void check_sample_limit(std::int64_t frames, int channels, std::uint64_t max_samples);

// Frames past an estimated length (MP3 without a Xing header, or a stream
// that does not state its length): reads what is really there in blocks and
// returns `first` followed by them. The running total is held to max_samples.
StridedArray append_rest(AudioHandle& handle, StridedArray first, DType dtype, std::uint64_t max_samples);

// A read-only (frames, channels) array straight over a memory map of the
// file's samples for frames [start, start+frames), when the stored samples
// are `dtype` in native order; otherwise nullopt and the reason in `why_not`.
// The map is checked against samples `handle` decodes at both ends of the
// range, so a misread header can never give different values.
std::optional<StridedArray> map_pcm(const AudioCodec& decoder, const AudioSource& source, AudioHandle& handle,
                                    std::int64_t start, std::int64_t frames, DType dtype, std::string& why_not);

}  // namespace mediaview
