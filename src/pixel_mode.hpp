// The channel layouts of a pixel, by name: what mode= names.
#pragma once

#include <string_view>
#include <vector>

namespace mediaview {

// The channel layout of a pixel. LA is grey plus alpha. P is one palette
// index a pixel (uint8), the palette beside the pixels (ImageMeta::palette):
// only codecs whose files hold a palette give it (ImageCodec::decodes_palette).
enum class PixelMode { RGB, BGR, RGBA, BGRA, RGBX, L, LA, CMYK, P };

int channels_of(PixelMode mode);
std::string_view pixel_mode_name(PixelMode mode);
PixelMode pixel_mode_from_name(std::string_view name);  // throws std::invalid_argument
const std::vector<PixelMode>& pixel_modes();            // every mode, in the order above
// L, LA, RGB, RGBA for 1-4 channels; throws std::invalid_argument otherwise.
PixelMode default_mode_for_channels(int channels);

}  // namespace mediaview
