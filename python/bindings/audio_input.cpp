#include "audio_input.hpp"

#include <pybind11/stl.h>


namespace py = pybind11;

namespace mediaview::python {

AudioHints hints_from(py::handle hints) {
    AudioHints h;
    if (hints.is_none()) return h;
    py::dict d = py::reinterpret_borrow<py::dict>(hints);
    auto text = [&](const char* key, std::string& field) {
        if (d.contains(key) && !d[key].is_none()) field = py::str(d[key]);
    };
    auto number = [&](const char* key, int& field) {
        if (d.contains(key) && !d[key].is_none()) field = d[key].cast<int>();
    };
    text("format", h.format);
    text("subtype", h.subtype);
    text("endian", h.endian);
    number("samplerate", h.samplerate);
    number("channels", h.channels);
    return h;
}

AudioInput::AudioInput(py::handle src, AudioHints hints) {
    source_.hints = std::move(hints);
    if (auto path = path_of(src)) {
        source_.path = *path;
        return;
    }
    encoded_ = std::make_unique<EncodedSource>(src);
    source_.bytes = encoded_->span();
}

}  // namespace mediaview::python
