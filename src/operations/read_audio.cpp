#include "read_audio.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
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

ChannelMix requested_mix(const AudioReadRequest& rq, int source_channels) {
    if (rq.channels < 0) throw std::invalid_argument("channels must be positive");
    if (!rq.mix.empty() || rq.mix_rows) {
        if (rq.channels && rq.channels != rq.mix_rows)
            throw std::invalid_argument("channels=" + std::to_string(rq.channels) + " but mix has " +
                                        std::to_string(rq.mix_rows) + " rows (one per output channel)");
        return ChannelMix::matrix(source_channels, rq.mix_rows, rq.mix);
    }
    return ChannelMix::standard(source_channels, rq.channels ? rq.channels : source_channels);
}

void check_damage(const AudioInfo& info, std::int64_t got, bool strict, bool allow_truncated,
                  Diagnostics& diagnostics) {
    if (info.damage.empty()) return;
    std::string what = info.damage;
    if (!allow_truncated) throw DecodeError(what + "; pass allow_truncated=True to get the frames decoded");
    if (strict) throw DecodeError(what + " (strict=True)");
    std::string promised =
        info.promised_frames >= 0 ? " of the " + std::to_string(info.promised_frames) + " frames promised" : "";
    diagnostics.warn(what + ": returning the " + std::to_string(got) + " frames decoded" + promised);
}

void check_complete(std::int64_t got, std::int64_t wanted, bool exact, bool strict, bool allow_truncated,
                    Diagnostics& diagnostics) {
    if (got >= wanted || !exact) return;
    std::string what = "the audio data ends after " + std::to_string(got) + " of the " + std::to_string(wanted) +
                       " frames its header promises (truncated or damaged)";
    if (!allow_truncated) throw DecodeError(what + "; pass allow_truncated=True to get the frames decoded");
    if (strict) throw DecodeError(what + " (strict=True)");
    diagnostics.warn(what + ": returning the " + std::to_string(got) + " frames decoded");
}

namespace {

// Whether a read of `got` frames from r.start ran into the end of the data
// present: only then does missing data behind it matter (a range inside the
// intact part of a damaged file is complete).
bool reaches_end(const AudioInfo& info, const Range& r, std::int64_t got) {
    return r.to_end || info.frames < 0 || r.start + got >= info.frames;
}

// What follows every read of a range into memory (`got` of its frames
// decoded into `frames`): the damage policy where the codec leaves it to us,
// the rest of a file whose header did not promise its length (`may_grow`:
// the memory is ours, not the caller's out=), then the codec's warnings.
StridedArray ended_read(AudioHandle& handle, const Range& r, StridedArray frames, std::int64_t got, DType dtype,
                        const AudioReadRequest& rq, bool may_grow, Diagnostics& diagnostics) {
    const AudioInfo& info = handle.info();
    frames = first_frames(frames, got);
    const bool generic_policy = !handle.applies_damage_policy();
    if (generic_policy) check_complete(got, r.frames, info.exact_length, rq.strict, rq.allow_truncated, diagnostics);
    if (r.to_end && !info.exact_length && may_grow && got == r.frames)
        frames = append_rest(handle, frames, dtype, rq.max_samples);
    handle.finish();
    collect_warnings(handle, &diagnostics);
    if (generic_policy && reaches_end(info, r, frames.shape()[0]))
        check_damage(info, frames.shape()[0], rq.strict, rq.allow_truncated, diagnostics);
    return frames;
}


// Decodes the range as the converter's work type, then mixes/resamples it
// into the final buffer of exactly resampled_length(frames decoded) frames.
AudioRead converted_read(const AudioCodec& codec, const AudioSource& source, AudioHandle& handle, const Range& r,
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
    // In blocks, so the converter's scratch stays small whatever the length.
    constexpr std::int64_t block = 1 << 16;
    std::uint8_t* dst = result.data();
    const std::size_t out_frame = conv.out_frame_bytes();
    std::int64_t done = 0;
    for (std::int64_t at = 0; at < n; at += block) {
        std::int64_t k = std::min(block, n - at);
        done += conv.push(decoded.data() + at * conv.in_frame_bytes(), k, dst + done * out_frame, length - done);
    }
    while (done < length) {
        std::int64_t k = conv.finish(dst + done * out_frame, length - done);
        if (k == 0) break;
        done += k;
    }
    return {shaped(first_frames(result, done), rq.shape), out_rate};
}

}  // namespace

