// One function per area of the Python API; module.cpp calls each once.
#pragma once

#include <pybind11/pybind11.h>

namespace mediaview::python {

void bind_registry(pybind11::module_& m);  // decoders()
void bind_image(pybind11::module_& m);     // probe, decode_image
void bind_audio(pybind11::module_& m);     // audio_info, read_audio, stream_audio, write_audio
void bind_encode(pybind11::module_& m);    // encode_jpeg

}  // namespace mediaview::python
