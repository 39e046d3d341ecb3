// The extension module mediaview._core. The public API lives in the
// mediaview package, which wraps these functions with keyword-only options.
#include <pybind11/pybind11.h>

#include "bindings.hpp"
#include "error_translation.hpp"
#include "exporter.hpp"
#include "pillow_codec.hpp"
#include "requests.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
    m.doc() = "mediaview native core: decoders writing into buffers exported zero-copy.";
    mediaview::python::register_errors(m);
    PyObject* exporter = mediaview::python::create_exporter_type();
    if (!exporter) throw py::error_already_set();
    m.add_object("BufferExporter", py::reinterpret_steal<py::object>(exporter));
    mediaview::python::bind_registry(m);
    mediaview::python::bind_requests(m);
    mediaview::python::bind_image(m);
    mediaview::python::bind_audio(m);
    mediaview::python::bind_batch(m);
    mediaview::python::bind_pillow(m);
}
