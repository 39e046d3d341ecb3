// The request objects, bound once: mediaview._core.ImageRequest(**options)
// turns Python keywords into the core's request through the core's own
// option table (src/image_request.hpp). Only types are translated here; every
// check is the table's.
#pragma once

#include <pybind11/pybind11.h>

#include "exporter.hpp"
#include "src/audio_request.hpp"
#include "src/image_codec.hpp"
#include "src/request_option.hpp"

namespace mediaview::python {

// A Python value as the core's option input (None, bool, int, float, str,
// bytes, or a sequence of them); `name` names the option in a TypeError.
OptionInput option_input(pybind11::handle value, const char* name);

// What an image view says of itself: the decoded metadata, as the operation
// finished it (upright EXIF and DPI when oriented).
ViewDescription describe(const ImageMeta& meta);
pybind11::object image_view(StridedArray pixels, const ImageMeta& meta);

void bind_requests(pybind11::module_& m);

}  // namespace mediaview::python
