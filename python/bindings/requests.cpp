#include "requests.hpp"

#include <pybind11/stl.h>

#include <string>

#include "bindings.hpp"

namespace py = pybind11;

namespace mediaview::python {

OptionInput option_input(py::handle value, const char* name) {
    PyObject* o = value.ptr();
    if (o == Py_None) return std::monostate{};
    if (PyBool_Check(o) || std::string(Py_TYPE(o)->tp_name) == "numpy.bool_" ||
        std::string(Py_TYPE(o)->tp_name) == "numpy.bool")
        return static_cast<bool>(PyObject_IsTrue(o));
    if (PyUnicode_Check(o)) return value.cast<std::string>();
    if (PyBytes_Check(o)) return OptionBytes{std::string(PyBytes_AS_STRING(o), static_cast<std::size_t>(PyBytes_GET_SIZE(o)))};
    if (PyByteArray_Check(o))
        return OptionBytes{std::string(PyByteArray_AS_STRING(o), static_cast<std::size_t>(PyByteArray_GET_SIZE(o)))};
    if (PyFloat_Check(o)) return PyFloat_AS_DOUBLE(o);
    if (PyIndex_Check(o)) {
        py::int_ n = py::reinterpret_steal<py::int_>(PyNumber_Index(o));
        int overflow = 0;
        long long v = PyLong_AsLongLongAndOverflow(n.ptr(), &overflow);
        if (!overflow) return static_cast<std::int64_t>(v);
        return PyLong_AsDouble(n.ptr());  // beyond int64: a number the range check refuses or clamps
    }
    if (PyTuple_Check(o) || PyList_Check(o)) {
        OptionList list;
        for (py::handle item : value) list.items.push_back(option_input(item, name));
        return list;
    }
    if (PyNumber_Check(o) && py::hasattr(value, "__float__")) return value.cast<double>();  // numpy floats
    throw ArgumentTypeError(name, std::string(name) + " cannot be a " + Py_TYPE(o)->tp_name);
}

ViewDescription describe(const ImageMeta& meta) {
    ViewDescription d{std::string(pixel_mode_name(meta.mode)), 0, meta.icc, meta.exif, meta.dpi_x, meta.dpi_y};
    d.palette = meta.palette;
    d.palette_channels = meta.palette_channels;
    d.frames = meta.frames;
    d.frame_palettes = meta.frame_palettes;
    return d;
}

py::object image_view(StridedArray pixels, const ImageMeta& meta) {
    PyObject* view = memoryview_of(std::move(pixels), describe(meta));
    if (!view) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(view);
}

namespace {

// A request from keywords, through the core's table of its options.
template <class Request>
Request request_from(const py::kwargs& options, void (*set)(Request&, std::string_view, const OptionInput&)) {
    Request request;
    for (auto [key, value] : options) {
        std::string name = py::str(key);
        set(request, name, option_input(value, name.c_str()));
    }
    finish_request(request);
    return request;
}

template <class Request>
py::list option_list(const std::vector<RequestOption<Request>>& options) {
    py::list names;
    for (const auto& option : options) names.append(py::make_tuple(option.name, option.doc));
    return names;
}

}  // namespace

void bind_requests(py::module_& m) {
    py::class_<ImageRequest>(m, "ImageRequest",
                             "What an image decode asks for, built from keywords (mediaview's decode options); "
                             "every value is checked here, once, for every entry point.")
        .def(py::init([](const py::kwargs& options) { return request_from<ImageRequest>(options, set_image_option); }))
        .def_static("options", [] { return option_list(image_request_options()); },
                    "Every option, as (name, doc), in the order the docs list them.")
        .def_property_readonly("mode", [](const ImageRequest& r) -> py::object {
            return r.mode ? py::str(std::string(pixel_mode_name(*r.mode))) : py::object(py::none());
        })
        .def_property_readonly("oriented", [](const ImageRequest& r) { return r.oriented; })
        .def_property_readonly("max_pixels", [](const ImageRequest& r) { return r.max_pixels; })
        .def_property_readonly("size", [](const ImageRequest& r) -> py::object {
            return r.resize ? py::object(py::make_tuple(r.resize->width, r.resize->height)) : py::object(py::none());
        });
    py::class_<AudioReadRequest>(m, "AudioRequest",
                                 "What an audio read asks for, built from keywords (mediaview's read options); "
                                 "every value is checked here, once, for every entry point.")
        .def(py::init(
            [](const py::kwargs& options) { return request_from<AudioReadRequest>(options, set_audio_option); }))
        .def_static("options", [] { return option_list(audio_request_options()); },
                    "Every option, as (name, doc), in the order the docs list them.")
        .def_property_readonly("dtype", [](const AudioReadRequest& r) { return std::string(dtype_name(r.dtype)); })
        .def_property_readonly("samplerate", [](const AudioReadRequest& r) { return r.samplerate; })
        .def_property_readonly("channels", [](const AudioReadRequest& r) { return r.channels; })
        .def_property_readonly("always_2d", [](const AudioReadRequest& r) { return r.shape.always_2d; });
}

}  // namespace mediaview::python
