// The interface of an audio codec: open a source (a path, bytes in memory, or
// headerless RAW described by the caller), read its description, seek, and
// read frames as one of the sample dtypes straight into a caller's pointer.
// Like ImageCodec, implementations are plain C++ with no Python headers, live
// in decoders/<codec>/ and are listed once in decoders/table.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "codec.hpp"
#include "dtype.hpp"
#include "strided_array.hpp"

namespace mediaview {

// What the caller knows about the input. For headerless RAW all of format,
// subtype, samplerate and channels are needed; for other inputs `format`
// forces the container when sniffing would be ambiguous.
struct AudioHints {
    std::string format;   // "WAV", "RAW", "FLAC", ... (libsndfile's major names)
    std::string subtype;  // "PCM_16", "FLOAT", ...
    std::string endian;   // "FILE", "LITTLE", "BIG", "CPU"; empty = FILE
    int samplerate = 0;
    int channels = 0;
};

// What a read tolerates: damage, a stream that ends early, an unchecked
// checksum. A codec that cannot tell these apart ignores what it cannot do.
struct AudioReadPolicy {
    bool strict = false;           // every warning is a DecodeError
    bool allow_truncated = false;  // a stream that ends early gives its frames and a warning, not a DecodeError
    bool verify = false;           // check the decoded audio against the stream's own checksum (FLAC's MD5)
};

// Where the encoded audio is: a filesystem path, or bytes the caller keeps
// alive for as long as any handle opened on them. Every handle opened on it
// (one per thread) follows the same policy.
struct AudioSource {
    std::string path;  // used when non-empty
    ByteSpan bytes;
    AudioHints hints;
    AudioReadPolicy policy;
};

struct AudioInfo {
    int samplerate = 0;
    int channels = 0;
    static constexpr std::int64_t unknown_length = -1;
    std::int64_t frames = 0;  // unknown_length when the stream does not say
    std::string format;   // major format name, e.g. "WAV"
    std::string subtype;  // e.g. "PCM_16"
    std::string endian;   // "FILE", "LITTLE", "BIG" or "CPU"
    std::string format_info;   // libsndfile's long name of the major format
    std::string subtype_info;  // and of the subtype
    bool seekable = false;
    bool exact_length = true;  // false when `frames` is an estimate (MP3 without a Xing/Info header)
    std::vector<std::pair<std::string, std::string>> tags;  // ("title", "..."), only those present
    // Set when the container itself shows the data ends early (a data chunk
    // longer than the file, an Ogg stream without its end page): what is
    // missing, in the user's terms. Empty when nothing is known to be
    // missing. read_audio's damage policy applies to it (not in fields_of).
    std::string damage;
    std::int64_t promised_frames = unknown_length;  // what the header declared, when damage is known
    // Seconds; NaN when the length is unknown.
    double duration() const;
};

// Every field but the tags, in order: the one list behind the attributes,
// as_dict, repr and the CLI's info (tags are a dict of their own).
Fields fields_of(const AudioInfo& info);

// The audio dtypes, the one list: int16, int32, float32, float64.
const std::vector<DType>& audio_dtypes();
// Throws std::invalid_argument for any other type, naming the accepted ones.
DType check_audio_dtype(DType t);
DType audio_dtype_from_name(std::string_view name);

// A container format a codec writes, and what it can store: the knowledge a
// converter needs before it decodes anything.
struct AudioFormat {
    std::string name;                      // "WAV", "FLAC", "OGG", "MP3", ...
    std::string description;               // "WAV (Microsoft)"
    std::vector<std::string> extensions;   // lower case, no dot
    std::string default_subtype;           // empty: the caller must name one
    std::vector<std::string> subtypes;     // every subtype it can store
    std::vector<std::string> lossy_subtypes;
    std::vector<int> samplerates;          // the only rates it stores; empty: any
    int max_channels = 0;                  // 0: no limit beyond the codec's own
};

// One open input; not shareable between threads (each thread opens its own).
class AudioHandle {
public:
    virtual ~AudioHandle() = default;
    virtual const AudioInfo& info() const = 0;
    // Whether seek() lands exactly and cheaply, so that a range may be split
    // across handles and the pieces equal one sequential decode.
    virtual bool splittable() const { return info().seekable; }
    // Moves to frame `frame` (0 <= frame <= frames); throws DecodeError.
    virtual void seek(std::int64_t frame) = 0;
    // Reads up to `frames` interleaved frames as `dtype` into `dst`; returns
    // how many were read (fewer at the end of the data). Throws DecodeError.
    virtual std::int64_t read(DType dtype, void* dst, std::int64_t frames) = 0;
    // The warnings since the last call (damage survived, a checksum that
    // could not be checked), for the caller's Diagnostics.
    virtual std::vector<std::string> take_warnings() { return {}; }
    // The caller has read all it wants: a codec that verifies (policy.verify)
    // decodes the rest of the stream and checks it; throws DecodeError.
    virtual void finish() {}
    // Whether the codec applies the damage policy (source.policy) itself,
    // knowing more than a frame count (libFLAC's lost frames); otherwise the
    // read operation compares what came back with what the header promised.
    virtual bool applies_damage_policy() const { return false; }
};

// What write() stores: `frames` x `channels` samples of `dtype`; sample
// (f, c) is at data + f*frame_stride + c*channel_stride bytes.
struct AudioWriteRequest {
    std::string path;
    std::string name;     // the user's path, for messages (path may be a temporary)
    std::string format;   // empty: from the path's extension
    std::string subtype;  // empty: the format's default
    int samplerate = 0;
    int channels = 0;
    std::int64_t frames = 0;
    DType dtype = DType::F32;
    const std::uint8_t* data = nullptr;
    Index frame_stride = 0;
    Index channel_stride = 0;
    std::vector<std::pair<std::string, std::string>> tags;
};

// An audio file being written, block by block.
class AudioWriter {
public:
    virtual ~AudioWriter() = default;
    // Appends block.frames frames at block.data (the dtype and channels the
    // writer was opened with; any strides). Throws Error.
    virtual void append(const AudioWriteRequest& block) = 0;
    // Flushes the encoder (Vorbis, Opus, MP3 and FLAC finish on close) and
    // closes the file; throws Error. Without it the file is left partial,
    // for the caller's temporary to be removed.
    virtual void close() = 0;
};

// Where the samples of an uncompressed file lie, for a zero-copy memory map.
struct PcmLayout {
    std::uint64_t data_offset = 0;  // byte offset of frame 0 in the file
    DType dtype = DType::I16;       // the stored sample type, native order
};

// An audio codec: what every one does is read (open a handle); writing is
// a role of its own, which a read-only codec leaves at these defaults and so
// writes nothing, and the table's catch-all for unknown audio is a property
// (is_fallback), not a position in the table.
class AudioCodec : public Codec {
public:
    MediaKind kind() const override { return MediaKind::Audio; }

