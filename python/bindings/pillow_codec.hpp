// Every image no codec of ours reads, read through Pillow: an ImageCodec
// whose decoding is done by the Python module mediaview._pil_read (Pillow
// cannot be called from plain C++, so this adapter lives in the bindings).
// It is the last codec of the table the image entry points use, so every
// decode option and every operation (batches, plans, frames, resize on
// load) treats these formats as it treats ours: the adapter reads the header
// through Pillow (max_pixels is checked before any pixel is decoded), lets
// Pillow decode with the GIL released in its C code, and copies the rows
// once into the operation's buffer, converting mode, dtype and crop as it
// copies.
#pragma once

#include <pybind11/pybind11.h>

#include "src/codec_table.hpp"

namespace mediaview::python {

// The codecs the image readers use: the table of decoders/table.cpp, then
// Pillow once mediaview._pil_read has registered itself (use_pillow).
const CodecTable& image_codecs();

// The Pillow adapter when registered, else nullptr.
const ImageCodec* pillow_codec();

// One dict per format Pillow reads and no codec of ours does, as formats() lists them.
void append_pillow_formats(pybind11::list& out);

// _core.use_pillow(reader): registers the reader module.
void bind_pillow(pybind11::module_& m);

}  // namespace mediaview::python
