// The FLAC handle's libFLAC decoder (flac_handle.hpp): starting it, its
// callbacks, and one decoding step turned into our errors.
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <new>
#include <string>
#include <vector>

#include "flac_handle.hpp"

namespace mediaview::flac::detail {

namespace {

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

}  // namespace

// ---- libFLAC callbacks (no exception may cross them) ----

FLAC__StreamDecoderReadStatus Handle::on_read(const FLAC__StreamDecoder*, FLAC__byte buffer[], size_t* bytes,
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

FLAC__StreamDecoderSeekStatus Handle::on_seek(const FLAC__StreamDecoder*, FLAC__uint64 to, void* self) {
    EncodedInput& input = static_cast<Handle*>(self)->input_;
    return to <= static_cast<FLAC__uint64>(input.size()) && input.seek(static_cast<std::int64_t>(to), SEEK_SET) >= 0
               ? FLAC__STREAM_DECODER_SEEK_STATUS_OK
               : FLAC__STREAM_DECODER_SEEK_STATUS_ERROR;
}

FLAC__StreamDecoderTellStatus Handle::on_tell(const FLAC__StreamDecoder*, FLAC__uint64* at, void* self) {
    *at = static_cast<Handle*>(self)->input_.tell();
    return FLAC__STREAM_DECODER_TELL_STATUS_OK;
}

FLAC__StreamDecoderLengthStatus Handle::on_length(const FLAC__StreamDecoder*, FLAC__uint64* n, void* self) {
    *n = static_cast<Handle*>(self)->input_.size();
    return FLAC__STREAM_DECODER_LENGTH_STATUS_OK;
}

FLAC__bool Handle::on_eof(const FLAC__StreamDecoder*, void* self) {
    return static_cast<Handle*>(self)->input_.eof();
}

void Handle::on_metadata(const FLAC__StreamDecoder*, const FLAC__StreamMetadata* m, void* self) {
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

void Handle::on_error(const FLAC__StreamDecoder*, FLAC__StreamDecoderErrorStatus status, void* self) {
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

FLAC__StreamDecoderWriteStatus Handle::on_write(const FLAC__StreamDecoder*, const FLAC__Frame* frame,
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

void Handle::start_decoder() {
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
bool Handle::empty_stream() const {
    std::uint64_t at = 4;
    for (;;) {
        std::vector<std::uint8_t> h = input_.bytes_at(at, 4);
        if (h.size() < 4) return false;
        at += 4 + (std::uint64_t{h[1]} << 16 | std::uint64_t{h[2]} << 8 | h[3]);
        if (h[0] & 0x80) return at == static_cast<std::uint64_t>(input_.size());  // a size is never negative
    }
}

// Runs one libFLAC step; turns a failed step into our exception.
void Handle::process(FLAC__bool (*fn)(FLAC__StreamDecoder*)) {
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

void Handle::step() {
    frames_this_step_ = 0;
    padded_this_step_ = 0;
    process(FLAC__stream_decoder_process_single);
    close_damage();
    if (eof_) at_stream_end();
}

void Handle::rethrow_callback_error() {
    if (callback_error_) {
        std::exception_ptr e = callback_error_;
        callback_error_ = nullptr;
        std::rethrow_exception(e);
    }
}

void Handle::take_comments(const FLAC__StreamMetadata_VorbisComment& vc) {
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

}  // namespace mediaview::flac::detail
