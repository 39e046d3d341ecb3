// ImageInfo and AudioInfo in Python, from the one field list the core gives
// for each (fields_of): attributes, as_dict, __repr__ and __dir__ all read it,
// so a field is added in one place.
#pragma once

#include <pybind11/pybind11.h>

#include <string>

#include "src/codec.hpp"

namespace mediaview::python {

pybind11::object to_python(const FieldValue& value);

// `more(info, dict)` adds what is not a plain field (AudioInfo's tags) to
// as_dict.
template <typename Info, typename More>
pybind11::class_<Info> bind_record(pybind11::module_& m, const char* name, const char* doc, More more) {
    namespace py = pybind11;
    return py::class_<Info>(m, name, doc)
        .def("__getattr__",
             [](const Info& info, const std::string& attr) -> py::object {
                 for (const auto& [key, value] : fields_of(info))
                     if (key == attr) return to_python(value);
                 throw py::attribute_error("'" + std::string(Py_TYPE(py::cast(info).ptr())->tp_name) +
                                           "' has no attribute '" + attr + "'");
             })
        .def("__dir__",
             [](const Info& info) {
                 py::list names;
                 for (const auto& field : fields_of(info)) names.append(field.first);
                 return names;
             })
        .def("as_dict",
             [more](const Info& info) {
                 py::dict d;
                 for (const auto& [key, value] : fields_of(info)) d[py::str(key)] = to_python(value);
                 more(info, d);
                 return d;
             })
        .def("__repr__", [name](const Info& info) {
            std::string text = std::string(name) + "(";
            bool first = true;
            for (const auto& [key, value] : fields_of(info)) {
                text += (first ? "" : ", ") + key + "=" + std::string(py::repr(to_python(value)));
                first = false;
            }
            return text + ")";
        });
}

}  // namespace mediaview::python
