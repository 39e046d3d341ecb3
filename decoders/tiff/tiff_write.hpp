// Writing TIFF through libtiff 4.5, into memory: one page (IFD) per image,
// strips of about 64 KiB, compressed with none, LZW, Deflate, ZSTD, LZMA or
// PackBits, with an optional horizontal predictor (2 for integers, 3 for
// floats); uint8/16/32, int16/32 and float16/32/64 samples; grey, grey +
// alpha, RGB(A) (BGR(A) reordered as it is copied) and CMYK; the ICC
// profile, the resolution, and the EXIF orientation and IFD0 text tags
// (Make, Model, DateTime, ...) of each page.
#pragma once

#include <vector>

#include "src/image_codec.hpp"

namespace mediaview::tiff {

// The options a TIFF write takes (compression, compress_level, predictor),
// with Pillow's names for the compressions accepted beside ours.
std::vector<OptionSpec> write_options();

// The modes and element types the writer stores.
std::vector<PixelMode> write_modes();
std::vector<DType> write_dtypes();

struct PageToWrite {
    StridedArray pixels;  // (H, W) or (H, W, C), any strides
    ImageMeta meta;       // mode, icc, exif (its orientation), dpi
};

// Every page into one TIFF, in order. `options` were checked against
// write_options(). Throws std::invalid_argument for what TIFF cannot store
// or an option that does not fit the data (a predictor without compression),
// UnsupportedFormatError for a compression this libtiff lacks.
EncodedBytes write_tiff(const std::vector<PageToWrite>& pages, const Options& options);

}  // namespace mediaview::tiff
