// Turning a Python `src` (with the request's format/RAW hints) into the core's AudioSource.
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

// A path is handed to the codec as a path (so it can be mapped, streamed
// and opened once per thread); bytes-like objects are used in place and
// binary file objects are read into memory. Call with the GIL held; the
// object must also be destroyed with the GIL held.
class AudioInput {
public:
    AudioInput(pybind11::handle src, AudioHints hints, const char* what = "src");
    // For a source the caller has classified already (a batch names it too).
    AudioInput(pybind11::handle src, const ClassifiedSource& classified, AudioHints hints, const char* what);
    const AudioSource& source() const { return source_; }

private:
    std::unique_ptr<EncodedSource> encoded_;
    AudioSource source_;
};

}  // namespace mediaview::python
