#include "read_audio.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "audio_frames.hpp"

namespace mediaview {
namespace {

// (frames, channels) interleaved samples as the caller asked to see them:
// planar is the transposed view of the same memory, mono drops the channel
// axis unless always_2d.
StridedArray shaped(const StridedArray& frames, AudioShape shape) {
    if (frames.shape()[1] == 1 && !shape.always_2d)
        return StridedArray(frames.storage(), frames.dtype(), {frames.shape()[0]}, {frames.strides()[0]},
                            frames.offset());
    return shape.layout == SampleLayout::Planar ? frames.permuted({1, 0}) : frames;
}

// The first `n` frames of an interleaved (frames, channels) array.
StridedArray first_frames(const StridedArray& a, Index n) {
    return StridedArray(a.storage(), a.dtype(), {n, a.shape()[1]}, a.strides(), a.offset());
}

struct Range {
    std::int64_t start = 0;
    std::int64_t frames = 0;
    bool to_end = false;  // no stop or frame count given: read to the real end
};

// python-soundfile's rules: start and stop index like a Python slice
// (negative from the end, clamped), `frames` counts from start, and only one
// of stop and frames may be given.
Range resolve_range(std::int64_t total, std::int64_t start, std::optional<std::int64_t> stop,
                    std::optional<std::int64_t> frames) {
    if (stop && frames) throw std::invalid_argument("give only one of stop and frames");
    if (frames && *frames < 0) throw std::invalid_argument("frames must not be negative");
    Range r;
    r.to_end = !stop && !frames;
    if (total < 0) {  // unknown length: positions count from the start only
        if (start < 0 || (stop && *stop < 0))
            throw std::invalid_argument("the length of this audio is unknown: start and stop must not be negative");
        r.start = start;
        std::int64_t end = stop ? *stop : frames ? start + *frames : start;
        r.frames = std::max<std::int64_t>(0, end - start);
        return r;
    }
    auto clamp_index = [total](std::int64_t i) { return std::clamp<std::int64_t>(i < 0 ? i + total : i, 0, total); };
    r.start = clamp_index(start);
    std::int64_t end = stop ? clamp_index(*stop) : frames ? std::min(total, r.start + *frames) : total;
    r.frames = std::max<std::int64_t>(0, end - r.start);
    return r;
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
    StridedArray wanted = shaped(StridedArray(scratch, dtype, {frames, channels}, {item * channels, item}), shape);
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
                                   const Range& r, const AudioReadRequest& rq, bool into_out) {
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

}  // namespace

SampleLayout sample_layout_from_name(std::string_view name) {
    if (name == "interleaved") return SampleLayout::Interleaved;
    if (name == "planar") return SampleLayout::Planar;
    throw std::invalid_argument("layout must be 'interleaved' or 'planar', not '" + std::string(name) + "'");
}

AudioRead read_audio(const CodecTable& codecs, const AudioSource& source, const AudioReadRequest& rq,
                     const CallerBuffer* out, Diagnostics* diagnostics) {
    check_audio_dtype(rq.dtype);
    if (rq.threads < 1) throw std::invalid_argument("threads must be at least 1");
    const AudioCodec& codec = codecs.audio_codec_for(source);
    std::unique_ptr<AudioHandle> handle = codec.open(source);
    const AudioInfo& info = handle->info();
    Range r = resolve_range(info.frames, rq.start, rq.stop, rq.frames);
    if (auto map = mapped(codec, source, *handle, r, rq, out != nullptr))
        return {shaped(*map, rq.shape), info.samplerate};
    // A mapped file and the caller's out= bound themselves; only memory
    // allocated here on the header's word is held to the limit.
    if (!out) check_sample_limit(r.frames, info.channels, rq.max_samples);
    StridedArray frames = out ? caller_frames(*out, rq.dtype, r.frames, info.channels, rq.shape)
                              : StridedArray::allocate(rq.dtype, {r.frames, info.channels});
    std::int64_t got = read_frames(codec, source, *handle, r.start, r.frames, rq.dtype, frames.data(), rq.threads,
                                   diagnostics);
    frames = first_frames(frames, got);
    if (r.to_end && !info.exact_length && !out && got == r.frames)
        frames = append_rest(*handle, frames, rq.dtype, rq.max_samples);
    handle->finish();
    collect_warnings(*handle, diagnostics);
    return {shaped(frames, rq.shape), info.samplerate};
}

AudioInfo audio_info(const CodecTable& codecs, const AudioSource& source) {
    return codecs.audio_codec_for(source).open(source)->info();
}

// ---- streaming ----------------------------------------------------------------

AudioBlocks::AudioBlocks(const CodecTable& codecs, const AudioSource& source, std::int64_t blocksize,
                         std::int64_t overlap, DType dtype, std::int64_t start, std::optional<std::int64_t> stop,
                         AudioShape shape)
    : blocksize_(blocksize), overlap_(overlap), dtype_(check_audio_dtype(dtype)), shape_(shape) {
    if (blocksize <= 0) throw std::invalid_argument("blocksize must be positive");
    if (overlap < 0 || overlap >= blocksize)
        throw std::invalid_argument("overlap must be at least 0 and less than blocksize");
    handle_ = codecs.audio_codec_for(source).open(source);
    // A block's byte count must be representable (it is allocated when the
    // stream's length is unknown); a stream of known length allocates no
    // more than it holds, whatever the blocksize.
    if (blocksize > std::numeric_limits<std::int64_t>::max() / static_cast<std::int64_t>(frame_bytes()))
        throw std::invalid_argument("blocksize " + std::to_string(blocksize) + " frames is too large");
    Range r = resolve_range(handle_->info().frames, start, stop, std::nullopt);
    remaining_ = r.frames;
    to_end_ = !stop && !handle_->info().exact_length;  // an estimated or unknown length
    handle_->seek(r.start);
}

std::size_t AudioBlocks::frame_bytes() const {
    return itemsize(dtype_) * static_cast<std::size_t>(handle_->info().channels);
}

// The buffer for the next block, `kept` overlap frames of the previous block
// already at its start, with room for `wanted` more.
std::shared_ptr<Storage> AudioBlocks::block_storage(std::int64_t kept, std::int64_t wanted, bool reuse) {
    const std::size_t bytes = static_cast<std::size_t>(kept + wanted) * frame_bytes();
    const std::uint8_t* tail = storage_ ? storage_->data + (last_frames_ - kept) * frame_bytes() : nullptr;
    if (reuse && storage_ && storage_->size >= bytes) {
        std::memmove(storage_->data, tail, kept * frame_bytes());
        return storage_;
    }
    std::shared_ptr<Storage> fresh = Storage::allocate(bytes);
    if (kept) std::memcpy(fresh->data, tail, kept * frame_bytes());
    return fresh;
}

std::optional<StridedArray> AudioBlocks::next(bool reuse) {
    if (finished_) return std::nullopt;
    std::int64_t kept = first_ ? 0 : std::min(overlap_, last_frames_);
    std::int64_t wanted = blocksize_ - kept;
    if (!to_end_) wanted = std::min(wanted, remaining_);
    if (wanted <= 0) {
        finished_ = true;
        return std::nullopt;
    }
    std::shared_ptr<Storage> storage = block_storage(kept, wanted, reuse);
    std::int64_t got = read_fully(*handle_, dtype_, storage->data + kept * frame_bytes(), wanted);
    if (got == 0) {
        finished_ = true;
        return std::nullopt;
    }
    remaining_ -= got;
    if (got < wanted) finished_ = true;
    first_ = false;
    last_frames_ = kept + got;
    storage_ = storage;
    Index item = static_cast<Index>(itemsize(dtype_)), channels = handle_->info().channels;
    StridedArray block(storage, dtype_, {last_frames_, channels}, {item * channels, item});
    return shaped(block, shape_);
}

}  // namespace mediaview
