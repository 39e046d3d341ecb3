// Turning Python arguments into the core's plain inputs: a `src` into encoded
// bytes (or a path), and a caller's buffer into a CallerBuffer, each once.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <optional>
#include <string>

#include "src/aligned_buffer.hpp"
#include "src/caller_buffer.hpp"
#include "src/codec.hpp"

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

// What a Python source is, decided here once for every entry point (images
// and audio, one or a batch): bytes (used in place), a path (str or
// os.PathLike), another bytes-like object (held as a buffer export), or a
// binary file object (read). `what` names the argument in a TypeError.
enum class SourceKind { Bytes, Path, Buffer, File };
struct ClassifiedSource {
    SourceKind kind;
    std::string path;  // for Path: as os.fsencode gives it
};
ClassifiedSource classify_source(pybind11::handle src, const char* what);

// How messages name a source: its path, its file object's name, or
// `index` and its type ("srcs[3] (bytes)").
std::string source_name(pybind11::handle src, const ClassifiedSource& source, const std::string& index);

// Encoded input: either the caller's contiguous bytes-like object (held as a
// buffer export, so e.g. a bytearray cannot be resized under the decoder), or
// bytes we read ourselves from a path (read with the GIL released) or from a
// binary file object.
class EncodedSource {
public:
    // `src` is a str / os.PathLike path, a bytes-like object, or an
    // object with a binary read() method. Call with the GIL held.
    explicit EncodedSource(pybind11::handle src, const char* what = "src");
    EncodedSource(pybind11::handle src, const ClassifiedSource& source, const char* what);
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

// The filesystem path for str / os.PathLike sources, as os.fsencode gives it
// (so names that are not UTF-8, held as surrogate escapes, open the file
// they name), else nullopt. `what` names the argument in messages.
std::optional<std::string> path_of(pybind11::handle src, const char* what = "path");

// A caller's buffer, described once for the core. `writable` asks for a
// writable export (out=); `what` names the argument in messages ("out",
// "data"). Raises TypeError for an object without the buffer protocol and
// ValueError for a read-only one when `writable`.
CallerBuffer caller_buffer(pybind11::handle obj, bool writable, const char* what);

}  // namespace mediaview::python
