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

#include <string>

#include <vector>

#include "src/codec.hpp"
#include "src/strided_array.hpp"

namespace mediaview::python {

// What the decoder knew about the data, carried by the exporter (`view.obj`)
// so that writers need not be told again: to_pil, write_image, encode_jpeg
// and write_audio read it when the caller passes nothing.
struct ViewDescription {
    std::string mode;    // "RGB", "BGR", "CMYK", ... (empty: not an image, or unknown)
    int samplerate = 0;  // audio (0: not audio)
    std::string icc;     // the source's ICC profile (empty: none)
    std::string exif;    // the source's EXIF TIFF structure (empty: none)
    double dpi_x = 0, dpi_y = 0;  // resolution in dots per inch (0: not stated)
    std::string palette;          // mode P: palette_channels bytes an entry (empty: none)
    int palette_channels = 3;
    std::vector<Fields> frames;   // per frame, what the codec says of it (GIF frames="raw")
    std::vector<std::string> frame_palettes;  // per frame (with `frames`), RGB entries
};

// Creates the type object; call once from module init. Returns a new reference.
PyObject* create_exporter_type();

// A new exporter owning `array` (new reference), and a memoryview over it.
PyObject* new_exporter(StridedArray array, ViewDescription description = {});
PyObject* memoryview_of(StridedArray array, ViewDescription description = {});

// For an exporter object: how many Py_buffer exports are alive, else -1.
Py_ssize_t exporter_export_count(PyObject* obj);
// For an exporter object: the array it exports, else nullptr.
const StridedArray* exporter_array(PyObject* obj);
// For an exporter object: what it says of its data, else nullptr.
const ViewDescription* exporter_description(PyObject* obj);
// For an exporter object: what it says of its data, else nullptr.
const ViewDescription* exporter_description(PyObject* obj);

}  // namespace mediaview::python