namespace {

// start/stop/frames, or offset/duration in seconds (librosa's names).
Range requested_range(const AudioInfo& info, const AudioReadRequest& rq) {
    if (!rq.offset && !rq.duration) return resolve_range(info.frames, rq.start, rq.stop, rq.frames);
    if (rq.start != 0 && rq.offset) throw std::invalid_argument("give start or offset, not both");
    if (rq.duration && (rq.stop || rq.frames))
        throw std::invalid_argument("give duration or stop/frames, not both");
    auto to_frames = [&](double seconds, const char* name) {
        if (!std::isfinite(seconds) || seconds < 0)
            throw std::invalid_argument(std::string(name) + " must be a non-negative number of seconds");
        double f = std::nearbyint(seconds * info.samplerate);
        if (f > 9.0e18) throw std::invalid_argument(std::string(name) + " is too large");
        return static_cast<std::int64_t>(f);
    };
    std::int64_t start = rq.offset ? to_frames(*rq.offset, "offset") : rq.start;
    std::optional<std::int64_t> frames = rq.frames;
    if (rq.duration) frames = to_frames(*rq.duration, "duration");
    return resolve_range(info.frames, start, rq.stop, frames);
}

std::string length_text(const AudioInfo& info) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.3f", static_cast<double>(info.frames) / info.samplerate);
    return std::to_string(info.frames) + " frames, " + seconds + " s";
}

// A range the caller asked for (start/stop/frames, offset/duration) that
// selects nothing is an error, never an empty result that looks like a
// read; one that runs past the end is cut there with a warning giving the
// real length. Only where the header's length is exact (an estimate may be
// short of the real end, and is corrected while decoding).
Range checked_range(const AudioInfo& info, const AudioReadRequest& rq, Diagnostics& diagnostics) {
    Range r = requested_range(info, rq);
    const bool asked = rq.start != 0 || rq.stop || rq.frames || rq.offset || rq.duration;
    if (!asked || info.frames < 0 || !info.exact_length) return r;
    const std::string start_name = rq.offset ? "offset" : "start";
    if (r.frames == 0) {
        if (r.start >= info.frames && (rq.offset || rq.start > 0)) {
            const std::int64_t first =
                rq.offset ? static_cast<std::int64_t>(std::nearbyint(*rq.offset * info.samplerate)) : rq.start;
            throw ArgumentError(start_name, start_name + " (frame " + std::to_string(first) +
                                                ") lies at or past the end of the audio (" + length_text(info) +
                                                "): the range selects no frames");
        }
        const std::string end_name = rq.duration ? "duration" : rq.frames ? "frames" : "stop";
        throw ArgumentError(end_name, "the range selects no frames (" + end_name + " ends it at or before its " +
                                          "start, frame " + std::to_string(r.start) + ", in audio of " +
                                          length_text(info) + ")");
    }
    // Where the caller's end lies, before the slice rules clamped it.
    std::int64_t asked_end = r.start + r.frames;
    if (rq.stop && *rq.stop > 0) asked_end = *rq.stop;
    if (rq.duration)
        asked_end = r.start + static_cast<std::int64_t>(std::nearbyint(*rq.duration * info.samplerate));
    else if (rq.frames)
        asked_end = r.start + *rq.frames;
    if (!r.to_end && asked_end > info.frames)
        diagnostics.warn("the range asks for frames " + std::to_string(r.start) + " to " + std::to_string(asked_end) +
                         " but the audio ends at frame " + std::to_string(info.frames) + " (" + length_text(info) +
                         "): returning the " + std::to_string(r.frames) + " frames up to the end");
    return r;
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
    Range r = checked_range(info, rq, diagnostics);
    const int out_rate = rq.samplerate ? rq.samplerate : info.samplerate;
    SampleConverter conv(info.samplerate, out_rate, requested_mix(rq, info.channels), rq.dtype, rq.quality);
    if (conv.converts()) return converted_read(codec, source, *handle, r, rq, out, conv, out_rate, diagnostics);
    if (!info.damage.empty()) {
        // A damaged file is decoded (never mapped), so the policy sees it.
        AudioReadRequest decoded = rq;
        decoded.mmap = rq.mmap.value_or(false) ? rq.mmap : std::optional<bool>(false);
        if (auto map = mapped(codec, source, *handle, r, decoded, out != nullptr))
            return {shaped(*map, rq.shape), info.samplerate};
    } else if (auto map = mapped(codec, source, *handle, r, rq, out != nullptr)) {
        return {shaped(*map, rq.shape), info.samplerate};
    }
    // A mapped file and the caller's out= bound themselves; only memory
    // allocated here on the header's word is held to the limit.
    if (!out) check_sample_limit(r.frames, info.channels, rq.max_samples);
    StridedArray frames = out ? caller_frames(*out, rq.dtype, r.frames, info.channels, rq.shape)
                              : StridedArray::allocate(rq.dtype, {r.frames, info.channels});
    std::int64_t got = read_frames(codec, source, *handle, r.start, r.frames, rq.dtype, frames.data(), rq.threads,
                                   &diagnostics);
    frames = ended_read(*handle, r, std::move(frames), got, rq.dtype, rq, !out, diagnostics);
    return {shaped(frames, rq.shape), info.samplerate};
}

