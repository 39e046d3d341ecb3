// Reading one TIFF page's pixels into a target: only the strips or tiles a
// crop touches are decompressed (each once, into a scratch strile), and their
// samples are written into the target converted to the requested mode.
#pragma once

#include "src/image_codec.hpp"
#include "tiff_layout.hpp"

namespace mediaview::tiff {

// Throws std::invalid_argument for a mode the page cannot give.
void check_mode(const Layout& layout, PixelMode want);

// Reads `crop` (stored frame) of the current page into `target` as `want`.
// Strips or tiles lying past the end of the data are a DecodeError, or with
// allow_truncated zero-filled with a warning.
void read_pixels(File& file, const Layout& layout, const CropRect& crop, PixelMode want, const PixelTarget& target,
                 const ImageRequest& request, Diagnostics& diagnostics, int page);

}  // namespace mediaview::tiff
