// One function per area of the Python API; module.cpp calls each once.
#pragma once

#include <pybind11/pybind11.h>

namespace mediaview::python {

void bind_registry(pybind11::module_& m);  // decoders, formats, sniff
void bind_image(pybind11::module_& m);     // ImageInfo, probe, decode_image, encode_image
void bind_audio(pybind11::module_& m);     // AudioInfo, audio_info, read_audio, AudioStream, write_audio
void bind_batch(pybind11::module_& m);     // decode_images

}  // namespace mediaview::python
