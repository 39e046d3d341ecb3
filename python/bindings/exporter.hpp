// The buffer-protocol exporter: a small CPython type that owns a StridedArray
// and hands out Py_buffer views of it, honouring the request flags.
//
// Why not PyMemoryView_FromBuffer: it copies a Py_buffer into a memoryview
// whose view.obj is NULL, so nothing owns the memory and it can be freed under
// the view. We give Python PyMemoryView_FromObject(exporter) instead: the
// memoryview holds an export of the exporter, the exporter holds the storage,
// and the memory lives exactly as long as any view or numpy array of it.
#pragma once

#include <Python.h>

#include "src/strided_array.hpp"

namespace mediaview::python {

// Creates the type object; call once from module init. Returns a new reference.
PyObject* create_exporter_type();

// A new exporter owning `array` (new reference), and a memoryview over it.
PyObject* new_exporter(StridedArray array);
PyObject* memoryview_of(StridedArray array);

// For an exporter object: how many Py_buffer exports are alive, else -1.
Py_ssize_t exporter_export_count(PyObject* obj);
// For an exporter object: the array it exports, else nullptr.
const StridedArray* exporter_array(PyObject* obj);

}  // namespace mediaview::python
