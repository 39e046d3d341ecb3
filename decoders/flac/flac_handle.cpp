// The FLAC handle's AudioHandle interface (flac_handle.hpp): opening, seek,
// read, the length check, warnings and finish.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "flac_codec.hpp"
#include "flac_handle.hpp"

namespace mediaview::flac::detail {

namespace {

std::string range_text(std::int64_t a, std::int64_t b) {
    return b - a == 1 ? "frame " + std::to_string(a)
                      : "frames " + std::to_string(a) + "-" + std::to_string(b - 1);
}

}  // namespace

Handle::Handle(const AudioSource& source) : input_(source.path, source.bytes), policy_(source.policy) {
    std::vector<std::uint8_t> head = input_.head(64);
    ogg_ = is_ogg_flac(head.data(), head.size());
    if (!ogg_ && !(head.size() >= 4 && std::memcmp(head.data(), "fLaC", 4) == 0) &&
        !is_frame_header(head.data(), head.size()))
        throw UnsupportedFormatError("not a FLAC stream (no 'fLaC' marker, Ogg FLAC header or frame header)");
    if (!source.hints.format.empty()) {
        std::string want;
        for (char c : source.hints.format) want += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (want != (ogg_ ? "OGG" : "FLAC"))
            throw UnsupportedFormatError(std::string("the data is ") + (ogg_ ? "OGG" : "FLAC") + ", not " + want);
    }
    start_decoder();
    describe();
}

void Handle::seek(std::int64_t frame) {
    if (frame < 0 || (info_.frames >= 0 && frame > info_.frames))
        throw DecodeError("cannot seek to frame " + std::to_string(frame) + ": the stream has " +
                          std::to_string(info_.frames) + " frames");
    if (frame == position_) return;
    clear_pending();
    if (info_.frames >= 0 && frame == info_.frames && can_seek()) {
        // libFLAC refuses a seek to the end itself; nothing is left to read there.
        position_ = decoded_end_ = frame;
        at_end_ = true;
        return;
    }
    at_end_ = false;
    if (can_seek()) {
        decoded_end_ = frame;
        seeking_ = true;
        bool ok = FLAC__stream_decoder_seek_absolute(decoder_.get(), base_ + static_cast<FLAC__uint64>(frame));
        seeking_ = false;
        rethrow_callback_error();
        if (ok) {
            position_ = frame;
            eof_ = false;
            lost_.clear();
            damage_open_ = false;
            return;
        }
        // A damaged or truncated stream can defeat libFLAC's bisection;
        // decoding from the start still lands exactly.
        clear_pending();
    }
    seek_by_decoding(frame);
}

std::int64_t Handle::read(DType dtype, void* dst, std::int64_t frames) {
    check_audio_dtype(dtype);
    if (frames <= 0 || at_end_) return 0;
    if (eof_ && !end_reported_) at_stream_end();  // the stream ended before any read asked for frames
    const std::size_t frame_bytes = itemsize(dtype) * static_cast<std::size_t>(info_.channels);
    std::int64_t done = drain(dtype, static_cast<std::uint8_t*>(dst), frames);
    out_ = static_cast<std::uint8_t*>(dst) + done * frame_bytes;
    want_ = frames - done;
    dtype_ = dtype;
    try {
        while (want_ > 0 && !eof_) step();
        // A damaged stretch still open when the read is satisfied: decode on
        // to the next good frame (into the pending buffer) so that the
        // warning can name the whole range lost.
        while (damage_open_ && !eof_) step();
        // verify: the MD5 verdict needs the end of the stream, which a
        // read of exactly the stated length never asks for.
        if (policy_.verify && total_ > 0 && decoded_end_ >= static_cast<std::int64_t>(total_))
            while (!eof_) step();
    } catch (...) {
        out_ = nullptr;
        want_ = 0;
        throw;
    }
    std::int64_t got = frames - want_;
    out_ = nullptr;
    want_ = 0;
    position_ += got;
    flush_warnings();
    return got;
}

// audio_info's look at the end: libFLAC seeks (by bisection, a few
// frames decoded) to the last frame STREAMINFO promises; a stream cut
// short has no such frame. The handle is not read after this.
void Handle::confirm_length() {
    if (!can_seek() || total_ == 0 || no_frames_ || ogg_) return;
    seeking_ = true;
    const bool ok = FLAC__stream_decoder_seek_absolute(decoder_.get(), base_ + total_ - 1);
    seeking_ = false;
    callback_error_ = nullptr;
    if (ok) return;
    info_.damage = "the FLAC stream ends before the " + std::to_string(total_) +
                   " frames its STREAMINFO promises (truncated or damaged)";
    info_.promised_frames = info_.frames;
    info_.exact_length = false;
}

std::vector<std::string> Handle::take_warnings() {
    std::vector<std::string> out;
    if (!stretches_.empty()) {
        // One message for all of them, the first few named.
        constexpr std::size_t named = 8;
        std::string text = "FLAC stream damaged: ";
        for (std::size_t i = 0; i < stretches_.size() && i < named; ++i) text += (i ? "; " : "") + stretches_[i];
        if (stretches_.size() > named)
            text += "; and " + std::to_string(stretches_.size() - named) + " more damaged stretches";
        out.push_back(std::move(text));
        stretches_.clear();
    }
    for (std::string& w : warnings_) out.push_back(std::move(w));
    warnings_.clear();
    return out;
}

// The caller has read all it wants: with verify, the rest of the stream
// is decoded (and dropped) so that the MD5 signature is checked.
void Handle::finish() {
    if (!policy_.verify || finished_) return;
    std::vector<std::int32_t> scratch(static_cast<std::size_t>(4096 * channels_));
    while (!eof_) {
        clear_pending();
        out_ = reinterpret_cast<std::uint8_t*>(scratch.data());
        want_ = 4096;
        dtype_ = DType::I32;
        try {
            step();
        } catch (...) {
            out_ = nullptr;
            want_ = 0;
            throw;
        }
        out_ = nullptr;
        want_ = 0;
    }
    flush_warnings();
}

void Handle::seek_by_decoding(std::int64_t frame) {
    if (finished_) {
        start_decoder();
    } else {
        if (!FLAC__stream_decoder_reset(decoder_.get()))
            throw DecodeError("cannot seek to frame " + std::to_string(frame) + ": libFLAC cannot rewind");
        input_.seek(0, SEEK_SET);
        eof_ = false;
        end_reported_ = false;
        decoded_end_ = 0;
        process(FLAC__stream_decoder_process_until_end_of_metadata);
    }
    position_ = 0;
    decoded_end_ = 0;
    at_end_ = false;
    lost_.clear();
    damage_open_ = false;
    clear_pending();
    std::vector<std::int32_t> scratch(static_cast<std::size_t>(4096 * channels_));
    while (position_ < frame) {
        std::int64_t n = read(DType::I32, scratch.data(), std::min<std::int64_t>(4096, frame - position_));
        if (n <= 0) {
            if (policy_.allow_truncated) return;  // past the real end: reads return nothing
            throw DecodeError("cannot seek to frame " + std::to_string(frame) + ": the stream ends at " +
                              std::to_string(position_));
        }
    }
}

void Handle::warn(const std::string& message) {
    if (policy_.strict) throw DecodeError(message, because_strict());
    if (warned_.insert(message).second) warnings_.push_back(message);
}

// Each damaged stretch met, as text for the one warning take_warnings()
// makes of them (the caller's Diagnostics fold messages that differ only
// in their numbers into one, which would drop all ranges but the first).
void Handle::flush_warnings() {
    std::vector<Lost> lost;
    lost.swap(lost_);
    for (const Lost& l : lost) {
        std::string text;
        if (l.to < 0) {
            text = "the audio from frame " + std::to_string(l.from) + " on is lost";
        } else if (l.to > l.from) {
            std::int64_t restored = l.filled_to - l.from;
            text = range_text(l.from, l.to) + " lost and returned as silence";
            if (restored < l.to - l.from)
                text = range_text(l.from, l.to) + " lost, only " + std::to_string(restored) +
                       " returned as silence, so the frames after come " + std::to_string(l.to - l.filled_to) +
                       " early";
        } else {
            text = "no audio lost at frame " + std::to_string(l.from);
        }
        text += " (" + l.reason + ")";
        if (policy_.strict) throw DecodeError("FLAC stream damaged: " + text, because_strict());
        if (warned_.insert(text).second) stretches_.push_back(text);
    }
}

void Handle::describe() {
    if (channels_ <= 0) throw DecodeError("FLAC header declares no channels");
    if (samplerate_ == 0) throw DecodeError("FLAC header declares a sample rate of 0");
    if (bits_ < 4 || bits_ > 32) throw DecodeError("FLAC header declares " + std::to_string(bits_) + " bits per sample");
    info_.samplerate = static_cast<int>(samplerate_);
    info_.channels = channels_;
    info_.frames = has_streaminfo_ && total_ > 0 ? static_cast<std::int64_t>(total_) : AudioInfo::unknown_length;
    info_.exact_length = info_.frames >= 0;
    if (no_frames_) {
        info_.damage = std::string("no audio frame follows the FLAC metadata (") + no_frames_reason + ")";
        info_.promised_frames = info_.frames;
        info_.frames = 0;
        info_.exact_length = false;
    }
    info_.format = ogg_ ? "OGG" : "FLAC";
    info_.format_info = ogg_ ? "Ogg FLAC" : "FLAC (Free Lossless Audio Codec)";
    info_.subtype = subtype_for_bits(bits_);
    info_.subtype_info = "Signed " + std::to_string(bits_) + " bit PCM";
    info_.endian = "FILE";
    info_.seekable = true;
    info_.tags = tags_;
    if (total_ > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() / 2))
        throw DecodeError("FLAC header declares an impossible length");
}

}  // namespace mediaview::flac::detail
