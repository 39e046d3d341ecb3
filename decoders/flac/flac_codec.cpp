#include "flac_codec.hpp"

#include <FLAC/format.h>
#include <FLAC/stream_decoder.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cerrno>
#include <cstdlib>
#include <iterator>
#include <cstring>
#include <exception>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/encoded_input.hpp"
#include "src/file_bytes.hpp"

#include "flac_samples.hpp"

namespace mediaview::flac {

namespace {

using detail::convert_as;
using detail::interleave;
using detail::interleave_as;

struct DeleteDecoder {
    void operator()(FLAC__StreamDecoder* d) const { FLAC__stream_decoder_delete(d); }
};
using DecoderPtr = std::unique_ptr<FLAC__StreamDecoder, DeleteDecoder>;

const char* error_text(FLAC__StreamDecoderErrorStatus status) {
    switch (status) {
        case FLAC__STREAM_DECODER_ERROR_STATUS_LOST_SYNC: return "lost sync (bytes that are no FLAC frame)";
        case FLAC__STREAM_DECODER_ERROR_STATUS_BAD_HEADER: return "a corrupt frame header";
        case FLAC__STREAM_DECODER_ERROR_STATUS_FRAME_CRC_MISMATCH: return "a frame whose CRC does not match its data";
        case FLAC__STREAM_DECODER_ERROR_STATUS_UNPARSEABLE_STREAM: return "a frame libFLAC cannot parse";
        case FLAC__STREAM_DECODER_ERROR_STATUS_BAD_METADATA: return "corrupt metadata";
    }
    return "damaged data";
}

constexpr const char* no_frames_reason = "a metadata block's length is wrong, or the file is cut short";

std::string range_text(std::int64_t a, std::int64_t b) {
    return b - a == 1 ? "frame " + std::to_string(a)
                      : "frames " + std::to_string(a) + "-" + std::to_string(b - 1);
}

// ---- one open stream ------------------------------------------------------------

class Handle final : public AudioHandle {
public:
    explicit Handle(const AudioSource& source) : input_(source.path, source.bytes), policy_(source.policy) {
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

    const AudioInfo& info() const override { return info_; }

    // libFLAC's seek is sample-exact; without STREAMINFO (a stream that
    // starts at a frame) or a stated length it is a guess, and with verify it
    // would switch the MD5 check off, so those decode from the start instead.
    bool splittable() const override { return can_seek() && info_.exact_length; }

    void seek(std::int64_t frame) override {
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

    std::int64_t read(DType dtype, void* dst, std::int64_t frames) override {
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

    bool applies_damage_policy() const override { return true; }

    // audio_info's look at the end: libFLAC seeks (by bisection, a few
    // frames decoded) to the last frame STREAMINFO promises; a stream cut
    // short has no such frame. The handle is not read after this.
    void confirm_length() override {
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

    std::vector<std::string> take_warnings() override {
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
    void finish() override {
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

private:
    bool can_seek() const { return has_streaminfo_ && !policy_.verify; }

    // ---- libFLAC callbacks (no exception may cross them) ----

    static FLAC__StreamDecoderReadStatus on_read(const FLAC__StreamDecoder*, FLAC__byte buffer[], size_t* bytes,
                                                 void* self) {
        auto* h = static_cast<Handle*>(self);
        std::int64_t got = h->input_.read(buffer, *bytes);
        if (got < 0) {
            *bytes = 0;
            h->io_error_ = true;
            return FLAC__STREAM_DECODER_READ_STATUS_ABORT;
        }
        *bytes = static_cast<size_t>(got);
        return got == 0 ? FLAC__STREAM_DECODER_READ_STATUS_END_OF_STREAM : FLAC__STREAM_DECODER_READ_STATUS_CONTINUE;
    }
    static FLAC__StreamDecoderSeekStatus on_seek(const FLAC__StreamDecoder*, FLAC__uint64 to, void* self) {
        EncodedInput& input = static_cast<Handle*>(self)->input_;
        return to <= static_cast<FLAC__uint64>(input.size()) && input.seek(static_cast<std::int64_t>(to), SEEK_SET) >= 0
                   ? FLAC__STREAM_DECODER_SEEK_STATUS_OK
                   : FLAC__STREAM_DECODER_SEEK_STATUS_ERROR;
    }
    static FLAC__StreamDecoderTellStatus on_tell(const FLAC__StreamDecoder*, FLAC__uint64* at, void* self) {
        *at = static_cast<Handle*>(self)->input_.tell();
        return FLAC__STREAM_DECODER_TELL_STATUS_OK;
    }
    static FLAC__StreamDecoderLengthStatus on_length(const FLAC__StreamDecoder*, FLAC__uint64* n, void* self) {
        *n = static_cast<Handle*>(self)->input_.size();
        return FLAC__STREAM_DECODER_LENGTH_STATUS_OK;
    }
    static FLAC__bool on_eof(const FLAC__StreamDecoder*, void* self) {
        return static_cast<Handle*>(self)->input_.eof();
    }

    static void on_metadata(const FLAC__StreamDecoder*, const FLAC__StreamMetadata* m, void* self) {
        auto* h = static_cast<Handle*>(self);
        if (h->metadata_seen_) return;  // a reset replays the metadata
        try {
            if (m->type == FLAC__METADATA_TYPE_STREAMINFO) {
                const auto& si = m->data.stream_info;
                h->has_streaminfo_ = true;
                h->samplerate_ = si.sample_rate;
                h->channels_ = si.channels;
                h->bits_ = si.bits_per_sample;
                h->total_ = si.total_samples;
                h->max_blocksize_ = si.max_blocksize;
                static const FLAC__byte zero[16] = {};
                h->has_md5_ = std::memcmp(si.md5sum, zero, 16) != 0;
            } else if (m->type == FLAC__METADATA_TYPE_VORBIS_COMMENT) {
                h->take_comments(m->data.vorbis_comment);
            }
        } catch (...) {
            h->callback_error_ = std::current_exception();
        }
    }

    static void on_error(const FLAC__StreamDecoder*, FLAC__StreamDecoderErrorStatus status, void* self) {
        auto* h = static_cast<Handle*>(self);
        if (h->seeking_) return;
        h->errors_seen_++;
        if (!h->damage_open_) {
            h->damage_open_ = true;
            h->damage_from_ = h->decoded_end_;
            h->damage_reason_ = error_text(status);
        }
        if (status == FLAC__STREAM_DECODER_ERROR_STATUS_UNPARSEABLE_STREAM) h->unparseable_ = true;
    }

    static FLAC__StreamDecoderWriteStatus on_write(const FLAC__StreamDecoder*, const FLAC__Frame* frame,
                                                   const FLAC__int32* const buffer[], void* self) {
        auto* h = static_cast<Handle*>(self);
        try {
            h->take_frame(*frame, buffer);
            return FLAC__STREAM_DECODER_WRITE_STATUS_CONTINUE;
        } catch (...) {
            h->callback_error_ = std::current_exception();
            return FLAC__STREAM_DECODER_WRITE_STATUS_ABORT;
        }
    }

    // ---- decoding ----

    void start_decoder() {
        decoder_.reset(FLAC__stream_decoder_new());
        if (!decoder_) throw std::bad_alloc();
        FLAC__stream_decoder_set_md5_checking(decoder_.get(), policy_.verify);
        FLAC__stream_decoder_set_metadata_respond(decoder_.get(), FLAC__METADATA_TYPE_VORBIS_COMMENT);
        input_.seek(0, SEEK_SET);
        auto init = ogg_ ? FLAC__stream_decoder_init_ogg_stream : FLAC__stream_decoder_init_stream;
        FLAC__StreamDecoderInitStatus status = init(decoder_.get(), on_read, on_seek, on_tell, on_length, on_eof,
                                                    on_write, on_metadata, on_error, this);
        if (status == FLAC__STREAM_DECODER_INIT_STATUS_UNSUPPORTED_CONTAINER)
            throw UnsupportedFormatError("this libFLAC was built without Ogg support");
        if (status == FLAC__STREAM_DECODER_INIT_STATUS_MEMORY_ALLOCATION_ERROR) throw std::bad_alloc();
        if (status != FLAC__STREAM_DECODER_INIT_STATUS_OK)
            throw Error(std::string("libFLAC: ") + FLAC__StreamDecoderInitStatusString[status]);
        finished_ = false;
        eof_ = false;
        decoded_end_ = 0;
        position_ = 0;
        clear_pending();
        lost_.clear();
        damage_open_ = false;
        end_reported_ = false;
        process(FLAC__stream_decoder_process_until_end_of_metadata);
        // The metadata ran to the end of the data (a block whose length is
        // wrong sends the parser through the frames; IETF faulty/11): no
        // frame follows it.
        if (eof_ && has_streaminfo_ && !ogg_ && !empty_stream()) no_frames_ = true;
        if (!metadata_seen_) {
            metadata_seen_ = true;
            if (errors_seen_ > 0 && !has_streaminfo_)
                throw DecodeError("corrupt FLAC stream: " + damage_reason_ + " before any audio");
            errors_seen_ = 0;
            damage_open_ = false;
        }
        if (!has_streaminfo_) {
            // A stream that starts at a frame header: the first frame says
            // what the stream is. It is decoded now and kept for the first read.
            first_frame_pending_ = true;
            while (!frame_seen_ && !eof_) step();
            first_frame_pending_ = false;
            if (!frame_seen_) {
                if (unparseable_)
                    throw UnsupportedFormatError("FLAC frames without STREAMINFO that refer to it for their sample rate "
                                                 "or size cannot be decoded");
                throw DecodeError("corrupt FLAC stream: no decodable frame" +
                                  (errors_seen_ ? " (" + damage_reason_ + ")" : std::string()));
            }
        }
    }

    // Whether the data is a stream of metadata and no audio, well formed:
    // its blocks, walked by their headers, end with the last-flagged one
    // exactly at the end of the data. (Otherwise a metadata parse that ran
    // to the end went astray: a block's length is wrong, or data is missing.)
    bool empty_stream() const {
        std::uint64_t at = 4;
        for (;;) {
            std::vector<std::uint8_t> h = input_.bytes_at(at, 4);
            if (h.size() < 4) return false;
            at += 4 + (std::uint64_t{h[1]} << 16 | std::uint64_t{h[2]} << 8 | h[3]);
            if (h[0] & 0x80) return at == input_.size();
        }
    }

    // Runs one libFLAC step; turns a failed step into our exception.
    void process(FLAC__bool (*fn)(FLAC__StreamDecoder*)) {
        FLAC__bool ok = fn(decoder_.get());
        rethrow_callback_error();
        FLAC__StreamDecoderState state = FLAC__stream_decoder_get_state(decoder_.get());
        if (io_error_) throw Error("reading the FLAC stream failed: " + std::string(std::strerror(errno)));
        if (!ok || state == FLAC__STREAM_DECODER_ABORTED || state == FLAC__STREAM_DECODER_MEMORY_ALLOCATION_ERROR ||
            state == FLAC__STREAM_DECODER_SEEK_ERROR) {
            if (state == FLAC__STREAM_DECODER_MEMORY_ALLOCATION_ERROR) throw std::bad_alloc();
            if (state == FLAC__STREAM_DECODER_END_OF_STREAM) {
                eof_ = true;
                return;
            }
            throw DecodeError(std::string("FLAC decoding failed: ") + FLAC__StreamDecoderStateString[state]);
        }
        if (state == FLAC__STREAM_DECODER_END_OF_STREAM) eof_ = true;
    }

    void step() {
        frames_this_step_ = 0;
        padded_this_step_ = 0;
        process(FLAC__stream_decoder_process_single);
        close_damage();
        if (eof_) at_stream_end();
    }

    void rethrow_callback_error() {
        if (callback_error_) {
            std::exception_ptr e = callback_error_;
            callback_error_ = nullptr;
            std::rethrow_exception(e);
        }
    }

    void take_frame(const FLAC__Frame& frame, const FLAC__int32* const* planes) {
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
    void rate_changed(unsigned rate) {
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
    const FLAC__int32* const* mixed_planes(const FLAC__FrameHeader& h, const FLAC__int32* const* planes) {
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
    bool repair_frame() {
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
    void close_damage() {
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
    std::int64_t pad(std::int64_t frames, unsigned blocksize) {
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
    void deliver(const FLAC__int32* const* planes, unsigned blocksize, unsigned bits) {
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

    std::int64_t drain(DType dtype, std::uint8_t* dst, std::int64_t frames) {
        const std::size_t ch = static_cast<std::size_t>(channels_);
        std::size_t available = (pending_.size() - pending_pos_) / ch;
        std::size_t n = std::min<std::size_t>(available, static_cast<std::size_t>(frames));
        if (n == 0) return 0;
        convert_as(dtype, pending_.data() + pending_pos_, n * ch, dst);
        pending_pos_ += n * ch;
        if (pending_pos_ == pending_.size()) clear_pending();
        return static_cast<std::int64_t>(n);
    }

    void clear_pending() {
        pending_.clear();
        pending_pos_ = 0;
    }

    // The decoder has reached the end of the data: a damaged stretch that
    // no good frame followed, a stream shorter than its STREAMINFO says, and
    // the MD5 verdict.
    void at_stream_end() {
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

    void check_md5() {
        if (!has_md5_) {
            warn("verify: the stream stores no MD5 signature, so its audio was not verified");
            return;
        }
        // The verdict comes from finish(); a later seek starts the decoder anew.
        finished_ = true;
        if (!FLAC__stream_decoder_finish(decoder_.get()))
            throw DecodeError("verify: the decoded audio does not match the MD5 signature in STREAMINFO");
    }

    void seek_by_decoding(std::int64_t frame) {
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

    void warn(const std::string& message) {
        if (policy_.strict) throw DecodeError(message, because_strict());
        if (warned_.insert(message).second) warnings_.push_back(message);
    }

    // Each damaged stretch met, as text for the one warning take_warnings()
    // makes of them (the caller's Diagnostics fold messages that differ only
    // in their numbers into one, which would drop all ranges but the first).
    void flush_warnings() {
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

    void take_comments(const FLAC__StreamMetadata_VorbisComment& vc) {
        // libsndfile's mapping (flac.c), so tags equal python-soundfile's.
        static const char* names[] = {"title", "artist", "album", "date", "comment", "genre",
                                      "tracknumber", "copyright", "software", "license"};
        std::vector<std::string> values(std::size(names));
        std::vector<bool> found(std::size(names), false);
        for (FLAC__uint32 i = 0; i < vc.num_comments; ++i) {
            const FLAC__StreamMetadata_VorbisComment_Entry& e = vc.comments[i];
            if (!e.entry) continue;
            std::string entry(reinterpret_cast<const char*>(e.entry), e.length);
            std::size_t eq = entry.find('=');
            if (eq == std::string::npos) continue;
            std::string key;
            for (char c : entry.substr(0, eq)) key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            for (std::size_t k = 0; k < std::size(names); ++k) {
                if (key == names[k]) {
                    values[k] = entry.substr(eq + 1);
                    found[k] = true;
                }
            }
        }
        for (std::size_t k = 0; k < std::size(names); ++k)
            if (found[k]) tags_.emplace_back(names[k], values[k]);
    }

    void describe() {
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

    struct Lost {
        std::int64_t from;       // first frame lost
        std::int64_t to;         // frame after the last lost; -1 when the stream ended
        std::int64_t filled_to;  // silence was returned for [from, filled_to)
        std::string reason;
    };

    EncodedInput input_;
    AudioReadPolicy policy_;
    DecoderPtr decoder_;
    bool ogg_ = false;
    AudioInfo info_;

    // From STREAMINFO, or from the first frame when there is none.
    bool has_streaminfo_ = false;
    bool metadata_seen_ = false;
    bool frame_seen_ = false;
    bool first_frame_pending_ = false;
    unsigned samplerate_ = 0;
    int channels_ = 0;
    unsigned bits_ = 0;
    FLAC__uint64 total_ = 0;
    FLAC__uint64 base_ = 0;  // sample number of the first frame (0 unless the stream starts at a frame)
    unsigned max_blocksize_ = 0;
    bool has_md5_ = false;
    std::vector<std::pair<std::string, std::string>> tags_;

    // The read in progress: where the write callback puts frames.
    DType dtype_ = DType::F32;
    std::uint8_t* out_ = nullptr;
    std::int64_t want_ = 0;
    std::vector<std::int32_t> pending_;  // decoded but not yet read, interleaved, left-justified
    std::size_t pending_pos_ = 0;

    std::int64_t position_ = 0;     // the next frame read() returns
    std::int64_t decoded_end_ = 0;  // the frame after the last one libFLAC delivered
    bool eof_ = false;
    bool at_end_ = false;
    bool seeking_ = false;
    bool finished_ = false;
    bool io_error_ = false;
    bool unparseable_ = false;
    std::exception_ptr callback_error_;

    // Damage: an error opens a stretch, the next good frame closes it.
    int errors_seen_ = 0;
    bool damage_open_ = false;
    std::int64_t damage_from_ = 0;
    std::string damage_reason_;
    std::vector<Lost> lost_;
    int frames_this_step_ = 0;             // write callbacks in the current process_single
    std::int64_t padded_this_step_ = 0;    // silence this codec added in it
    std::int64_t step_from_ = 0;           // where its first frame went
    std::int64_t frame_out_at_ = 0;        // where its last (real) frame went
    std::int64_t frame_stream_at_ = 0;     // and where that frame belongs by its number
    // The last frame delivered, for repair_frame().
    FLAC__uint64 frame_number_ = 0;
    unsigned frame_blocksize_ = 0;
    std::int64_t frame_direct_ = 0;        // frames of it written to the caller's buffer
    std::uint8_t* frame_dst_ = nullptr;    // from here
    std::size_t frame_pending_at_ = 0;     // the rest, from this sample in pending_
    bool redelivering_ = false;
    std::int64_t padded_samples_ = 0;      // silence pad() has made, for its bound
    std::vector<std::int32_t> redelivered_;
    std::vector<FLAC__int32> mixed_;             // a frame mixed to the stream's channel count
    std::vector<const FLAC__int32*> mix_planes_;  // and its planes
    bool end_reported_ = false;                   // at_stream_end() has applied the damage policy
    bool no_frames_ = false;                      // the metadata ran to the end of the data
    unsigned frame_rate_ = 0;                     // the last frame's sample rate (0: none yet)
    int frame_channels_ = 0;                      // and channel count
    std::set<std::string> warned_;  // each message once per handle
    std::vector<std::string> warnings_;
    std::vector<std::string> stretches_;  // damaged stretches since take_warnings()
};

// ---- the codec --------------------------------------------------------------------

class FlacCodec final : public AudioCodec {
public:
    std::string_view name() const override { return "flac"; }
    std::string description() const override {
        return "FLAC and Ogg FLAC through libFLAC: 4-32 bits, 1-8 channels, sample-exact seeking, MD5 verification";
    }
    // Ogg FLAC is found by its content; ".oga" and ".ogg" stay libsndfile's.
    std::vector<std::string> extensions() const override { return {"flac"}; }
    std::string library_version() const override { return std::string("libFLAC ") + FLAC__VERSION_STRING; }

    bool sniff(ByteSpan head) const override {
        if (head.size >= 4 && std::memcmp(head.data, "fLaC", 4) == 0) return true;
        return is_ogg_flac(head.data, head.size) || is_frame_header(head.data, head.size);
    }

    std::unique_ptr<AudioHandle> open(const AudioSource& source) const override {
        return std::make_unique<Handle>(source);
    }

    std::optional<PcmLayout> pcm_layout(const AudioSource&, const AudioInfo&, DType, ByteSpan,
                                        std::string& why_not) const override {
        why_not = "FLAC is not a plain PCM container: its samples are compressed and must be decoded";
        return std::nullopt;
    }
    std::optional<DType> exact_dtype(const std::string& subtype) const override {
        if (subtype == "PCM_S8" || subtype == "PCM_16") return DType::I16;
        if (subtype.rfind("PCM_", 0) != 0) return std::nullopt;
        int bits = std::atoi(subtype.c_str() + 4);
        if (bits >= 4 && bits <= 16) return DType::I16;
        if (bits > 16 && bits <= 32) return DType::I32;
        return std::nullopt;
    }
    // Read-only: FLAC files are written by the libsndfile codec.
};

}  // namespace

std::string subtype_for_bits(unsigned bits) {
    if (bits == 8) return "PCM_S8";
    return "PCM_" + std::to_string(bits);
}

const AudioCodec& codec() {
    static const FlacCodec instance;
    return instance;
}

}  // namespace mediaview::flac
