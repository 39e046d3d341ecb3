// mediaview's Python exception and warning classes, the translation of the
// core's C++ exceptions into them, and the hand-over of decode warnings.
#pragma once

#include <pybind11/pybind11.h>

#include <exception>
#include <string>
#include <vector>

#include "src/errors.hpp"
#include "src/operations/decode_batch.hpp"

namespace mediaview::python {

void register_errors(pybind11::module_& m);

// The Python exception a C++ exception becomes (through the same
// translators as a raise), as an object: a batch reports each failure.
pybind11::object exception_object(std::exception_ptr error);
// The one place a BatchError is built: when `failures` is not empty, raises
// mediaview.BatchError("K of N <noun> failed; the first, NAME: ...") with
// .failures, a list of (index, source, exception), and .result.
// The BatchError for `failures` ((index, source, exception) tuples) out of
// `count` sources, named after the first failure's source; not raised.
pybind11::object batch_error(const pybind11::list& failures, std::size_t count, const std::string& noun,
                             pybind11::object result);
pybind11::object batch_error_named(const pybind11::list& failures, std::size_t count, const std::string& first_name,
                                   const std::string& noun, pybind11::object result);
void raise_if_failed(const std::vector<BatchFailure>& failures, const pybind11::list& srcs,
                     const std::vector<std::string>& names, const char* noun, pybind11::object result);

// Issues one DecodeWarning per collected message, attributed to the caller
// of the public Python wrapper (stack level 2). Call with the GIL held;
// throws error_already_set when a warnings filter turns one into an error.
void emit_warnings(const Diagnostics& diagnostics);
// A MetadataWarning for each thing a writer did not store (EncodedBytes::unstored).
void emit_unstored(const std::vector<std::string>& unstored);

}  // namespace mediaview::python
