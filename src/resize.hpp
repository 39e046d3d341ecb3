// Resampling pixels between strided arrays, through libswscale (FFmpeg):
// chosen over libvips by measuring both here (README, "Resize on load"): on
// 500x375 -> 224x224 it was 2-2.5x faster and as close or closer to Pillow's
// resize for every filter, and far closer on 12 MP. The core's only outside
// library; the rest of the core never sees it.
#pragma once

#include <cstdint>
#include <vector>

#include "image_codec.hpp"
#include "strided_array.hpp"

namespace mediaview {

// Resamples `src` into `dst`: both (H, W) or (H, W, C) with C = 1..4, the
// same element type (uint8 or uint16) and channel count, any strides. Works
// without Python and is safe to call from many threads at once (each keeps
// its own libswscale context and scratch rows). Throws std::invalid_argument
// for what it cannot resample.
void resize_into(const StridedArray& src, const StridedArray& dst, ResizeFilter filter);

// A view of the rectangle (x, y, width, height) of an (H, W[, C]) array.
StridedArray window(const StridedArray& a, Index x, Index y, Index width, Index height);
// Copies pixels between arrays of one shape and element type, any strides.
void copy_pixels(const StridedArray& src, const StridedArray& dst);
// Sets every pixel to `values` (per channel; the last repeats when fewer are given, zeros when empty).
void fill_pixels(const StridedArray& dst, const std::vector<std::uint32_t>& values);

// Names of the filters and fits, for arguments and messages.
ResizeFilter resize_filter_from_name(const std::string& name);  // throws std::invalid_argument
Fit fit_from_name(const std::string& name);                     // throws std::invalid_argument

}  // namespace mediaview
