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

std::optional<DType> dtype_of_buffer(const Py_buffer& v) {
    std::string f = v.format ? v.format : "B";
    const std::uint16_t one = 1;
    unsigned char first_byte;
    std::memcpy(&first_byte, &one, 1);
    const char host_order = first_byte == 1 ? '<' : '>';
    // '@', '=' and the host's own order are native; a one-byte item has no
    // byte order, so any prefix will do.
    bool native = f[0] == '@' || f[0] == '=' || f[0] == host_order;
    bool any_order = v.itemsize == 1 && (f[0] == '<' || f[0] == '>' || f[0] == '!');
    if (!f.empty() && (native || any_order)) f.erase(0, 1);
    if (f.size() != 1) return std::nullopt;
    for (DType t : {DType::U8, DType::U16, DType::I16, DType::I32, DType::F32, DType::F64})
        if (f[0] == format_code(t) && v.itemsize == static_cast<Py_ssize_t>(itemsize(t))) return t;
    if (f[0] == 'l' && v.itemsize == 4) return DType::I32;  // C long where it is 32 bits
    return std::nullopt;
}

std::string describe_shape(const std::vector<Index>& shape) {
    std::string text = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace mediaview::python
