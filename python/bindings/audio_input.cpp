#include "audio_input.hpp"


namespace py = pybind11;

namespace mediaview::python {

AudioInput::AudioInput(py::handle src, AudioHints hints, const char* what)
    : AudioInput(src, classify_source(src, what), std::move(hints), what) {}

AudioInput::AudioInput(py::handle src, const ClassifiedSource& classified, AudioHints hints, const char* what) {
    source_.hints = std::move(hints);
    if (classified.kind == SourceKind::Path) {
        source_.path = classified.path;
        return;
    }
    encoded_ = std::make_unique<EncodedSource>(src, classified, what);
    source_.bytes = encoded_->span();
}

}  // namespace mediaview::python