AudioInfo audio_info(const CodecTable& codecs, const AudioSource& source) {
    std::unique_ptr<AudioHandle> handle = codecs.audio_codec_for(source).open(source);
    handle->confirm_length();
    return handle->info();
}

// ---- streaming ----------------------------------------------------------------

AudioBlocks::AudioBlocks(const CodecTable& codecs, const AudioSource& source, std::int64_t blocksize,
                         std::int64_t overlap, const AudioReadRequest& rq)
    : blocksize_(blocksize), overlap_(overlap), dtype_(check_audio_dtype(rq.dtype)), shape_(rq.shape),
      strict_(rq.strict), allow_truncated_(rq.allow_truncated) {
    if (blocksize <= 0) throw std::invalid_argument("blocksize must be positive");
    if (overlap < 0 || overlap >= blocksize)
        throw std::invalid_argument("overlap must be at least 0 and less than blocksize");
    if (rq.samplerate < 0) throw std::invalid_argument("samplerate must be positive");
    if (rq.mmap == true)
        throw std::invalid_argument("mmap=True: a stream decodes block by block; read_audio maps whole files");
    handle_ = codecs.audio_codec_for(source).open(source);
    const AudioInfo& info = handle_->info();
    out_rate_ = rq.samplerate ? rq.samplerate : info.samplerate;
    ChannelMix mix = requested_mix(rq, info.channels);
    out_channels_ = mix.out_channels;
    converter_ = std::make_unique<SampleConverter>(info.samplerate, out_rate_, std::move(mix), dtype_, rq.quality);
    if (!converter_->converts()) converter_.reset();
    // A block's byte count must be representable (it is allocated when the
    // stream's length is unknown); a stream of known length allocates no
    // more than it holds, whatever the blocksize. max_samples bounds a block.
    if (blocksize > std::numeric_limits<std::int64_t>::max() / static_cast<std::int64_t>(frame_bytes()))
        throw std::invalid_argument("blocksize " + std::to_string(blocksize) + " frames is too large");
    check_sample_limit(blocksize, out_channels_, rq.max_samples);
    Range r = checked_range(info, rq, diagnostics_);
    remaining_ = r.frames;
    source_wanted_ = r.frames;
    start_ = r.start;
    to_end_ = r.to_end && !info.exact_length;  // an estimated or unknown length
    handle_->seek(r.start);
}

