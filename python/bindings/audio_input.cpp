#include "audio_input.hpp"

#include "src/resample.hpp"

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
    number("stream", h.stream);
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

// mix=: a sequence of rows (one per output channel) of numbers (one per
// source channel), e.g. [[0.5, 0.5]] or a 2-D numpy array.
void set_mix(py::handle mix, std::vector<double>& weights, int& rows) {
    if (mix.is_none()) return;
    const bool listlike = py::isinstance<py::sequence>(mix) || py::hasattr(mix, "tolist");
    if (py::isinstance<py::str>(mix) || !listlike)
        throw py::type_error("mix must be a matrix: a list of rows, one per output channel, of one weight per "
                             "source channel");
    py::object m = py::hasattr(mix, "tolist") ? py::reinterpret_borrow<py::object>(mix).attr("tolist")()
                                              : py::reinterpret_borrow<py::object>(mix);
    std::size_t width = 0;
    for (py::handle row : m) {
        if (py::isinstance<py::str>(row) || !py::isinstance<py::sequence>(row))
            throw py::type_error("mix must be a list of rows (one per output channel) of weights");
        py::sequence r = py::reinterpret_borrow<py::sequence>(row);
        if (rows && r.size() != width) throw py::value_error("every row of mix must have the same length");
        width = r.size();
        for (py::handle w : r) {
            double v = PyFloat_AsDouble(w.ptr());
            if (v == -1.0 && PyErr_Occurred()) {
                PyErr_Clear();
                throw py::type_error("mix weights must be numbers");
            }
            weights.push_back(v);
        }
        ++rows;
    }
    if (!rows) throw py::value_error("mix must have at least one row");
}

AudioReadRequest audio_request(const std::string& dtype, std::int64_t start, std::optional<std::int64_t> stop,
                               std::optional<std::int64_t> frames, const std::string& layout, bool always_2d,
                               std::optional<bool> mmap, std::uint64_t max_samples, int samplerate, int channels,
                               py::handle mix, const std::string& quality, bool strict, bool allow_truncated) {
    AudioReadRequest rq;
    rq.dtype = audio_dtype_from_name(dtype);
    rq.start = start;
    rq.stop = stop;
    rq.frames = frames;
    rq.shape = {sample_layout_from_name(layout), always_2d};
    rq.mmap = mmap;
    rq.max_samples = max_samples;
    rq.samplerate = samplerate;  // the output's
    rq.channels = channels;
    set_mix(mix, rq.mix, rq.mix_rows);
    rq.quality = resample_quality_from_name(quality);
    rq.strict = strict;
    rq.allow_truncated = allow_truncated;
    return rq;
}

}  // namespace mediaview::python
