#include <pybind11/stl.h>

#include "bindings.hpp"
#include "src/codec_table.hpp"

namespace py = pybind11;

namespace mediaview::python {

void bind_registry(py::module_& m) {
    m.def(
        "decoders",
        [] {
            py::list out;
            for (const Decoder* d : decoder_table()) {
                py::dict entry;
                entry["name"] = std::string(d->name());
                entry["kind"] = d->kind() == MediaKind::Image ? "image" : "audio";
                entry["description"] = d->description();
                entry["extensions"] = d->extensions();
                entry["library_version"] = d->library_version();
                out.append(entry);
            }
            return out;
        },
        "One dict per codec in the registry table: name, kind, description, extensions, library_version.");
}

}  // namespace mediaview::python