std::size_t AudioBlocks::frame_bytes() const {
    return itemsize(dtype_) * static_cast<std::size_t>(out_channels_);
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

void AudioBlocks::source_ended(std::int64_t got_total) {
    const AudioInfo& info = handle_->info();
    if (handle_->applies_damage_policy()) return;  // the codec applied it
    if (to_end_ || info.frames < 0 || start_ + got_total >= info.frames)
        check_damage(info, got_total, strict_, allow_truncated_, diagnostics_);
    if (!to_end_) check_complete(got_total, source_wanted_, handle_->info().exact_length, strict_, allow_truncated_,
                                 diagnostics_);
}

std::int64_t AudioBlocks::produce(std::uint8_t* dst, std::int64_t wanted) {
    if (!converter_) {
        std::int64_t got = read_fully(*handle_, dtype_, dst, wanted);
        source_total_ += got;
        if (got < wanted) source_ended(source_total_);
        return got;
    }
    const std::size_t out_frame = converter_->out_frame_bytes();
    std::int64_t done = 0;
    // Source frames decoded per step: bounded memory, whatever the blocksize.
    constexpr std::int64_t step = 1 << 15;
    while (done < wanted) {
        std::int64_t have = static_cast<std::int64_t>((pending_.size() - pending_at_) / out_frame);
        if (have > 0) {
            std::int64_t k = std::min(have, wanted - done);
            std::memcpy(dst + done * out_frame, pending_.data() + pending_at_, static_cast<std::size_t>(k) * out_frame);
            pending_at_ += static_cast<std::size_t>(k) * out_frame;
            done += k;
            continue;
        }
        if (converter_done_) break;
        pending_.clear();
        pending_at_ = 0;
        // Room for what one step of input can give, plus libsoxr's backlog.
        const std::int64_t room = resampled_length(step, handle_->info().samplerate, out_rate_) + 4096;
        pending_.resize(static_cast<std::size_t>(room) * out_frame);
        std::int64_t made = 0;
        if (!source_done_) {
            std::int64_t n = to_end_ ? step : std::min(step, remaining_);
            decoded_.resize(static_cast<std::size_t>(step) * converter_->in_frame_bytes());
            std::int64_t got = n > 0 ? read_fully(*handle_, converter_->work_dtype(), decoded_.data(), n) : 0;
            remaining_ -= got;
            source_total_ += got;
            if (got < n || n == 0) {
                source_done_ = true;
                source_ended(source_total_);
            }
            made = converter_->push(decoded_.data(), got, pending_.data(), room);
        } else {
            made = converter_->finish(pending_.data(), room);
            if (made == 0) converter_done_ = true;
        }
        pending_.resize(static_cast<std::size_t>(made) * out_frame);
    }
    return done;
}

std::optional<StridedArray> AudioBlocks::next(bool reuse) {
    if (finished_) return std::nullopt;
    std::int64_t kept = first_ ? 0 : std::min(overlap_, last_frames_);
    std::int64_t wanted = blocksize_ - kept;
    // Without conversion a known range bounds the block; converted output
    // ends where the converter says.
    if (!to_end_ && !converter_) wanted = std::min(wanted, remaining_);
    if (wanted <= 0) {
        finished_ = true;
        if (!converter_ && !to_end_) source_ended(source_total_);
        return std::nullopt;
    }
    std::shared_ptr<Storage> storage = block_storage(kept, wanted, reuse);
    std::int64_t got = produce(storage->data + kept * frame_bytes(), wanted);
    collect_warnings(*handle_, &diagnostics_);  // damage the codec survived under source.policy
    if (got == 0) {
        finished_ = true;
        return std::nullopt;
    }
    if (!converter_) remaining_ -= got;
    if (got < wanted) finished_ = true;
    first_ = false;
    last_frames_ = kept + got;
    storage_ = storage;
    Index item = static_cast<Index>(itemsize(dtype_)), channels = out_channels_;
    StridedArray block(storage, dtype_, {last_frames_, channels}, {item * channels, item});
    return shaped(block, shape_);
}

}  // namespace mediaview
