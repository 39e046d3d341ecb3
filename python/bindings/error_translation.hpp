// mediaview's Python exception and warning classes, the translation of the
// core's C++ exceptions into them, and the hand-over of decode warnings.
#pragma once

#include <pybind11/pybind11.h>

#include "src/errors.hpp"

namespace mediaview::python {

void register_errors(pybind11::module_& m);

// Issues one DecodeWarning per collected message, attributed to the caller
// of the public Python wrapper (stack level 2). Call with the GIL held;
// throws error_already_set when a warnings filter turns one into an error.
void emit_warnings(const Diagnostics& diagnostics);

}  // namespace mediaview::python
