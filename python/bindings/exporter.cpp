#include "exporter.hpp"

#include "dlpack.hpp"

#include <structmember.h>

#include <new>
#include <string>

namespace mediaview::python {
namespace {

struct ExporterObject {
    PyObject_HEAD
    StridedArray* array;
    ViewDescription* description;
    Py_ssize_t exports;
    PyObject* weakrefs;
    char format[2];
};

PyTypeObject* exporter_type = nullptr;

int refuse(const char* why) {
    PyErr_SetString(PyExc_BufferError, why);
    return -1;
}

// Checks the consumer's request against what the array can give, the way
// numpy's exporter does: anything we cannot honour is a BufferError, never a
// silently different layout.
int check_request(const StridedArray& a, int flags) {
    if ((flags & PyBUF_WRITABLE) == PyBUF_WRITABLE && a.readonly())
        return refuse("mediaview buffer is read-only");
    if ((flags & PyBUF_C_CONTIGUOUS) == PyBUF_C_CONTIGUOUS && !a.is_c_contiguous())
        return refuse("mediaview buffer is not C-contiguous (it is a strided view)");
    if ((flags & PyBUF_F_CONTIGUOUS) == PyBUF_F_CONTIGUOUS && !a.is_f_contiguous())
        return refuse("mediaview buffer is not Fortran-contiguous");
    if ((flags & PyBUF_ANY_CONTIGUOUS) == PyBUF_ANY_CONTIGUOUS && !a.is_c_contiguous() && !a.is_f_contiguous())
        return refuse("mediaview buffer is not contiguous");
    // Without strides the consumer assumes C order, so only a C-contiguous
    // array can be described by shape alone (or by no shape at all).
    if ((flags & PyBUF_STRIDES) != PyBUF_STRIDES && !a.is_c_contiguous())
        return refuse("mediaview buffer is strided; request PyBUF_STRIDES");
    return 0;
}

int exporter_getbuffer(PyObject* self, Py_buffer* view, int flags) {
    auto* ex = reinterpret_cast<ExporterObject*>(self);
    const StridedArray& a = *ex->array;
    if (check_request(a, flags) < 0) {
        view->obj = nullptr;
        return -1;
    }
    view->buf = a.data();
    view->obj = Py_NewRef(self);
    view->len = static_cast<Py_ssize_t>(a.nbytes());
    view->itemsize = static_cast<Py_ssize_t>(a.itemsize());
    view->readonly = a.readonly() ? 1 : 0;
    view->ndim = a.ndim();
    view->format = (flags & PyBUF_FORMAT) ? ex->format : nullptr;
    // StridedArray::Index and Py_ssize_t are both ptrdiff_t-sized signed
    // integers; the array's own vectors stay alive as long as view->obj does.
    view->shape = (flags & PyBUF_ND) == PyBUF_ND ? const_cast<Py_ssize_t*>(a.shape().data()) : nullptr;
    view->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? const_cast<Py_ssize_t*>(a.strides().data()) : nullptr;
    view->suboffsets = nullptr;
    view->internal = nullptr;
    if (view->shape == nullptr) view->ndim = 1;  // no shape requested: one flat run of bytes
    ++ex->exports;
    return 0;
}

void exporter_releasebuffer(PyObject* self, Py_buffer*) {
    --reinterpret_cast<ExporterObject*>(self)->exports;
}

void exporter_dealloc(PyObject* self) {
    auto* ex = reinterpret_cast<ExporterObject*>(self);
    PyObject_GC_UnTrack(self);
    if (ex->weakrefs) PyObject_ClearWeakRefs(self);
    delete ex->array;  // frees the storage unless another array shares it
    delete ex->description;
    PyTypeObject* tp = Py_TYPE(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

int exporter_traverse(PyObject* self, visitproc visit, void* arg) {
    Py_VISIT(Py_TYPE(self));
    return 0;
}

PyObject* tuple_of(const std::vector<Index>& v) {
    PyObject* t = PyTuple_New(static_cast<Py_ssize_t>(v.size()));
    if (!t) return nullptr;
    for (std::size_t i = 0; i < v.size(); ++i) PyTuple_SET_ITEM(t, i, PyLong_FromSsize_t(v[i]));
    return t;
}

PyObject* get_shape(PyObject* self, void*) { return tuple_of(reinterpret_cast<ExporterObject*>(self)->array->shape()); }
PyObject* get_strides(PyObject* self, void*) { return tuple_of(reinterpret_cast<ExporterObject*>(self)->array->strides()); }
PyObject* get_format(PyObject* self, void*) { return PyUnicode_FromString(reinterpret_cast<ExporterObject*>(self)->format); }
PyObject* get_readonly(PyObject* self, void*) { return PyBool_FromLong(reinterpret_cast<ExporterObject*>(self)->array->readonly()); }
PyObject* get_exports(PyObject* self, void*) { return PyLong_FromSsize_t(reinterpret_cast<ExporterObject*>(self)->exports); }

ExporterObject* as_exporter(PyObject* self) { return reinterpret_cast<ExporterObject*>(self); }

PyObject* text_or_none(const std::string& text) {
    if (text.empty()) Py_RETURN_NONE;
    return PyUnicode_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size()));
}

PyObject* bytes_or_none(const std::string& bytes) {
    if (bytes.empty()) Py_RETURN_NONE;
    return PyBytes_FromStringAndSize(bytes.data(), static_cast<Py_ssize_t>(bytes.size()));
}

PyObject* get_mode(PyObject* self, void*) { return text_or_none(as_exporter(self)->description->mode); }
PyObject* get_icc(PyObject* self, void*) { return bytes_or_none(as_exporter(self)->description->icc); }
PyObject* get_exif(PyObject* self, void*) { return bytes_or_none(as_exporter(self)->description->exif); }
PyObject* get_samplerate(PyObject* self, void*) {
    int rate = as_exporter(self)->description->samplerate;
    if (rate == 0) Py_RETURN_NONE;
    return PyLong_FromLong(rate);
}

PyObject* get_dpi(PyObject* self, void*) {
    const ViewDescription& d = *as_exporter(self)->description;
    if (d.dpi_x <= 0 || d.dpi_y <= 0) Py_RETURN_NONE;
    return Py_BuildValue("(dd)", d.dpi_x, d.dpi_y);
}

// `bytes` as a read-only (N, channels) uint8 memoryview.
PyObject* table_view(const std::string& bytes, int channels) {
    if (bytes.empty() || channels <= 0) Py_RETURN_NONE;
    PyObject* raw = PyBytes_FromStringAndSize(bytes.data(), static_cast<Py_ssize_t>(bytes.size()));
    if (!raw) return nullptr;
    PyObject* flat = PyMemoryView_FromObject(raw);
    Py_DECREF(raw);
    if (!flat) return nullptr;
    PyObject* shaped = PyObject_CallMethod(flat, "cast", "s(nn)", "B",
                                           static_cast<Py_ssize_t>(bytes.size() / channels),
                                           static_cast<Py_ssize_t>(channels));
    Py_DECREF(flat);
    return shaped;
}

PyObject* get_palette(PyObject* self, void*) {
    const ViewDescription& d = *as_exporter(self)->description;
    return table_view(d.palette, d.palette_channels);
}

PyObject* field_value(const FieldValue& v) {
    if (auto b = std::get_if<bool>(&v)) return PyBool_FromLong(*b);
    if (auto i = std::get_if<std::int64_t>(&v)) return PyLong_FromLongLong(*i);
    if (auto f = std::get_if<double>(&v)) return PyFloat_FromDouble(*f);
    if (auto s = std::get_if<std::string>(&v))
        return PyUnicode_FromStringAndSize(s->data(), static_cast<Py_ssize_t>(s->size()));
    Py_RETURN_NONE;
}

// One dict per frame: its fields, and its palette as an (N, 3) view.
PyObject* get_frames(PyObject* self, void*) {
    const ViewDescription& d = *as_exporter(self)->description;
    if (d.frames.empty()) Py_RETURN_NONE;
    PyObject* list = PyList_New(0);
    for (std::size_t i = 0; list && i < d.frames.size(); ++i) {
        PyObject* dict = PyDict_New();
        bool ok = dict != nullptr;
        for (const auto& [name, value] : d.frames[i]) {
            PyObject* v = ok ? field_value(value) : nullptr;
            ok = v && PyDict_SetItemString(dict, name.c_str(), v) == 0;
            Py_XDECREF(v);
        }
        if (ok && i < d.frame_palettes.size()) {
            PyObject* p = table_view(d.frame_palettes[i], 3);
            ok = p && PyDict_SetItemString(dict, "palette", p) == 0;
            Py_XDECREF(p);
        }
        if (!ok || PyList_Append(list, dict) < 0) {
            Py_XDECREF(dict);
            Py_CLEAR(list);
            break;
        }
        Py_DECREF(dict);
    }
    return list;
}

// ---- DLPack (the array API's __dlpack__ protocol) ------------------------------

void dlpack_released(PyObject* self) { --as_exporter(self)->exports; }

// max_version=None is a consumer from before DLPack 1.0: the legacy capsule.
int wants_versioned(PyObject* max_version) {
    if (max_version == Py_None) return 0;
    if (!PyTuple_Check(max_version) || PyTuple_GET_SIZE(max_version) != 2) {
        PyErr_SetString(PyExc_TypeError, "max_version must be a (major, minor) tuple or None");
        return -1;
    }
    long major = PyLong_AsLong(PyTuple_GET_ITEM(max_version, 0));
    if (major == -1 && PyErr_Occurred()) return -1;
    return major >= 1 ? 1 : 0;
}

// None, or the CPU (kDLCPU, 0): the only device our memory is on.
bool on_our_device(PyObject* dl_device) {
    if (dl_device == Py_None) return true;
    long type = -1, id = -1;
    if (PyTuple_Check(dl_device) && PyTuple_GET_SIZE(dl_device) == 2) {
        type = PyLong_AsLong(PyTuple_GET_ITEM(dl_device, 0));
        id = PyLong_AsLong(PyTuple_GET_ITEM(dl_device, 1));
        PyErr_Clear();
    }
    return type == dlpack::kDLCPU && id == 0;
}

PyObject* exporter_dlpack(PyObject* self, PyObject* args, PyObject* kwargs) {
    static const char* keywords[] = {"stream", "max_version", "dl_device", "copy", nullptr};
    PyObject *stream = Py_None, *max_version = Py_None, *dl_device = Py_None, *copy = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O$OOO:__dlpack__", const_cast<char**>(keywords), &stream,
                                     &max_version, &dl_device, &copy))
        return nullptr;
    if (stream != Py_None) {
        PyErr_SetString(PyExc_BufferError, "mediaview buffers are CPU memory: __dlpack__ takes stream=None only");
        return nullptr;
    }
    int versioned = wants_versioned(max_version);
    if (versioned < 0) return nullptr;
    if (!on_our_device(dl_device)) {
        PyErr_SetString(PyExc_BufferError, "mediaview buffers are CPU memory: dl_device must be (1, 0) (kDLCPU) or None");
        return nullptr;
    }
    if (copy != Py_None && !PyBool_Check(copy)) {
        PyErr_SetString(PyExc_TypeError, "copy must be True, False or None");
        return nullptr;
    }
    ExporterObject* ex = as_exporter(self);
    // A flipped axis (an oriented view) has a negative stride: DLPack allows
    // it, but torch cannot represent it and aborts the process on it, so
    // such a view is only ever handed over as a copy, flagged as one.
    bool flipped = false;
    for (Index stride : ex->array->strides()) flipped = flipped || stride < 0;
    if (flipped && (copy == Py_False || (copy == Py_None && versioned == 0))) {
        PyErr_SetString(PyExc_BufferError,
                        "mediaview view has a flipped axis (negative strides, from orient=) that DLPack consumers "
                        "such as torch cannot share; ask for max_version=(1, 0) with copy=None, or copy=True");
        return nullptr;
    }
    if (copy != Py_True && !flipped) {
        PyObject* capsule = dlpack_capsule(self, *ex->array, {versioned == 1, false}, dlpack_released);
        if (capsule) ++ex->exports;
        return capsule;
    }
    // A copy: the consumer gets memory of its own, in an exporter of its own.
    PyObject* owner = nullptr;
    try {
        owner = new_exporter(contiguous_copy(*ex->array), *ex->description);
    } catch (const std::bad_alloc&) {
        return PyErr_NoMemory();
    }
    if (!owner) return nullptr;
    PyObject* capsule = dlpack_capsule(owner, *as_exporter(owner)->array, {versioned == 1, true}, dlpack_released);
    if (capsule) ++as_exporter(owner)->exports;
    Py_DECREF(owner);  // the capsule's tensor holds it now
    return capsule;
}

