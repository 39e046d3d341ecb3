// Encoding an image: which codec writes the format, what the pixels are
// (layout and element type), and the codec's declared options, checked.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "src/codec_table.hpp"

namespace mediaview {

struct EncodeInput {
    StridedArray pixels;             // (H, W) or (H, W, C), any strides
    std::optional<PixelMode> mode;   // nullopt: L, LA, RGB or RGBA by channel count
    std::string icc, exif;           // stored where the format can (exif: the TIFF structure, or "Exif\0\0" and it)
    double dpi_x = 0, dpi_y = 0;     // likewise; 0: none
};

// `format`: a file extension or a codec name ("jpg", "png", "jpeg").
// uint16 pixels for a codec that stores 8 bits (JPEG, WebP) are stored as
// their high bytes, the 16 -> 8 rounding of decoding with dtype="uint8".
// Throws UnsupportedFormatError when no codec writes it, std::invalid_argument
// for pixels, modes or options the codec does not take. Runs without Python.
EncodedBytes encode_image(const CodecTable& codecs, std::string_view format, const EncodeInput& input,
                          const Options& options);

// Several images as the pages of one file (TIFF), each checked as
// encode_image checks its one; UnsupportedFormatError when the format's
// writer stores one image a file.
EncodedBytes encode_pages(const CodecTable& codecs, std::string_view format, const std::vector<EncodeInput>& pages,
                          const Options& options);

}  // namespace mediaview
