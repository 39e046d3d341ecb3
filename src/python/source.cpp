#include "source.hpp"

#include "file_bytes.hpp"

namespace py = pybind11;

namespace mediaview::python {

BufferExport::BufferExport(py::handle obj, int flags) {
    if (PyObject_GetBuffer(obj.ptr(), &view_, flags) != 0) throw py::error_already_set();
}

BufferExport::~BufferExport() {
    py::gil_scoped_acquire gil;  // may run on a thread that released the GIL
    PyBuffer_Release(&view_);
}

std::optional<std::string> path_of(py::handle src) {
    if (PyUnicode_Check(src.ptr()) || PyObject_HasAttrString(src.ptr(), "__fspath__")) {
        py::object fspath = py::module_::import("os").attr("fspath")(src);
        auto path = fspath.cast<std::string>();
        // The C call would stop at the first NUL and open another file, as
        // Python's own open() refuses to.
        if (path.find('\0') != std::string::npos) throw py::value_error("embedded null byte in path");
        return path;
    }
    return std::nullopt;
}

EncodedSource::EncodedSource(py::handle src) {
    if (auto path = path_of(src)) {
        path_ = *path;
        {
            py::gil_scoped_release nogil;
            file_bytes_ = read_file(path_);
        }
        span_ = {file_bytes_.data(), file_bytes_.size()};
        return;
    }
    if (PyObject_CheckBuffer(src.ptr())) {
        try {
            export_ = std::make_unique<BufferExport>(src, PyBUF_SIMPLE);
        } catch (py::error_already_set&) {
            throw py::type_error("src must be a contiguous bytes-like object");
        }
        const Py_buffer& v = export_->view();
        span_ = {static_cast<const std::uint8_t*>(v.buf), static_cast<std::size_t>(v.len)};
        return;
    }
    if (py::hasattr(src, "read")) {
        py::object data = src.attr("read")();
        if (!PyBytes_Check(data.ptr()))
            throw py::type_error("file object must be opened in binary mode (read() returned " +
                                 std::string(Py_TYPE(data.ptr())->tp_name) + ")");
        read_bytes_ = py::reinterpret_steal<py::bytes>(data.release());
        span_ = {reinterpret_cast<const std::uint8_t*>(PyBytes_AS_STRING(read_bytes_->ptr())),
                 static_cast<std::size_t>(PyBytes_GET_SIZE(read_bytes_->ptr()))};
        return;
    }
    throw py::type_error("src must be a path, a bytes-like object or a binary file object, not " +
                         std::string(Py_TYPE(src.ptr())->tp_name));
}

std::shared_ptr<const Py_buffer> acquire_out_buffer(py::handle out, std::shared_ptr<Storage>& storage) {
    std::shared_ptr<BufferExport> held;
    try {
        held = std::make_shared<BufferExport>(out, PyBUF_RECORDS);  // strided, writable, with format
    } catch (py::error_already_set& e) {
        throw py::value_error(std::string("out must be a writable buffer: ") + e.what());
    }
    const Py_buffer& v = held->view();
    storage = std::make_shared<Storage>();
    // The storage spans the export's lowest to highest byte; buf may sit
    // inside that span when some strides are negative.
    Index lo = 0, hi = v.itemsize;
    for (int i = 0; i < v.ndim; ++i) {
        Index extent = (v.shape[i] - 1) * v.strides[i];
        if (v.shape[i] == 0) { lo = hi = 0; break; }
        (extent < 0 ? lo : hi) += extent;
    }
    storage->data = static_cast<std::uint8_t*>(v.buf) + lo;
    storage->size = static_cast<std::size_t>(hi - lo);
    storage->writable = true;
    storage->keepalive = held;
    return std::shared_ptr<const Py_buffer>(held, &held->view());
}

}  // namespace mediaview::python
