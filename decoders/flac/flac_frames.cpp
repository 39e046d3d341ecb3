// The frames libFLAC delivers to the FLAC handle (flac_handle.hpp): into the
// caller's buffer or the pending one, the damage policy for frames lost
// (silence, libFLAC 1.4.2's zeroed frame repaired, the warnings' ranges),
// and the end of the stream (a stream cut short, the MD5 verdict).
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "flac_handle.hpp"
#include "flac_samples.hpp"

namespace mediaview::flac::detail {

void Handle::take_frame(const FLAC__Frame& frame, const FLAC__int32* const* planes) {
    const FLAC__FrameHeader& h = frame.header;
    if (!frame_seen_ && !has_streaminfo_) {
        samplerate_ = h.sample_rate;
        channels_ = h.channels;
        bits_ = h.bits_per_sample;
        base_ = h.number.sample_number;  // a stream cut out of a longer one starts at its own number
    }
    frame_seen_ = true;
    if (h.bits_per_sample < 1 || h.bits_per_sample > 32) throw DecodeError("corrupt FLAC frame header");
    if (!seeking_ && h.sample_rate != frame_rate_) rate_changed(h.sample_rate);
    if (static_cast<int>(h.channels) != channels_) planes = mixed_planes(h, planes);
    frame_channels_ = static_cast<int>(h.channels);
    if (redelivering_) {  // repair_frame(): keep the frame, deliver nothing
        if (h.blocksize != frame_blocksize_) return;
        redelivered_.resize(static_cast<std::size_t>(h.blocksize) * static_cast<std::size_t>(channels_));
        interleave(planes, channels_, 0, h.blocksize, h.bits_per_sample, redelivered_.data());
        return;
    }
    if (!seeking_) {
        ++frames_this_step_;
        if (frames_this_step_ == 1) step_from_ = decoded_end_;
        std::int64_t at = h.number.sample_number >= base_ ? static_cast<std::int64_t>(h.number.sample_number - base_)
                                                           : decoded_end_;
        if (at > decoded_end_) padded_this_step_ += pad(at - decoded_end_, h.blocksize);
        frame_out_at_ = decoded_end_;
        frame_stream_at_ = at;
        frame_number_ = h.number.sample_number;
        frame_blocksize_ = h.blocksize;
        frame_direct_ = want_ > 0 ? std::min<std::int64_t>(want_, h.blocksize) : 0;
        frame_dst_ = out_;
        frame_pending_at_ = pending_.size();
    }
    deliver(planes, h.blocksize, h.bits_per_sample);
}

// A frame at another sample rate than the stream's (IETF uncommon/01):
// its samples are returned as they are, at the stream's rate, which the
// caller is told once (strict: DecodeError).
void Handle::rate_changed(unsigned rate) {
    const unsigned before = frame_rate_ ? frame_rate_ : samplerate_;
    frame_rate_ = rate;
    if (rate == before) return;
    warn("the sample rate changes from " + std::to_string(before) + " to " + std::to_string(rate) +
         " Hz at frame " + std::to_string(decoded_end_) + ": the frames after are returned as they are, "
         "at the stream's " + std::to_string(samplerate_) + " Hz");
}

// A frame with another channel count than the stream's (IETF
// uncommon/02, 03): mono <-> stereo frames are mixed to the stream's
// count as read_audio(channels=) mixes (stereo -> mono the mean, mono ->
// stereo duplicated), with a warning once (strict: DecodeError); any
// other change has no standard mix and is a DecodeError.
const FLAC__int32* const* Handle::mixed_planes(const FLAC__FrameHeader& h, const FLAC__int32* const* planes) {
    const int from = static_cast<int>(h.channels);
    std::string what = "the channel count changes from " + std::to_string(channels_) + " to " +
                       std::to_string(from) + " at frame " + std::to_string(decoded_end_);
    if (!((from == 2 && channels_ == 1) || (from == 1 && channels_ == 2)))
        throw DecodeError("corrupt or unusual FLAC stream: " + what +
                          ", and there is no standard mix between those counts");
    if (from != frame_channels_ && !seeking_)
        warn(what + ": the frames after are mixed to " + std::to_string(channels_) +
         (channels_ == 1 ? " channel (the mean of the two)" : " channels (the one duplicated)"));
    mix_planes_.assign(2, nullptr);
    if (channels_ == 2) {
        mix_planes_[0] = mix_planes_[1] = planes[0];
        return mix_planes_.data();
    }
    mixed_.resize(h.blocksize);
    for (unsigned i = 0; i < h.blocksize; ++i)
        mixed_[i] = static_cast<FLAC__int32>((static_cast<std::int64_t>(planes[0][i]) + planes[1][i]) / 2);
    mix_planes_[0] = mixed_.data();
    return mix_planes_.data();
}

// libFLAC 1.4.2 zeroes the first good frame after a gap it fills with
// silence (its padding reuses the output buffer holding that frame; fixed
// in 1.4.3 by "Do not use main output buffer when outputting padding
// frames"). libFLAC's own seek decodes that frame again intact: it is
// written over the zeros where they went (the caller's buffer and/or
// the pending buffer). Returns whether the frame was restored.
bool Handle::repair_frame() {
    if (!can_seek() || ogg_) return false;
    FLAC__uint64 resume = 0;
    if (!FLAC__stream_decoder_get_decode_position(decoder_.get(), &resume)) return false;
    redelivered_.clear();
    redelivering_ = seeking_ = true;
    bool ok = FLAC__stream_decoder_seek_absolute(decoder_.get(), frame_number_);
    redelivering_ = seeking_ = false;
    rethrow_callback_error();
    const std::size_t ch = static_cast<std::size_t>(channels_);
    if (ok && redelivered_.size() == static_cast<std::size_t>(frame_blocksize_) * ch) {
        std::size_t direct = static_cast<std::size_t>(frame_direct_);
        if (direct > 0) convert_as(dtype_, redelivered_.data(), direct * ch, frame_dst_);
        std::copy(redelivered_.begin() + static_cast<long>(direct * ch), redelivered_.end(),
                  pending_.begin() + static_cast<long>(frame_pending_at_));
        return true;
    }
    // Back to where decoding was, as if nothing had happened.
    FLAC__stream_decoder_flush(decoder_.get());
    input_.seek(resume, SEEK_SET);
    return false;
}

// After a step that delivered frames: when libFLAC put back silence for
// lost frames (it does so within the step that finds the next good
// frame, as frames of its own before that one) or this codec did, or an
// error was reported, the stretch is recorded for a warning.
void Handle::close_damage() {
    if (frames_this_step_ == 0) return;
    bool padded = frames_this_step_ > 1 || padded_this_step_ > 0;
    if (!padded && !damage_open_) return;
    std::int64_t from = damage_open_ ? damage_from_ : step_from_;
    std::int64_t to = frame_stream_at_, filled_to = frame_out_at_;
    if (frames_this_step_ > 1 && !repair_frame()) {
        to += frame_blocksize_;  // returned as silence too
        filled_to += frame_blocksize_;
    }
    lost_.push_back({from, to, filled_to, damage_open_ ? damage_reason_ : "a gap in the frame numbers"});
    damage_open_ = false;
}

// Silence for frames lost before the frame at `at`, beyond what libFLAC
// itself put back (it does not when the damage is before the first good
// frame). Bounded as libFLAC bounds its own, at most 5 s or 50 blocks,
// and further to 2^20 samples a gap and 2^24 in all, never past the
// stated length: corrupt frame numbers cannot make a huge output (nor
// take long to make).
std::int64_t Handle::pad(std::int64_t frames, unsigned blocksize) {
    const std::int64_t ch = channels_;
    std::int64_t cap = std::min<std::int64_t>(5 * static_cast<std::int64_t>(std::max(samplerate_, 1u)),
                                              50 * static_cast<std::int64_t>(std::max(blocksize, 16u)));
    cap = std::min<std::int64_t>(cap, (std::int64_t{1} << 20) / ch);
    cap = std::min<std::int64_t>(cap, ((std::int64_t{1} << 24) - padded_samples_) / ch);
    if (total_ > 0) cap = std::min<std::int64_t>(cap, static_cast<std::int64_t>(total_) - decoded_end_);
    frames = std::min(frames, std::max<std::int64_t>(cap, 0));
    const std::int64_t padded = frames;
    padded_samples_ += padded * ch;
    std::vector<FLAC__int32> zeros(static_cast<std::size_t>(std::min<std::int64_t>(frames, 4096)), 0);
    std::vector<const FLAC__int32*> planes(static_cast<std::size_t>(channels_), zeros.data());
    while (frames > 0) {
        unsigned n = static_cast<unsigned>(std::min<std::int64_t>(frames, 4096));
        deliver(planes.data(), n, 32);
        frames -= n;
    }
    return padded;
}

// Frames into the caller's buffer while it wants them, the rest into
// the pending buffer (interleaved, left-justified) for the next read.
void Handle::deliver(const FLAC__int32* const* planes, unsigned blocksize, unsigned bits) {
    std::size_t n = blocksize;
    std::size_t direct = want_ > 0 ? static_cast<std::size_t>(std::min<std::int64_t>(want_, n)) : 0;
    if (direct > 0) {
        interleave_as(dtype_, planes, channels_, 0, direct, bits, out_);
        out_ += direct * itemsize(dtype_) * static_cast<std::size_t>(channels_);
        want_ -= static_cast<std::int64_t>(direct);
    }
    if (direct < n) {
        std::size_t rest = n - direct;
        std::size_t at = pending_.size();
        pending_.resize(at + rest * static_cast<std::size_t>(channels_));
        interleave(planes, channels_, direct, rest, bits, pending_.data() + at);
    }
    decoded_end_ += static_cast<std::int64_t>(n);
}

std::int64_t Handle::drain(DType dtype, std::uint8_t* dst, std::int64_t frames) {
    const std::size_t ch = static_cast<std::size_t>(channels_);
    std::size_t available = (pending_.size() - pending_pos_) / ch;
    std::size_t n = std::min<std::size_t>(available, static_cast<std::size_t>(frames));
    if (n == 0) return 0;
    convert_as(dtype, pending_.data() + pending_pos_, n * ch, dst);
    pending_pos_ += n * ch;
    if (pending_pos_ == pending_.size()) clear_pending();
    return static_cast<std::int64_t>(n);
}

// The decoder has reached the end of the data: a damaged stretch that
// no good frame followed, a stream shorter than its STREAMINFO says, and
// the MD5 verdict.
void Handle::at_stream_end() {
    end_reported_ = true;
    const bool short_of_total = (total_ > 0 && static_cast<std::uint64_t>(decoded_end_) < total_) ||
                                (no_frames_ && decoded_end_ == 0);
    // Damage that runs to the end: said by the message about the
    // length when the stream states one.
    if (damage_open_ && !short_of_total) lost_.push_back({damage_from_, -1, decoded_end_, damage_reason_});
    damage_open_ = false;
    if (first_frame_pending_) return;
    if (short_of_total) {
        std::string message =
            total_ > 0 ? "the FLAC stream ends after " + std::to_string(decoded_end_) + " of the " +
                             std::to_string(total_) + " frames its STREAMINFO promises (" +
                             (no_frames_ ? no_frames_reason : "truncated or damaged") + ")"
                       : std::string("no audio frame follows the FLAC metadata (") + no_frames_reason + ")";
        if (!policy_.allow_truncated)
            throw DecodeError(message, pass_allow_truncated("to get the frames before the damage"));
        warn(total_ > 0 ? message : message + ": returning the " + std::to_string(decoded_end_) + " frames decoded");
    }
    if (policy_.verify && !finished_) check_md5();
}

void Handle::check_md5() {
    if (!has_md5_) {
        warn("verify: the stream stores no MD5 signature, so its audio was not verified");
        return;
    }
    // The verdict comes from finish(); a later seek starts the decoder anew.
    finished_ = true;
    if (!FLAC__stream_decoder_finish(decoder_.get()))
        throw DecodeError("verify: the decoded audio does not match the MD5 signature in STREAMINFO");
}

}  // namespace mediaview::flac::detail
