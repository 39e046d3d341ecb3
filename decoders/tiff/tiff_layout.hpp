// One TIFF page's layout as the decoder needs it: size, sample type, how the
// samples make a pixel (the photometric interpretation, extra samples, a
// colour map), strips or tiles, chunky or planar; and what is refused
// (UnsupportedFormatError naming the feature).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/image_codec.hpp"
#include "tiff_file.hpp"

namespace mediaview::tiff {

struct Layout {
    std::uint32_t width = 0, height = 0;
    int samples = 1;          // per pixel, as stored
    int bits = 1;             // per sample
    int sample_format = 1;    // SAMPLEFORMAT_*
    bool planar = false;      // PLANARCONFIG_SEPARATE
    int photometric = 1;
    int compression = 1;
    int orientation = 1;
    bool tiled = false;
    std::uint32_t tile_width = 0, tile_height = 0;  // strips: width x rows_per_strip
    bool alpha = false;       // an extra sample that is alpha
    bool associated_alpha = false;
    bool bilevel = false;     // 1-bit samples, expanded to 0/255
    bool min_is_white = false;
    bool bigtiff = false;
    std::vector<std::uint8_t> palette;  // 256 RGB entries (colour map >> 8) for palette images
    DType dtype = DType::U8;  // of the decoded samples
    PixelMode own = PixelMode::L;
    int channels = 1;         // of `own`
    std::string icc;
    double dpi_x = 0, dpi_y = 0;

    std::uint32_t strile_width() const { return tiled ? tile_width : width; }
    std::uint32_t strile_height() const { return tile_height; }
};

// Reads the current page's layout; throws UnsupportedFormatError,
// DecodeError, LimitError (max_pixels, 0: none).
Layout read_layout(File& file, std::uint64_t max_pixels);

std::string compression_name(int compression);
std::string photometric_name(int photometric);

}  // namespace mediaview::tiff