    // ---- reading
    // Throws UnsupportedFormatError for content it does not know, DecodeError
    // for damaged content, FileError for a path it cannot open.
    virtual std::unique_ptr<AudioHandle> open(const AudioSource& source) const = 0;
    // Where the samples lie in `file` (the whole file behind `source`, e.g.
    // memory-mapped) when they are stored as `dtype` in native byte order;
    // otherwise nullopt and the reason in `why_not`.
    virtual std::optional<PcmLayout> pcm_layout(const AudioSource&, const AudioInfo&, DType, ByteSpan,
                                                std::string& why_not) const {
        why_not = std::string(name()) + " stores no plain PCM samples to map: they must be decoded";
        return std::nullopt;
    }
    // The codec that opens what no codec's sniff() recognises (headerless
    // RAW, formats known only by their extension) and input described by
    // hints: exactly one audio codec of the table says so.
    virtual bool is_fallback() const { return false; }

    // ---- writing; a codec that writes nothing keeps these defaults
    // The formats it writes. An extension selects the first format listing
    // it; that format's default subtype applies when none is given (".opus"
    // is Ogg with the OPUS subtype).
    virtual std::vector<AudioFormat> write_formats() const { return {}; }
    // Creates request.path (the caller chooses a temporary name) for audio of
    // request's format, subtype, rate, channels, dtype and tags; blocks of
    // samples are then appended, so a file of any length is written with
    // memory for one block.
    virtual std::unique_ptr<AudioWriter> open_writer(const AudioWriteRequest&) const {
        throw UnsupportedFormatError(std::string(name()) + " writes no audio files");
    }
    // The subtype a file extension implies beyond its format's default
    // (".opus": "OPUS"), else empty.
    virtual std::string subtype_for_extension(const std::string&) const { return {}; }
    // Why `format` with `subtype` cannot store audio of this rate and channel
    // count (an encoder's own limits: Opus's five rates, MP3's two
    // channels), or empty when it can.
    virtual std::string cannot_store(const AudioFormat& format, const std::string&, int, int) const {
        return std::string(name()) + " writes no format (" + format.name + " is written by another codec)";
    }
    // The dtype that carries samples stored as `subtype` without loss (PCM_16:
    // int16, PCM_24: int32, FLOAT: float32), else nullopt.
    virtual std::optional<DType> exact_dtype(const std::string&) const { return std::nullopt; }
};

}  // namespace mediaview
