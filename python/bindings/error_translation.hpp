// mediaview's Python exception and warning classes, the translation of the
// core's C++ exceptions into them, and the hand-over of decode warnings.
#pragma once

#include <pybind11/pybind11.h>

#include <exception>
#include <string>

#include "src/errors.hpp"

namespace mediaview::python {

void register_errors(pybind11::module_& m);

// The Python exception a C++ exception becomes (through the same
// translators as a raise), as an object: a batch reports each failure.
pybind11::object exception_object(std::exception_ptr error);
// Raises mediaview.BatchError(message) carrying .failures and .result.
[[noreturn]] void raise_batch_error(const std::string& message, pybind11::object failures, pybind11::object result);

// Issues one DecodeWarning per collected message, attributed to the caller
// of the public Python wrapper (stack level 2). Call with the GIL held;
// throws error_already_set when a warnings filter turns one into an error.
void emit_warnings(const Diagnostics& diagnostics);

}  // namespace mediaview::python
