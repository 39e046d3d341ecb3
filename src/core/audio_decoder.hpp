// The interface of an audio codec: open a source (a path, bytes in memory, or
// headerless RAW described by the caller), read its description, seek, and
// read frames as one of the sample dtypes straight into a caller's pointer.
// Like ImageDecoder, implementations are plain C++ with no Python headers.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "decoder.hpp"
#include "dtype.hpp"

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

// Where the encoded audio is: a filesystem path, or bytes the caller keeps
// alive for as long as any handle opened on them.
struct AudioSource {
    std::string path;  // used when non-empty
    ByteSpan bytes;
    AudioHints hints;
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
    // Seconds; NaN when the length is unknown.
    double duration() const;
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
};

// What write() stores: `frames` x `channels` samples of `dtype`; sample
// (f, c) is at data + f*frame_stride + c*channel_stride bytes.
struct AudioWriteRequest {
    std::string path;
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

// Where the samples of an uncompressed file lie, for a zero-copy memory map.
struct PcmLayout {
    std::uint64_t data_offset = 0;  // byte offset of frame 0 in the file
    DType dtype = DType::I16;       // the stored sample type, native order
};

class AudioDecoder : public Decoder {
public:
    MediaKind kind() const override { return MediaKind::Audio; }
    // Throws UnsupportedFormatError for content it does not know, DecodeError
    // for damaged content, FileError for a path it cannot open.
    virtual std::unique_ptr<AudioHandle> open(const AudioSource& source) const = 0;
    // Writes to request.path directly (the caller chooses a temporary name).
    virtual void write(const AudioWriteRequest& request) const = 0;
    // Where the samples lie in `file` (the whole file behind `source`, e.g.
    // memory-mapped) when they are stored as `dtype` in native byte order;
    // otherwise nullopt and the reason in `why_not`.
    virtual std::optional<PcmLayout> pcm_layout(const AudioSource& source, const AudioInfo& info, DType dtype,
                                                ByteSpan file, std::string& why_not) const = 0;
    // Major format and subtype names this codec can write, and the format a
    // file extension (lower case, no dot) selects.
    virtual std::string format_for_extension(const std::string& ext) const = 0;
    virtual std::string default_subtype(const std::string& format) const = 0;
};

}  // namespace mediaview
