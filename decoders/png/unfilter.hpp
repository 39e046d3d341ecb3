// PNG row unfiltering (None, Sub, Up, Average, Paeth) for the fast decode
// path, in place over an inflated stream. SSE2 is the x86-64 baseline; the
// Paeth filter has an SSSE3 variant (pabsw) and Up an AVX2 one, chosen once
// at run time. Sub, Average and Paeth depend on the pixel to the left, so
// they are vectorised across the bytes of one pixel (bpp 3, 4, 6, 8); bpp 1
// and 2 run the scalar loop (the compiler vectorises Up for every bpp).
#pragma once

#include <cstddef>
#include <cstdint>

namespace mediaview::png {

// Unfilters `row` (`bytes` long, filter type `filter`) given the previous
// unfiltered row `prev` (all zeros for the first row of a pass). Returns
// false for a filter type above 4.
bool unfilter_row(int filter, std::uint8_t* row, const std::uint8_t* prev, std::size_t bytes, int bpp);

// The plain byte-at-a-time version, for tests and as the reference.
bool unfilter_row_scalar(int filter, std::uint8_t* row, const std::uint8_t* prev, std::size_t bytes, int bpp);

// Which instruction sets the dispatcher picked ("sse2", "ssse3", "avx2").
const char* unfilter_isa();

}  // namespace mediaview::png
