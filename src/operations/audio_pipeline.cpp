#include "audio_pipeline.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace mediaview {
namespace {

// python-soundfile's rules: start and stop index like a Python slice
// (negative from the end, clamped), `frames` counts from start, and only one
// of stop and frames may be given.
AudioRange resolve_range(std::int64_t total, std::int64_t start, std::optional<std::int64_t> stop,
                         std::optional<std::int64_t> frames) {
    if (stop && frames) throw std::invalid_argument("give only one of stop and frames");
    if (frames && *frames < 0) throw std::invalid_argument("frames must not be negative");
    AudioRange r;
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

// Whether a read of `got` frames from r.start ran into the end of the data
// present: only then does missing data behind it matter (a range inside the
// intact part of a damaged file is complete).
bool reaches_end(const AudioInfo& info, const AudioRange& r, std::int64_t got) {
    return r.to_end || info.frames < 0 || r.start + got >= info.frames;
}

// Source frames converted per step: bounded memory, whatever the length.
constexpr std::int64_t kStep = 1 << 15;

}  // namespace

namespace {

AudioRange sliced_range(const AudioInfo& info, const AudioReadRequest& rq) {
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

}  // namespace

AudioRange requested_range(const AudioInfo& info, const AudioReadRequest& rq, Diagnostics& diagnostics) {
    AudioRange r = sliced_range(info, rq);
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
    if (!allow_truncated) throw DecodeError(what, pass_allow_truncated("to get the frames decoded"));
    if (strict) throw DecodeError(what, because_strict());
    std::string promised =
        info.promised_frames >= 0 ? " of the " + std::to_string(info.promised_frames) + " frames promised" : "";
    diagnostics.warn(what + ": returning the " + std::to_string(got) + " frames decoded" + promised);
}

void check_complete(std::int64_t got, std::int64_t wanted, bool exact, bool strict, bool allow_truncated,
                    Diagnostics& diagnostics) {
    if (got >= wanted || !exact) return;
    std::string what = "the audio data ends after " + std::to_string(got) + " of the " + std::to_string(wanted) +
                       " frames its header promises (truncated or damaged)";
    if (!allow_truncated) throw DecodeError(what, pass_allow_truncated("to get the frames decoded"));
    if (strict) throw DecodeError(what, because_strict());
    diagnostics.warn(what + ": returning the " + std::to_string(got) + " frames decoded");
}

void apply_damage_rules(const AudioHandle& handle, const AudioRange& range, std::int64_t got,
                        const AudioReadRequest& rq, Diagnostics& diagnostics) {
    if (handle.applies_damage_policy()) return;  // the codec applied it as it decoded
    const AudioInfo& info = handle.info();
    check_complete(got, range.frames, info.exact_length, rq.strict, rq.allow_truncated, diagnostics);
    if (reaches_end(info, range, got)) check_damage(info, got, rq.strict, rq.allow_truncated, diagnostics);
}

StridedArray shaped_samples(const StridedArray& frames, AudioShape shape) {
    if (frames.shape()[1] == 1 && !shape.always_2d)
        return StridedArray(frames.storage(), frames.dtype(), {frames.shape()[0]}, {frames.strides()[0]},
                            frames.offset());
    return shape.layout == SampleLayout::Planar ? frames.permuted({1, 0}) : frames;
}

std::int64_t DecodedFrames::pull(std::uint8_t* dst, std::int64_t frames) {
    std::int64_t n = std::min(frames, left_);
    if (n <= 0) return 0;
    std::memcpy(dst, data_, static_cast<std::size_t>(n) * frame_bytes_);
    data_ += static_cast<std::size_t>(n) * frame_bytes_;
    left_ -= n;
    return n;
}

std::int64_t ConvertedFrames::take_pending(std::uint8_t* dst, std::int64_t wanted) {
    const std::size_t out_frame = converter_.out_frame_bytes();
    std::int64_t have = static_cast<std::int64_t>((pending_.size() - pending_at_) / out_frame);
    std::int64_t k = std::min(have, wanted);
    if (k <= 0) return 0;
    std::memcpy(dst, pending_.data() + pending_at_, static_cast<std::size_t>(k) * out_frame);
    pending_at_ += static_cast<std::size_t>(k) * out_frame;
    return k;
}

// One step: a pull of source frames pushed through the converter, or, once
// the source has ended, what the converter still holds (then its padding to
// the exact length).
std::int64_t ConvertedFrames::step_into(std::uint8_t* dst, std::int64_t room) {
    if (!source_done_) {
        decoded_.resize(static_cast<std::size_t>(kStep) * converter_.in_frame_bytes());
        std::int64_t got = source_.pull(decoded_.data(), kStep);
        if (got < kStep) source_done_ = true;
        return converter_.push(decoded_.data(), got, dst, room);
    }
    std::int64_t made = converter_.finish(dst, room);
    if (made == 0) done_ = true;
    return made;
}

std::int64_t ConvertedFrames::pull(std::uint8_t* dst, std::int64_t wanted) {
    const std::size_t out_frame = converter_.out_frame_bytes();
    std::int64_t done = take_pending(dst, wanted);
    const std::int64_t room = converter_.room_for(kStep);
    while (done < wanted && !done_) {
        if (wanted - done >= room) {  // the step's output fits: straight into place
            done += step_into(dst + done * out_frame, room);
            continue;
        }
        pending_.resize(static_cast<std::size_t>(room) * out_frame);
        std::int64_t made = step_into(pending_.data(), room);
        pending_.resize(static_cast<std::size_t>(made) * out_frame);
        pending_at_ = 0;
        done += take_pending(dst + done * out_frame, wanted - done);
    }
    return done;
}

}  // namespace mediaview
