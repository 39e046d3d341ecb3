// The image request and the view description, shared by decode_image and
// decode_images (bind_image.cpp defines them): both take the same options.
#pragma once

#include <pybind11/pybind11.h>

#include <optional>
#include <string>
#include <tuple>

#include "exporter.hpp"
#include "src/image_codec.hpp"

namespace mediaview::python {

// `resize`: None, or (width, height, fit, filter, fill, reducing_gap) from the wrapper.
ImageRequest make_request(const std::optional<std::string>& mode, const std::optional<std::string>& dtype,
                          bool oriented, int scale_num, int scale_den, int min_width, int min_height,
                          const std::optional<std::tuple<int, int, int, int>>& crop, bool strict,
                          bool allow_truncated, std::uint64_t max_pixels, pybind11::handle resize, int frame = 0);

// What the view says of itself: an upright view's EXIF says orientation 1
// (`orientation`: the one the decoder found and, when `oriented`, applied).
ViewDescription describe(const ImageMeta& meta, bool oriented, int orientation);

}  // namespace mediaview::python
