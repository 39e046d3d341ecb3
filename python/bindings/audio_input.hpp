// Turning a Python `src` (and RAW hints) into the core's AudioSource.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "source.hpp"
#include "src/audio_codec.hpp"
#include "src/operations/read_audio.hpp"

namespace mediaview::python {

// {"format", "subtype", "samplerate", "channels", "endian"} (None values
// ignored) as hints; None gives no hints.
AudioHints hints_from(pybind11::handle hints);

// mix=: a sequence of rows (one per output channel) of numbers (one per
// source channel), e.g. [[0.5, 0.5]] or a 2-D numpy array; None leaves both
// untouched.
void set_mix(pybind11::handle mix, std::vector<double>& weights, int& rows);

// read_audio's and read_audios' shared options as the core's request (the
// caller adds what only it takes: threads, offset, duration).
AudioReadRequest audio_request(const std::string& dtype, std::int64_t start, std::optional<std::int64_t> stop,
                               std::optional<std::int64_t> frames, const std::string& layout, bool always_2d,
                               std::optional<bool> mmap, std::uint64_t max_samples, int samplerate, int channels,
                               pybind11::handle mix, const std::string& quality, bool strict, bool allow_truncated);

// A path is handed to the codec as a path (so it can be mapped, streamed
// and opened once per thread); bytes-like objects are used in place and
// binary file objects are read into memory. Call with the GIL held; the
// object must also be destroyed with the GIL held.
class AudioInput {
public:
    AudioInput(pybind11::handle src, AudioHints hints);
    const AudioSource& source() const { return source_; }

private:
    std::unique_ptr<EncodedSource> encoded_;
    AudioSource source_;
};

}  // namespace mediaview::python