PyObject* exporter_dlpack_device(PyObject*, PyObject*) { return Py_BuildValue("(ii)", dlpack::kDLCPU, 0); }

PyMethodDef exporter_methods[] = {
    {"__dlpack__", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(exporter_dlpack)),
     METH_VARARGS | METH_KEYWORDS,
     "__dlpack__(stream=None, *, max_version=None, dl_device=None, copy=None)\n--\n\n"
     "A DLPack capsule of the memory (shared, unless copy=True, or copy=None for a view with a flipped axis, "
     "which DLPack consumers such as torch cannot share): a 1.0 versioned one, read-only flagged where the "
     "view is, when max_version >= (1, 0); else the legacy one. Keeps this exporter alive."},
    {"__dlpack_device__", exporter_dlpack_device, METH_NOARGS,
     "__dlpack_device__()\n--\n\n(1, 0): kDLCPU, device 0."},
    {nullptr, nullptr, 0, nullptr},
};

PyGetSetDef exporter_getset[] = {
    {"dpi", get_dpi, nullptr, "The source's resolution (x, y) in dots per inch, or None.", nullptr},
    {"mode", get_mode, nullptr, "Channel layout of decoded pixels (RGB, BGR, CMYK, ...); None for audio.", nullptr},
    {"samplerate", get_samplerate, nullptr, "Frames per second of decoded audio; None for images.", nullptr},
    {"icc", get_icc, nullptr, "The source's ICC profile bytes, or None.", nullptr},
    {"exif", get_exif, nullptr,
     "The source's EXIF block (TIFF structure), or None. For an oriented view its orientation tag says 1.",
     nullptr},
    {"palette", get_palette, nullptr,
     "With mode P: the colours of the indices as an (N, 3) RGB or (N, 4) RGBA uint8 view, else None.", nullptr},
    {"frames", get_frames, nullptr,
     "GIF frames='raw': one dict per frame (x, y, width, height of its rectangle on the screen, disposal, "
     "transparency, delay_ms, and palette, its colour table as an (N, 3) view), else None.",
     nullptr},
    {"shape", get_shape, nullptr, "Shape of the exported array.", nullptr},
    {"strides", get_strides, nullptr, "Strides in bytes (may be negative).", nullptr},
    {"format", get_format, nullptr, "struct format code of one element.", nullptr},
    {"readonly", get_readonly, nullptr, "Whether exports are read-only.", nullptr},
    {"exports", get_exports, nullptr, "Number of exports currently alive: buffer views and DLPack tensors.", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyMemberDef exporter_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(ExporterObject, weakrefs), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr},
};

