// Our own fast path for the commonest conversion: 8-bit RGB between two
// matrix/TRC profiles (Display P3, Adobe RGB, ProPhoto, sRGB ...), relative
// colorimetric. lcms2 2.14 runs it at 30-40 ns a pixel; this runs the same
// arithmetic as lcms2's own matrix-shaper optimisation (input curves as
// 256-entry tables, the two matrices joined, output curves as 16384-entry
// tables) in float, a few ns a pixel. Tested differentially against lcms2
// (tests/cpp/test_colour.cpp: every 8-bit RGB value within 1 level; and the
// fuzz target fuzz_icc). Used for the sRGB and linear-sRGB targets only.
#pragma once

#include <lcms2.h>

#include <memory>

#include "colour.hpp"

namespace mediaview {

// The fast transform from `from` to `to` for pixels of `format` (the same
// in and out), or null where it does not apply (not 8-bit RGB, a profile
// with LUTs, an intent other than relative colorimetric): lcms2 then.
std::shared_ptr<const ColourTransform> matrix_shaper_transform(cmsHPROFILE from, cmsHPROFILE to,
                                                               cmsUInt32Number format, Intent intent);

}  // namespace mediaview
