// Turning a Python `src` argument into encoded bytes the decoders can read
// with the GIL released, and a caller's `out=` buffer into storage.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <optional>
#include <string>

#include "src/aligned_buffer.hpp"
#include "src/image_codec.hpp"
#include "src/strided_array.hpp"

namespace mediaview::python {

// Owns a Py_buffer export and releases it (taking the GIL) on destruction.
class BufferExport {
public:
    // Throws error_already_set when `obj` cannot give the requested export.
    BufferExport(pybind11::handle obj, int flags);
    ~BufferExport();
    BufferExport(const BufferExport&) = delete;
    BufferExport& operator=(const BufferExport&) = delete;
    const Py_buffer& view() const { return view_; }

private:
    Py_buffer view_{};
};

// Encoded input: either the caller's contiguous bytes-like object (held as a
// buffer export, so e.g. a bytearray cannot be resized under the decoder), or
// bytes we read ourselves from a path (read with the GIL released) or from a
// binary file object.
class EncodedSource {
public:
    // `src` is a str / os.PathLike path, a bytes-like object, or an object
    // with a binary read() method. Call with the GIL held.
    explicit EncodedSource(pybind11::handle src);
    ByteSpan span() const { return span_; }
    // The path for a path source, else empty.
    const std::string& path() const { return path_; }

private:
    std::unique_ptr<BufferExport> export_;
    std::optional<pybind11::bytes> read_bytes_;  // from a file object
    AlignedBuffer file_bytes_;                   // from a path
    std::string path_;
    ByteSpan span_;
};

// The element type of a caller's buffer: its struct format code (with a
// native or, for one-byte items, any byte-order prefix) and matching
// itemsize; nullopt for anything else.
std::optional<DType> dtype_of_buffer(const Py_buffer& view);

// "(3, 4)" / "(5,)", for error messages about shapes.
std::string describe_shape(const std::vector<Index>& shape);

// Returns the filesystem path for str / os.PathLike sources, else nullopt.
std::optional<std::string> path_of(pybind11::handle src);

// Wraps a caller's writable buffer as storage whose keepalive holds the
// export; `flags` as for PyObject_GetBuffer (PyBUF_WRITABLE is added).
std::shared_ptr<const Py_buffer> acquire_out_buffer(pybind11::handle out, std::shared_ptr<Storage>& storage);

}  // namespace mediaview::python
