// CMYK and YCCK JPEGs decoded to RGB, BGR, RGBA, BGRA, RGBX or L: libjpeg-turbo
// gives only CMYK for them, so each row is converted here. With the colour
// option and a CMYK profile in the file, lcms2 converts accurately (to the
// option's target); otherwise as Pillow converts an untagged CMYK image
// (R = (255 - C)(255 - K) / 255, L from that RGB by ITU-R 601 luma).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "src/colour.hpp"

namespace mediaview::jpeg {

class CmykRows {
public:
    // `meta` carries the file's ICC profile; on return it describes the
    // pixels this writes (the target profile and colour_converted when
    // lcms2 converts; no profile when converted as Pillow does).
    CmykRows(PixelMode mode, const ImageRequest& request, ImageMeta& meta, Diagnostics& diagnostics);
    // One row of `width` CMYK pixels (0 = no ink) into `to`, pixels
    // `pixel_stride` bytes apart.
    void write(std::uint8_t* to, std::ptrdiff_t pixel_stride, const std::uint8_t* cmyk, int width);

private:
    PixelMode mode_;
    int channels_;
    std::shared_ptr<const ColourTransform> transform_;  // null: as Pillow
    std::vector<std::uint8_t> row_;                     // one converted row before it is scattered
};

}  // namespace mediaview::jpeg