PyType_Slot exporter_slots[] = {
    {Py_tp_doc, const_cast<char*>("Owns decoded memory and exports it through the buffer protocol.")},
    {Py_tp_dealloc, reinterpret_cast<void*>(exporter_dealloc)},
    {Py_tp_traverse, reinterpret_cast<void*>(exporter_traverse)},
    {Py_tp_getset, exporter_getset},
    {Py_tp_methods, exporter_methods},
    {Py_tp_members, exporter_members},
    {Py_bf_getbuffer, reinterpret_cast<void*>(exporter_getbuffer)},
    {Py_bf_releasebuffer, reinterpret_cast<void*>(exporter_releasebuffer)},
    {0, nullptr},
};

PyType_Spec exporter_spec = {
    "mediaview._core.BufferExporter", sizeof(ExporterObject), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_DISALLOW_INSTANTIATION, exporter_slots,
};

}  // namespace

static_assert(sizeof(Index) == sizeof(Py_ssize_t), "Index must match Py_ssize_t");

PyObject* create_exporter_type() {
    PyObject* type = PyType_FromSpec(&exporter_spec);
    if (!type) return nullptr;
    exporter_type = reinterpret_cast<PyTypeObject*>(type);
    Py_INCREF(type);  // the module keeps one reference, this file another
    return type;
}

