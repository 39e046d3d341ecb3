// Sample-rate conversion (libsoxr) and channel mixing: the core of
// read_audio's samplerate=/channels=, of streamed blocks and of `convert
// --rate/--channels`. Plain C++ over interleaved float samples; no codec.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "dtype.hpp"

namespace mediaview {

// python-soxr's quality names, which are libsoxr's recipes
// soxr_quality_spec(SOXR_QQ/LQ/MQ/HQ/VHQ, 0): the same names give the same
// filter, so python-soxr is an exact oracle.
enum class ResampleQuality { Quick, Low, Medium, High, VeryHigh };
// "qq", "lq", "mq", "hq", "vhq" (any case); throws std::invalid_argument.
ResampleQuality resample_quality_from_name(std::string_view name);

// The frames a whole input of `frames` frames becomes: ceil(frames * out / in).
std::int64_t resampled_length(std::int64_t frames, int in_rate, int out_rate);

// How the output's channels are made from the input's: row c of `weights`
// (out_channels rows of in_channels) weighs the input channels summed into
// output channel c. Empty: the channels pass through unchanged.
struct ChannelMix {
    int in_channels = 0;
    int out_channels = 0;
    std::vector<double> weights;  // row-major, out_channels x in_channels; empty = identity
    bool identity() const { return weights.empty(); }
    // The documented defaults: same count: unchanged; stereo -> mono: the
    // mean; mono -> stereo: duplicated. Any other pair throws
    // std::invalid_argument asking for an explicit matrix.
    static ChannelMix standard(int in_channels, int out_channels);
    // A caller's matrix (out_channels rows of in_channels), checked.
    static ChannelMix matrix(int in_channels, int out_channels, std::vector<double> weights);
    // Mixes `frames` interleaved frames of `in` (in_channels) into `out`
    // (out_channels); T is float or double. `in` and `out` must not overlap.
    template <typename T>
    void apply(const T* in, T* out, std::int64_t frames) const;
};

// One libsoxr stream (RAII over soxr_t): interleaved float32 or float64 in
// and out. Feed input with process(), then call flush() until it returns 0.
class Resampler {
public:
    Resampler(int in_rate, int out_rate, int channels, DType dtype, ResampleQuality quality);
    ~Resampler();
    Resampler(const Resampler&) = delete;
    Resampler& operator=(const Resampler&) = delete;

    // Consumes all `frames` input frames, writing at most `capacity` output
    // frames to `out`; returns how many it wrote. The output not yet written
    // stays inside the resampler until a later call (or flush) asks for it,
    // so `capacity` only needs to be about frames * out / in + 64.
    std::size_t process(const void* in, std::size_t frames, void* out, std::size_t capacity);
    // After the last input: writes up to `capacity` of the remaining output
    // frames; 0 once everything has come out.
    std::size_t flush(void* out, std::size_t capacity);

    int channels() const { return channels_; }
    DType dtype() const { return dtype_; }

private:
    struct State;
    std::unique_ptr<State> state_;
    int channels_;
    DType dtype_;
};

// Mixing, resampling and the output dtype in one: interleaved frames of
// work_dtype() with the source's channels go in (decode into that type),
// frames of `out_dtype` with the mix's channels come out. Fed block by block
// it gives the same samples as one whole-file call; finish() ends the output
// at exactly resampled_length(all input frames), zero-padding the frames
// libsoxr rounds away (librosa's fix_length to ceil does the same).
class SampleConverter {
public:
    SampleConverter(int in_rate, int out_rate, ChannelMix mix, DType out_dtype, ResampleQuality quality);
    // float64 for float64 and int32 output (32-bit integers need more than
    // float32's 24-bit mantissa), float32 otherwise.
    DType work_dtype() const { return work_; }
    // Whether anything happens at all (otherwise decode straight to the output).
    bool converts() const { return resampler_ != nullptr || !mix_.identity(); }
    std::size_t in_frame_bytes() const;
    std::size_t out_frame_bytes() const;
    // Room for what one push of `frames` input frames can write: their
    // resampled length plus what libsoxr may still hold from before.
    std::int64_t room_for(std::int64_t frames) const;
    // Converts `frames` input frames, writing at most `capacity` output
    // frames to `out`; returns how many it wrote. With resampling, output
    // beyond `capacity` waits inside libsoxr for a later call; without it,
    // `capacity` must be at least `frames`.
    std::int64_t push(const std::uint8_t* in, std::int64_t frames, std::uint8_t* out, std::int64_t capacity);
    // After the last push: the remaining output, up to `capacity` frames per
    // call; 0 when the output is complete.
    std::int64_t finish(std::uint8_t* out, std::int64_t capacity);
    std::int64_t frames_out() const { return out_total_; }

private:
    // Work-type samples to the output dtype (a copy for the work type itself).
    void deliver(const std::uint8_t* work, std::int64_t frames, std::uint8_t* out) const;
    std::int64_t resample_into(const std::uint8_t* in, std::int64_t frames, std::uint8_t* out, std::int64_t capacity,
                               bool flush);

    int in_rate_, out_rate_;
    ChannelMix mix_;
    DType out_dtype_, work_;
    std::unique_ptr<Resampler> resampler_;
    std::vector<std::uint8_t> mixed_, resampled_;
    std::int64_t in_total_ = 0, out_total_ = 0;
    bool flushed_ = false;
};

// Float samples to an integer dtype as libsndfile writes float data into
// PCM_16/PCM_32 with clipping on: scaled by 2^15 (2^31), rounded to nearest
// (ties to even), saturated at the type's range. T is float or double.
template <typename T>
void float_to_int16(const T* in, std::int16_t* out, std::size_t n);
template <typename T>
void float_to_int32(const T* in, std::int32_t* out, std::size_t n);

}  // namespace mediaview
