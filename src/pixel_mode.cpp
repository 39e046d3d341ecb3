#include <stdexcept>
#include <string>

#include "image_codec.hpp"

namespace mediaview {

int channels_of(PixelMode mode) {
    switch (mode) {
        case PixelMode::L: return 1;
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
        case PixelMode::CMYK: return "CMYK";
    }
    return "RGB";
}

PixelMode pixel_mode_from_name(std::string_view name) {
    for (PixelMode m : {PixelMode::RGB, PixelMode::BGR, PixelMode::RGBA, PixelMode::BGRA, PixelMode::RGBX,
                        PixelMode::L, PixelMode::CMYK}) {
        if (pixel_mode_name(m) == name) return m;
    }
    throw std::invalid_argument("unknown mode '" + std::string(name) +
                                "' (expected RGB, BGR, RGBA, BGRA, RGBX, L or CMYK)");
}

}  // namespace mediaview
