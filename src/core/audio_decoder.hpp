// The interface of audio codecs, and the format-independent reading built on
// it (ranges, parallel segments). Plain C++, like the image side.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "decoder.hpp"

namespace mediaview {

// Encoded audio: a file path, or bytes in memory that the caller keeps alive.
struct AudioSource {
    std::string path;  // used when not empty
    ByteSpan memory;
};

// What the caller knows about the content: required for headerless RAW data,
// a hint elsewhere. Names as python-soundfile spells them ("RAW", "PCM_16",
// "LITTLE"); empty / 0 when not given.
struct AudioHints {
    std::string format;
    std::string subtype;
    std::string endian;
    int samplerate = 0;
    int channels = 0;
};

struct AudioInfo {
    std::int64_t frames = 0;
    int samplerate = 0;
    int channels = 0;
    std::string format;    // major format, e.g. "WAV", "FLAC", "OGG", "MP3"
    std::string subtype;   // e.g. "PCM_16", "FLOAT", "VORBIS", "MPEG_LAYER_III"
    std::string endian;    // "FILE", "LITTLE", "BIG" or "CPU"
    bool seekable = false;
    bool exact_length = true;  // false when `frames` is the codec's estimate
    // Whether decoding after a seek gives exactly the samples a decode from
    // the start gives there (needed to split a read across handles).
    bool exact_seek = true;
    std::map<std::string, std::string> tags;
    double duration() const { return samplerate ? static_cast<double>(frames) / samplerate : 0.0; }
};

// One open, decoding handle. Not shared between threads.
class AudioStream {
public:
    virtual ~AudioStream() = default;
    virtual const AudioInfo& info() const = 0;
    virtual void seek(std::int64_t frame) = 0;
    // Reads up to `frames` interleaved frames as `dtype` (I16, I32, F32 or
    // F64, with the codec's own conversion rules); returns how many it read,
    // fewer only at the end of the data.
    virtual std::int64_t read(DType dtype, void* interleaved, std::int64_t frames) = 0;
};

class AudioDecoder : public Decoder {
public:
    MediaKind kind() const override { return MediaKind::Audio; }
    virtual std::unique_ptr<AudioStream> open(const AudioSource& source, const AudioHints& hints) const = 0;
};

// A resolved half-open frame range [start, stop).
struct FrameRange {
    std::int64_t start = 0;
    std::int64_t stop = 0;
    std::int64_t frames() const { return stop - start; }
};

// python-soundfile's rules: a negative start counts from the end, `stop` and
// `frames` exclude each other, and a range is clipped to the data.
FrameRange resolve_range(std::int64_t total, std::int64_t start, std::optional<std::int64_t> stop,
                         std::optional<std::int64_t> frames);

// Reads `range` into `target` (frames x channels interleaved, C order).
// With threads > 1 and a seekable source the range is split into segments,
// each decoded by its own handle into its own slice; the result is identical
// to one handle's. Returns the frames read (fewer than asked only if the data
// ends early).
std::int64_t read_range(const AudioDecoder& decoder, const AudioSource& source, const AudioHints& hints,
                        AudioStream& first, DType dtype, FrameRange range, void* target, int threads);

}  // namespace mediaview
