#include "read_audio.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "audio_frames.hpp"

namespace mediaview {
namespace {

// The first `n` frames of an interleaved (frames, channels) array.
StridedArray first_frames(const StridedArray& a, Index n) {
    return StridedArray(a.storage(), a.dtype(), {n, a.shape()[1]}, a.strides(), a.offset());
}

// The caller's out= as the interleaved (frames, channels) array the decoder
// writes, after checking it has the shape and dtype read_audio would return
// and interleaved memory (a C-contiguous interleaved array, or the planar
// view of one).
StridedArray caller_frames(const CallerBuffer& out, DType dtype, Index frames, Index channels, AudioShape shape) {
    Index item = static_cast<Index>(itemsize(dtype));
    if (frames > std::numeric_limits<Index>::max() / (channels * item))
        throw std::invalid_argument("out cannot hold the " + std::to_string(frames) + " frames of this read");
    // The shape and strides read_audio would return, worked out on a
    // scratch array before anything touches the caller's memory.
    auto scratch = std::make_shared<Storage>();
    scratch->size = static_cast<std::size_t>(frames * channels * item);
    StridedArray wanted = shaped_samples(StridedArray(scratch, dtype, {frames, channels}, {item * channels, item}), shape);
    StridedArray given = checked_out(out, dtype, wanted.shape(), "the audio read");
    for (int i = 0; i < given.ndim(); ++i) {
        if (given.shape()[i] > 1 && given.strides()[i] != wanted.strides()[i])
            throw std::invalid_argument("out must be interleaved memory: a C-contiguous array (or, for "
                                        "layout='planar', the transposed view of one)");
    }
    return StridedArray(given.storage(), dtype, {frames, channels}, {item * channels, item}, given.offset());
}

// Maps the file's samples when the policy allows and the file permits.
std::optional<StridedArray> mapped(const AudioCodec& codec, const AudioSource& source, AudioHandle& handle,
                                   const AudioRange& r, const AudioReadRequest& rq, bool into_out) {
    if (into_out) {
        if (rq.mmap.value_or(false)) throw std::invalid_argument("mmap=True cannot write into out=");
        return std::nullopt;  // out= means "decode into my buffer"
    }
    if (rq.mmap == false) return std::nullopt;
    std::string why;
    if (auto m = map_pcm(codec, source, handle, r.start, r.frames, rq.dtype, why)) return m;
    if (rq.mmap == true) throw std::invalid_argument("mmap=True: cannot map the samples: " + why);
    return std::nullopt;
}


// What follows every read of a range into memory (`got` of its frames
// decoded into `frames`): the rest of a file whose header did not promise
// its length (`may_grow`: the memory is ours, not the caller's out=), the
// codec's warnings, then the damage rules (audio_pipeline.hpp).
StridedArray ended_read(AudioHandle& handle, const AudioRange& r, StridedArray frames, std::int64_t got, DType dtype,
                        const AudioReadRequest& rq, bool may_grow, Diagnostics& diagnostics) {
    frames = first_frames(frames, got);
    if (r.to_end && !handle.info().exact_length && may_grow && got == r.frames)
        frames = append_rest(handle, frames, dtype, rq.max_samples);
    handle.finish();
    collect_warnings(handle, &diagnostics);
    apply_damage_rules(handle, r, frames.shape()[0], rq, diagnostics);
    return frames;
}

// Decodes the range as the converter's work type (on `threads`), then
// mixes/resamples it into the final buffer of exactly
// resampled_length(frames decoded) frames.
AudioRead converted_read(const AudioCodec& codec, const AudioSource& source, AudioHandle& handle, const AudioRange& r,
                         const AudioReadRequest& rq, const CallerBuffer* out, SampleConverter& conv, int out_rate,
                         Diagnostics& diagnostics) {
    const AudioInfo& info = handle.info();
    if (rq.mmap.value_or(false)) throw std::invalid_argument("mmap=True cannot resample or mix channels");
    const int out_channels = static_cast<int>(conv.out_frame_bytes() / itemsize(rq.dtype));
    // The decoded source is always ours, whatever the output's memory.
    check_sample_limit(r.frames, info.channels, rq.max_samples);
    const std::int64_t promised = resampled_length(r.frames, info.samplerate, out_rate);
    if (!out) check_sample_limit(promised, out_channels, rq.max_samples);
    // out= is checked before anything is decoded.
    std::optional<StridedArray> given;
    if (out) given = caller_frames(*out, rq.dtype, promised, out_channels, rq.shape);
    StridedArray decoded = StridedArray::allocate(conv.work_dtype(), {r.frames, info.channels});
    std::int64_t got = read_frames(codec, source, handle, r.start, r.frames, conv.work_dtype(), decoded.data(),
                                   rq.threads, &diagnostics);
    decoded = ended_read(handle, r, std::move(decoded), got, conv.work_dtype(), rq, !out, diagnostics);
    const std::int64_t n = decoded.shape()[0];
    const std::int64_t length = resampled_length(n, info.samplerate, out_rate);
    if (out && length > promised)
        throw std::invalid_argument("out cannot hold the " + std::to_string(length) + " frames of this read");
    if (!out) check_sample_limit(length, out_channels, rq.max_samples);
    StridedArray result = given ? first_frames(*given, length) : StridedArray::allocate(rq.dtype, {length, out_channels});
    // Decoded on every thread first, then through the one converting reader.
    DecodedFrames decoded_frames(decoded.data(), n, conv.in_frame_bytes());
    ConvertedFrames converted(conv, decoded_frames);
    std::int64_t done = converted.pull(result.data(), length);
    return {shaped_samples(first_frames(result, done), rq.shape), out_rate};
}

}  // namespace

AudioRead read_audio(const CodecTable& codecs, const AudioSource& source, const AudioReadRequest& rq,
                     const CallerBuffer* out, Diagnostics& diagnostics) {
    check_audio_dtype(rq.dtype);
    if (rq.threads < 1) throw std::invalid_argument("threads must be at least 1");
    if (rq.samplerate < 0) throw std::invalid_argument("samplerate must be positive");
    const AudioCodec& codec = codecs.audio_codec_for(source);
    std::unique_ptr<AudioHandle> handle = codec.open(source);
    const AudioInfo& info = handle->info();
    AudioRange r = requested_range(info, rq, diagnostics);
    const int out_rate = rq.samplerate ? rq.samplerate : info.samplerate;
    SampleConverter conv(info.samplerate, out_rate, requested_mix(rq, info.channels), rq.dtype, rq.quality);
    if (conv.converts()) return converted_read(codec, source, *handle, r, rq, out, conv, out_rate, diagnostics);
    if (!info.damage.empty()) {
        // A damaged file is decoded (never mapped), so the policy sees it.
        AudioReadRequest decoded = rq;
        decoded.mmap = rq.mmap.value_or(false) ? rq.mmap : std::optional<bool>(false);
        if (auto map = mapped(codec, source, *handle, r, decoded, out != nullptr))
            return {shaped_samples(*map, rq.shape), info.samplerate};
    } else if (auto map = mapped(codec, source, *handle, r, rq, out != nullptr)) {
        return {shaped_samples(*map, rq.shape), info.samplerate};
    }
    // A mapped file and the caller's out= bound themselves; only memory
    // allocated here on the header's word is held to the limit.
    if (!out) check_sample_limit(r.frames, info.channels, rq.max_samples);
    StridedArray frames = out ? caller_frames(*out, rq.dtype, r.frames, info.channels, rq.shape)
                              : StridedArray::allocate(rq.dtype, {r.frames, info.channels});
    std::int64_t got = read_frames(codec, source, *handle, r.start, r.frames, rq.dtype, frames.data(), rq.threads,
                                   &diagnostics);
    frames = ended_read(*handle, r, std::move(frames), got, rq.dtype, rq, !out, diagnostics);
    return {shaped_samples(frames, rq.shape), info.samplerate};
}

AudioInfo audio_info(const CodecTable& codecs, const AudioSource& source) {
    std::unique_ptr<AudioHandle> handle = codecs.audio_codec_for(source).open(source);
    handle->confirm_length();
    return handle->info();
}

}  // namespace mediaview