PyObject* new_exporter(StridedArray array, ViewDescription description) {
    auto* ex = PyObject_GC_New(ExporterObject, exporter_type);
    if (!ex) return nullptr;
    ex->array = new (std::nothrow) StridedArray(std::move(array));
    ex->description = new (std::nothrow) ViewDescription(std::move(description));
    ex->exports = 0;
    ex->weakrefs = nullptr;
    ex->format[0] = ex->array ? format_code(ex->array->dtype()) : 'B';
    ex->format[1] = '\0';
    if (!ex->array || !ex->description) {
        delete ex->array;
        delete ex->description;
        PyObject_GC_Del(ex);
        return PyErr_NoMemory();
    }
    PyObject_GC_Track(reinterpret_cast<PyObject*>(ex));
    return reinterpret_cast<PyObject*>(ex);
}

PyObject* memoryview_of(StridedArray array, ViewDescription description) {
    PyObject* ex = new_exporter(std::move(array), std::move(description));
    if (!ex) return nullptr;
    PyObject* view = PyMemoryView_FromObject(ex);
    Py_DECREF(ex);  // the memoryview's export now owns it
    return view;
}

Py_ssize_t exporter_export_count(PyObject* obj) {
    if (!exporter_type || !PyObject_TypeCheck(obj, exporter_type)) return -1;
    return reinterpret_cast<ExporterObject*>(obj)->exports;
}

const StridedArray* exporter_array(PyObject* obj) {
    if (!exporter_type || !PyObject_TypeCheck(obj, exporter_type)) return nullptr;
    return reinterpret_cast<ExporterObject*>(obj)->array;
}

}  // namespace mediaview::python

namespace mediaview::python {

const ViewDescription* exporter_description(PyObject* obj) {
    if (!exporter_type || !PyObject_TypeCheck(obj, exporter_type)) return nullptr;
    return reinterpret_cast<ExporterObject*>(obj)->description;
}

}  // namespace mediaview::python
