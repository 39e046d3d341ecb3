// Our own fast path for the commonest conversion: 8-bit RGB between two
// matrix/TRC profiles (Display P3, Adobe RGB, ProPhoto, sRGB ...), any
// intent but absolute colorimetric. lcms2 2.14 runs it at 30-40 ns a pixel; this runs the same
// arithmetic as lcms2's own matrix-shaper optimisation (input curves as
// 256-entry tables, the two matrices joined, output curves as 16384-entry
// tables), in integers: a scalar kernel and an SSE4.1 one, chosen at run
// time. Tested differentially
// against lcms2, each kernel (tests/cpp/test_colour.cpp: every 8-bit RGB
// value within 1 level; and the fuzz target fuzz_icc). Used for the sRGB
// and linear-sRGB targets only.
#pragma once

#include <lcms2.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "colour.hpp"

namespace mediaview {

// The fast transform from `from` to `to` for pixels of `format` (the same
// in and out), or null where it does not apply (not 8-bit RGB, a profile
// with LUTs, absolute colorimetric): lcms2 then. Relative colorimetric,
// perceptual and saturation give lcms2's result for these profiles.
std::shared_ptr<const ColourTransform> matrix_shaper_transform(cmsHPROFILE from, cmsHPROFILE to,
                                                               cmsUInt32Number format, Intent intent);

// 2^14 steps, as lcms2's own matrix-shaper output tables.
constexpr int kMatrixShaperOutSteps = 16384;
// Fraction bits of the kernels' fixed-point output index.
constexpr int kMatrixShaperFraction = 12;

// What the kernels read: one transform's tables (colour_matrix.cpp,
// fill_tables, says how they are made).
struct MatrixShaperTables {
    // share[k][3 * v + c]: input channel k at value v, its share of output
    // channel c's index, in 1/2^kMatrixShaperFraction steps; one int32 of
    // padding, as the SSE4.1 kernel reads 16 bytes at each entry.
    std::int32_t share[3][3 * 256 + 1];
    // Per output channel, indexed by the summed shares >> fraction: every
    // reachable index, so the scalar kernel needs no clamp; indices outside
    // [index_low, index_high] repeat the ends (the colour clipped), so the
    // SSE4.1 kernel clamps into that range (two instructions for the three
    // channels) and touches only its 16 KB, which stays in L1 beside the
    // decoder's own tables.
    const std::uint8_t* out_lut[3];
    std::int32_t index_low, index_high;
    int channels;  // 3, or 4 with alpha/X (left untouched in place, copied otherwise)
    int red, blue;  // byte offsets of R and B in a pixel (BGR orders swap them)
};

// Which kernel the fast path runs.
enum class ColourKernel { Scalar, Sse41 };

// SSE4.1 where the CPU has it, unless the environment says
// MEDIAVIEW_COLOUR_KERNEL=scalar (read once), or a test forced one.
ColourKernel colour_kernel();
const char* colour_kernel_name(ColourKernel kernel);
// Tests and the fuzz target run each kernel in turn; nullopt restores the
// choice above. Forcing SSE4.1 on a CPU without it returns false and
// changes nothing.
bool force_colour_kernel(std::optional<ColourKernel> kernel);

// The kernels: `pixels` pixels from `in` to `out` (the same memory, or
// apart). Both give the same bytes.
void matrix_shaper_scalar(const MatrixShaperTables& t, const std::uint8_t* in, std::uint8_t* out,
                          std::size_t pixels);
void matrix_shaper_sse41(const MatrixShaperTables& t, const std::uint8_t* in, std::uint8_t* out,
                         std::size_t pixels);
bool cpu_has_sse41();

}  // namespace mediaview
