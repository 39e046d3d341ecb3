#include "source.hpp"

#include <cstring>

#include "src/file_bytes.hpp"

namespace py = pybind11;

namespace mediaview::python {

BufferExport::BufferExport(py::handle obj, int flags) {
    if (PyObject_GetBuffer(obj.ptr(), &view_, flags) != 0) throw py::error_already_set();
}

BufferExport::~BufferExport() {
    py::gil_scoped_acquire gil;  // may run on a thread that released the GIL
    PyBuffer_Release(&view_);
}

std::optional<std::string> path_of(py::handle src, const char* what) {
    // bytes are encoded data, never a path: only str and os.PathLike name files.
    if (!PyUnicode_Check(src.ptr()) && !PyObject_HasAttrString(src.ptr(), "__fspath__")) return std::nullopt;
    // os.fsencode: str through the filesystem encoding with surrogateescape
    // (as os.listdir returns names that are not UTF-8), os.PathLike through
    // __fspath__.
    py::object encoded = py::module_::import("os").attr("fsencode")(src);
    if (!PyBytes_Check(encoded.ptr()))
        throw py::type_error(std::string(what) + " must be str, bytes or os.PathLike");
    std::string path(PyBytes_AS_STRING(encoded.ptr()), static_cast<std::size_t>(PyBytes_GET_SIZE(encoded.ptr())));
    // The C call would stop at the first NUL and open another file, as
    // Python's own open() refuses to.
    if (path.find('\0') != std::string::npos) throw py::value_error("embedded null byte in path");
    return path;
}

// bytes are encoded data; bytes that name an existing file (os.listdir(b".")
// gives such names) are almost surely meant as a path: say so rather than
// failing to recognise the "data". Encoded media hold NUL bytes or are long,
// so the file system is asked only about short NUL-free bytes.
static void check_not_a_path(py::handle src, const char* what) {
    const char* data = PyBytes_AS_STRING(src.ptr());
    const std::size_t size = static_cast<std::size_t>(PyBytes_GET_SIZE(src.ptr()));
    if (size == 0 || size > 4096 || std::memchr(data, '\0', size)) return;
    if (!py::module_::import("os").attr("path").attr("isfile")(src).cast<bool>()) return;
    throw py::type_error(std::string(what) + " is bytes that name an existing file (" +
                         std::string(py::repr(src)) + "): bytes are read as encoded data; pass the path as "
                         "str (os.fsdecode(name)) or os.PathLike");
}

ClassifiedSource classify_source(py::handle src, const char* what) {
    // bytes first: immutable, so a reference is enough (no buffer export),
    // and asking it for __fspath__ would raise and clear an AttributeError
    // on every call of a small-image loop.
    if (PyBytes_CheckExact(src.ptr())) {
        check_not_a_path(src, what);
        return {SourceKind::Bytes, {}};
    }
    if (auto path = path_of(src, what)) return {SourceKind::Path, *path};
    if (PyObject_CheckBuffer(src.ptr())) return {SourceKind::Buffer, {}};
    if (py::hasattr(src, "read")) {
        // A text-mode file would fail inside read() with a UnicodeDecodeError.
        if (py::isinstance(src, py::module_::import("io").attr("TextIOBase")))
            throw py::type_error(std::string(what) + ": the file object is open in text mode, not binary mode; open it with 'rb'");
        return {SourceKind::File, {}};
    }
    throw py::type_error(std::string(what) + " must be a path, a bytes-like object or a binary file object, not " +
                         Py_TYPE(src.ptr())->tp_name);
}

std::string source_name(py::handle src, const ClassifiedSource& source, const std::string& index) {
    if (source.kind == SourceKind::Path) return py::str(py::module_::import("os").attr("fspath")(src));
    if (source.kind == SourceKind::File) {
        py::object name = py::getattr(src, "name", py::none());
        return name.is_none() ? index + " (file object)" : std::string(py::str(py::repr(name)));
    }
    return index + " (" + Py_TYPE(src.ptr())->tp_name + ")";
}

EncodedSource::EncodedSource(py::handle src, const char* what) : EncodedSource(src, classify_source(src, what), what) {}

EncodedSource::EncodedSource(py::handle src, const ClassifiedSource& source, const char* what) {
    switch (source.kind) {
        case SourceKind::Bytes:
            read_bytes_ = py::reinterpret_borrow<py::bytes>(src);
            break;
        case SourceKind::Path:
            path_ = source.path;
            {
                py::gil_scoped_release nogil;
                file_bytes_ = read_file(path_);
            }
            span_ = {file_bytes_.data(), file_bytes_.size()};
            return;
        case SourceKind::Buffer: {
            try {
                export_ = std::make_unique<BufferExport>(src, PyBUF_SIMPLE);
            } catch (py::error_already_set&) {
                throw py::type_error(std::string(what) + " must be a contiguous bytes-like object");
            }
            const Py_buffer& v = export_->view();
            span_ = {static_cast<const std::uint8_t*>(v.buf), static_cast<std::size_t>(v.len)};
            return;
        }
        case SourceKind::File: {
            py::object data = src.attr("read")();
            if (!PyBytes_Check(data.ptr()))
                throw py::type_error(std::string(what) + ": file object must be opened in binary mode (read() returned " +
                                     std::string(Py_TYPE(data.ptr())->tp_name) + ")");
            read_bytes_ = py::reinterpret_steal<py::bytes>(data.release());
            break;
        }
    }
    span_ = {reinterpret_cast<const std::uint8_t*>(PyBytes_AS_STRING(read_bytes_->ptr())),
             static_cast<std::size_t>(PyBytes_GET_SIZE(read_bytes_->ptr()))};
}

CallerBuffer caller_buffer(py::handle obj, bool writable, const char* what) {
    if (!PyObject_CheckBuffer(obj.ptr()))
        throw py::type_error(std::string(what) + " must support the buffer protocol (a numpy array, memoryview, ...), not " +
                             Py_TYPE(obj.ptr())->tp_name);
    std::shared_ptr<BufferExport> held;
    try {
        held = std::make_shared<BufferExport>(obj, writable ? PyBUF_RECORDS : PyBUF_RECORDS_RO);
    } catch (py::error_already_set& e) {
        if (writable) throw py::value_error(std::string(what) + " must be a writable buffer: " + e.what());
        throw py::type_error(std::string(what) + ": " + e.what());
    }
    const Py_buffer& v = held->view();
    CallerBuffer b;
    b.data = static_cast<std::uint8_t*>(v.buf);
    b.format = v.format ? v.format : "B";
    b.itemsize = static_cast<std::size_t>(v.itemsize);
    b.shape.assign(v.shape, v.shape + v.ndim);
    b.strides.assign(v.strides, v.strides + v.ndim);
    b.writable = !v.readonly;
    b.keepalive = held;
    return b;
}

}  // namespace mediaview::python
