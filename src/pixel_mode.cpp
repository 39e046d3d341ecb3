#include "pixel_mode.hpp"

#include <stdexcept>
#include <string>

namespace mediaview {

namespace {
constexpr PixelMode all_modes[] = {PixelMode::RGB,  PixelMode::BGR, PixelMode::RGBA, PixelMode::BGRA,
                                   PixelMode::RGBX, PixelMode::L,   PixelMode::LA,   PixelMode::CMYK, PixelMode::P};
}

int channels_of(PixelMode mode) {
    switch (mode) {
        case PixelMode::L:
        case PixelMode::P: return 1;
        case PixelMode::LA: return 2;
        case PixelMode::RGB:
        case PixelMode::BGR: return 3;
        case PixelMode::RGBA:
        case PixelMode::BGRA:
        case PixelMode::RGBX:
        case PixelMode::CMYK: return 4;
    }
    return 3;
}

std::string_view pixel_mode_name(PixelMode mode) {
    switch (mode) {
        case PixelMode::RGB: return "RGB";
        case PixelMode::BGR: return "BGR";
        case PixelMode::RGBA: return "RGBA";
        case PixelMode::BGRA: return "BGRA";
        case PixelMode::RGBX: return "RGBX";
        case PixelMode::L: return "L";
        case PixelMode::LA: return "LA";
        case PixelMode::CMYK: return "CMYK";
        case PixelMode::P: return "P";
    }
    return "RGB";
}

const std::vector<PixelMode>& pixel_modes() {
    static const std::vector<PixelMode> modes(std::begin(all_modes), std::end(all_modes));
    return modes;
}

PixelMode pixel_mode_from_name(std::string_view name) {
    for (PixelMode m : all_modes)
        if (pixel_mode_name(m) == name) return m;
    throw std::invalid_argument("unknown mode '" + std::string(name) +
                                "' (expected RGB, BGR, RGBA, BGRA, RGBX, L, LA, CMYK or P)");
}

PixelMode default_mode_for_channels(int channels) {
    switch (channels) {
        case 1: return PixelMode::L;
        case 2: return PixelMode::LA;
        case 3: return PixelMode::RGB;
        case 4: return PixelMode::RGBA;
        default:
            throw std::invalid_argument("no default mode for " + std::to_string(channels) +
                                        " channels (1, 2, 3 or 4 have one; pass mode=)");
    }
}

}  // namespace mediaview
