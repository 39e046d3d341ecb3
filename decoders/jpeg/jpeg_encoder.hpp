// JPEG encoding through libjpeg-turbo's libjpeg API (compress side), into
// memory. Plain C++: no Python headers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "src/image_codec.hpp"
#include "src/strided_array.hpp"

namespace mediaview::jpeg {

enum class Subsampling { S444, S422, S420, Gray };

// "444", "422", "420" or "gray"; throws std::invalid_argument for anything else.
Subsampling subsampling_from_name(std::string_view name);

struct EncodeOptions {
    int quality = 90;                         // 1..100, libjpeg's jpeg_set_quality scale
    Subsampling subsampling = Subsampling::S420;
    bool progressive = false;                 // jpeg_simple_progression
    std::string icc;   // written as APP2 ICC_PROFILE chunks when not empty
    std::string exif;  // the TIFF structure, written as APP1 "Exif" when not empty
};

// The compressed bytes: a malloc'd block.
using EncodedJpeg = EncodedBytes;

// Encodes `image`, a uint8 array of shape (H, W) or (H, W, C) with any
// strides (negative included), whose channels are laid out as `mode`:
//   L (1 channel), RGB/BGR (3), RGBA/RGBX/BGRA (4; the 4th byte is ignored,
//   JPEG has no alpha), CMYK (4; 0 = no ink, stored as Adobe YCCK with the
//   inverted inks every Adobe reader expects, as TurboJPEG does).
// Rows whose pixels and channels are adjacent are handed to libjpeg in place;
// anything else is packed one row at a time into a scratch row.
// `subsampling` Gray stores a colour image as one luminance component; for an
// L image every subsampling gives a grayscale JPEG.
// Throws std::invalid_argument for a bad shape/mode/option, Error for a
// libjpeg failure.
EncodedJpeg encode(const StridedArray& image, PixelMode mode, const EncodeOptions& options);

}  // namespace mediaview::jpeg
