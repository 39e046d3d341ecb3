// The colour fuzz harness (fuzz/fuzz_icc.cpp), shared with the GoogleTest
// replay of tests/regressions/icc/. Input: 8 option bytes, then ICC profile
// bytes. The options pick the pixel layout and element type, the target
// (sRGB, linear sRGB, or the input profile itself), the intent, and PNG/CICP
// colour tags that replace the profile. Whatever the bytes: no crash, no
// read or write outside the pixels, and a refused profile leaves the pixels
// as they were; our 8-bit matrix/TRC fast path stays within 1 level of
// lcms2 itself, and its scalar and SIMD kernels agree byte for byte
// (std::abort otherwise).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include <lcms2.h>

#include "src/colour.hpp"
#include "src/colour_matrix.hpp"

namespace mediaview::fuzz {


inline const PixelMode kModes[] = {PixelMode::RGB, PixelMode::BGR, PixelMode::RGBA, PixelMode::BGRA,
                            PixelMode::RGBX, PixelMode::L, PixelMode::LA};
inline const DType kTypes[] = {DType::U8, DType::U16, DType::F32};

inline StridedArray pixels_for(PixelMode mode, DType dtype, std::uint8_t seed) {
    int channels = channels_of(mode);
    std::vector<Index> shape = {5, 7};
    if (channels > 1) shape.push_back(channels);
    StridedArray a = StridedArray::allocate(dtype, shape);
    for (std::size_t i = 0; i < a.nbytes(); ++i) a.data()[i] = static_cast<std::uint8_t>(seed + i * 37);
    if (dtype == DType::F32) {  // values in [0, 1], as float pixels are
        float* f = reinterpret_cast<float*>(a.data());
        for (std::size_t i = 0; i < a.count(); ++i) f[i] = static_cast<float>((seed + i * 37) % 256) / 255.0f;
    }
    return a;
}

// lcms2's own 8-bit transform of `before` between the two profiles; our
// result within 1 level of it (lcms2 rounds through 16 bits), or abort.
inline void compare_with_lcms2(const std::string& from, const std::string& to, Intent intent, bool bpc,
                               const std::string& before, const StridedArray& ours) {
    cmsHPROFILE in = cmsOpenProfileFromMem(from.data(), static_cast<cmsUInt32Number>(from.size()));
    cmsHPROFILE out = cmsOpenProfileFromMem(to.data(), static_cast<cmsUInt32Number>(to.size()));
    cmsHTRANSFORM t = in && out ? cmsCreateTransform(in, TYPE_RGB_8, out, TYPE_RGB_8, static_cast<cmsUInt32Number>(intent) /* the enum has lcms2's order */,
                                                     bpc ? cmsFLAGS_BLACKPOINTCOMPENSATION : 0)
                                : nullptr;
    // Only where our fast path runs: elsewhere the product is lcms2 itself,
    // and beyond lcms2's fixed-point range (colour_matrix.cpp) two lcms2
    // transforms with slightly different sRGB handles wrap differently.
    bool fast = t && matrix_shaper_transform(in, out, TYPE_RGB_8, intent) != nullptr;
    if (fast) {
        std::string want(before.size(), '\0');
        cmsDoTransform(t, before.data(), want.data(), static_cast<cmsUInt32Number>(before.size() / 3));
        for (std::size_t i = 0; i < want.size(); ++i)
            if (std::abs(int(static_cast<std::uint8_t>(want[i])) - int(ours.data()[i])) > 1) std::abort();
    }
    if (t) cmsDeleteTransform(t);
    if (in) cmsCloseProfile(in);
    if (out) cmsCloseProfile(out);
}

inline void run_icc_input(const std::uint8_t* data, std::size_t size) {
    if (size < 8) return;
    const std::uint8_t* o = data;
    std::string profile(reinterpret_cast<const char*>(data + 8), size - 8);
    PixelMode mode = kModes[o[0] % 7];
    DType dtype = kTypes[(o[0] >> 3) % 3];
    ImageMeta meta;
    meta.mode = mode;
    meta.icc = profile;
    // Colour tags instead of (or beside) the profile.
    switch (o[1] % 4) {
        case 1: meta.colour.cicp = Cicp{o[2], o[3], 0, true}; break;
        case 2: meta.colour.gamma = o[2] / 100.0; break;
        case 3:
            meta.colour.gamma = (o[2] + 1) / 256.0;
            for (int i = 0; i < 8; ++i) meta.colour.chromaticities.push_back(o[(2 + i) % 8] / 255.0);
            meta.icc.clear();
            break;
        default: break;
    }
    ColourRequest request;
    request.target = o[4] % 3 == 0 ? "srgb" : o[4] % 3 == 1 ? "linear-srgb" : profile;
    request.intent = static_cast<Intent>(o[5] % 4);
    request.black_point_compensation = o[5] & 4;
    bool strict = o[5] & 8;

    StridedArray pixels = pixels_for(mode, dtype, o[6]);
    std::string before(reinterpret_cast<const char*>(pixels.data()), pixels.nbytes());
    const ImageMeta unconverted = meta;
    Diagnostics diagnostics;
    try {
        convert_colour(pixels, meta, request, strict, diagnostics);
        // The scalar kernel of our fast path gives the same bytes as the one
        // the CPU chose (SSE4.1 here); lcms2's own transforms are the same
        // either way. So a machine without SSE4.1 runs tested code too.
        if (meta.colour_converted) {
            StridedArray scalar = pixels_for(mode, dtype, o[6]);
            ImageMeta again = unconverted;
            Diagnostics ignored;
            force_colour_kernel(ColourKernel::Scalar);
            try {
                convert_colour(scalar, again, request, strict, ignored);
            } catch (...) {
                force_colour_kernel(std::nullopt);
                throw;
            }
            force_colour_kernel(std::nullopt);
            if (std::memcmp(scalar.data(), pixels.data(), pixels.nbytes()) != 0) std::abort();
        }
        // Refused with a warning: the pixels are untouched.
        if (!meta.colour_converted && std::memcmp(before.data(), pixels.data(), before.size()) != 0) std::abort();
        // Our matrix/TRC fast path (8-bit RGB) against lcms2 itself, same intent.
        if (meta.colour_converted && mode == PixelMode::RGB && dtype == DType::U8 && o[1] % 4 == 0 &&
            request.target.size() < 16)
            compare_with_lcms2(profile, meta.icc, request.intent, request.black_point_compensation, before, pixels);
    } catch (const DecodeError&) {
        if (!strict) std::abort();  // only strict turns a refusal into an error
    } catch (const std::invalid_argument&) {
        // A target that is no usable profile for these pixels: the caller's error.
    }
    // CMYK input, as the JPEG decoder converts it.
    try {
        ImageMeta cmyk;
        cmyk.mode = PixelMode::CMYK;
        cmyk.icc = profile;
        if (is_cmyk_profile(profile)) {
            auto t = colour_transform(cmyk, PixelMode::CMYK, o[7] & 1 ? PixelMode::L : PixelMode::RGB, DType::U8,
                                      ColourRequest{});
            std::uint8_t in[4 * 16], out[3 * 16];
            for (int i = 0; i < 64; ++i) in[i] = static_cast<std::uint8_t>(o[7] * i);
            t->apply(in, out, 16);
        }
    } catch (const ColourProfileError&) {
    } catch (const std::invalid_argument&) {
    }
}

}  // namespace mediaview::fuzz
