#include "cmyk.hpp"

#include <cstring>

namespace mediaview::jpeg {
namespace {

// Pillow's MULDIV255: a * b / 255, rounded, without a division.
inline int muldiv255(int a, int b) {
    int t = a * b + 128;
    return ((t >> 8) + t) >> 8;
}

// Pillow's cmyk2rgb (Convert.c): no profile, inks subtracted from white.
void naive_rgb(const std::uint8_t* cmyk, int width, std::uint8_t* rgb) {
    for (int x = 0; x < width; ++x, cmyk += 4, rgb += 3) {
        int nk = 255 - cmyk[3];
        for (int k = 0; k < 3; ++k) rgb[k] = static_cast<std::uint8_t>(nk - muldiv255(cmyk[k], nk));
    }
}

// Pillow's rgb2l: ITU-R 601-2 luma in 16-bit fixed point.
inline std::uint8_t luma(const std::uint8_t* rgb) {
    return static_cast<std::uint8_t>((rgb[0] * 19595 + rgb[1] * 38470 + rgb[2] * 7471 + 0x8000) >> 16);
}

bool has_alpha_slot(PixelMode mode) {
    return mode == PixelMode::RGBA || mode == PixelMode::BGRA || mode == PixelMode::RGBX;
}

}  // namespace

CmykRows::CmykRows(PixelMode mode, const ImageRequest& request, ImageMeta& meta, Diagnostics& diagnostics)
    : mode_(mode), channels_(channels_of(mode)) {
    if (request.colour && !meta.icc.empty()) {
        if (is_cmyk_profile(meta.icc)) {
            try {
                transform_ = colour_transform(meta, PixelMode::CMYK, mode, DType::U8, *request.colour);
            } catch (const ColourProfileError& e) {
                report_colour_problem(e.what(), request.strict, diagnostics);
            }
        } else {
            report_colour_problem("the JPEG is CMYK but its ICC profile is not a CMYK profile lcms2 reads",
                                  request.strict, diagnostics);
        }
    }
    if (transform_) {
        meta.icc = target_profile(*request.colour, mode);
        meta.colour_converted = true;
    } else {
        meta.icc.clear();  // the CMYK profile does not describe these RGB values
    }
    row_.resize(static_cast<std::size_t>(std::max(channels_, 3)));
}

void CmykRows::write(std::uint8_t* to, std::ptrdiff_t pixel_stride, const std::uint8_t* cmyk, int width) {
    const std::size_t w = static_cast<std::size_t>(width);
    if (row_.size() < w * 4) row_.resize(w * 4);
    std::uint8_t* row = row_.data();
    int converted_channels = channels_;
    if (transform_) {
        transform_->apply(cmyk, row, w);  // into mode_'s layout (alpha slots left alone)
    } else {
        naive_rgb(cmyk, width, row);
        converted_channels = 3;
    }
    for (int x = 0; x < width; ++x, to += pixel_stride) {
        const std::uint8_t* p = row + static_cast<std::size_t>(x) * converted_channels;
        if (transform_) {
            std::memcpy(to, p, static_cast<std::size_t>(channels_));
            if (has_alpha_slot(mode_)) to[3] = 255;
            continue;
        }
        switch (mode_) {
            case PixelMode::L: to[0] = luma(p); break;
            case PixelMode::BGR: case PixelMode::BGRA: to[0] = p[2]; to[1] = p[1]; to[2] = p[0]; break;
            default: to[0] = p[0]; to[1] = p[1]; to[2] = p[2]; break;
        }
        if (has_alpha_slot(mode_)) to[3] = 255;
    }
}

}  // namespace mediaview::jpeg
