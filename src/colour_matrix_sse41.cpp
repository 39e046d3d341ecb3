// The SSE4.1 kernel of our matrix/TRC fast path (colour_matrix.hpp): a
// pixel's three shares (each 3 indices in a 16-byte load) summed in one
// register, shifted, clamped into the output table's 16 KB core (pminsd,
// pmaxsd), and the three indices read out (pextrd). The same integer arithmetic as the scalar kernel, so the same
// bytes. Compiled for SSE4.1 by function attribute and called only where
// __builtin_cpu_supports says so (as decoders/png/unfilter.cpp does).
//
// Measured and dropped: an AVX2 kernel that gathers 8 pixels' table entries
// (vpgatherdd) was slower than the scalar loop on this AMD EPYC (3.2 against
// 2.4 ns a pixel): six gathers a pixel cost more than the loads they replace.
#include "colour_matrix.hpp"

#if defined(__x86_64__) || defined(_M_X64)
#define MEDIAVIEW_COLOUR_X86 1
#include <immintrin.h>
#endif

namespace mediaview {

#ifdef MEDIAVIEW_COLOUR_X86

namespace {

template <int Channels>
__attribute__((target("sse4.1"))) void convert_pixels(const MatrixShaperTables& t, const std::uint8_t* in,
                                                      std::uint8_t* out, std::size_t pixels) {
    // Unsigned offsets and indices: no sign extension in the loop (the
    // indices are >= 0 by the tables' bias).
    const std::size_t red = static_cast<std::size_t>(t.red), blue = static_cast<std::size_t>(t.blue);
    const std::int32_t *share_r = t.share[0], *share_g = t.share[1], *share_b = t.share[2];
    const std::uint8_t *lut_x = t.out_lut[0], *lut_y = t.out_lut[1], *lut_z = t.out_lut[2];
    const __m128i low = _mm_set1_epi32(t.index_low), high = _mm_set1_epi32(t.index_high);
    for (std::size_t i = 0; i < pixels; ++i, in += Channels, out += Channels) {
        __m128i r = _mm_loadu_si128(reinterpret_cast<const __m128i*>(share_r + 3 * std::size_t{in[red]}));
        __m128i g = _mm_loadu_si128(reinterpret_cast<const __m128i*>(share_g + 3 * std::size_t{in[1]}));
        __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(share_b + 3 * std::size_t{in[blue]}));
        __m128i index = _mm_srai_epi32(_mm_add_epi32(_mm_add_epi32(r, g), b), kMatrixShaperFraction);
        index = _mm_min_epi32(_mm_max_epi32(index, low), high);
        std::uint8_t x = lut_x[static_cast<std::uint32_t>(_mm_cvtsi128_si32(index))];
        std::uint8_t y = lut_y[static_cast<std::uint32_t>(_mm_extract_epi32(index, 1))];
        std::uint8_t z = lut_z[static_cast<std::uint32_t>(_mm_extract_epi32(index, 2))];
        if (Channels == 4 && in != out) out[3] = in[3];
        out[red] = x;
        out[1] = y;
        out[blue] = z;
    }
}

}  // namespace

void matrix_shaper_sse41(const MatrixShaperTables& t, const std::uint8_t* in, std::uint8_t* out,
                         std::size_t pixels) {
    if (t.channels == 4)
        convert_pixels<4>(t, in, out, pixels);
    else
        convert_pixels<3>(t, in, out, pixels);
}

bool cpu_has_sse41() {
    static const bool has = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("sse4.1") != 0;
    }();
    return has;
}

#else  // not x86-64: the scalar kernel only

void matrix_shaper_sse41(const MatrixShaperTables& t, const std::uint8_t* in, std::uint8_t* out,
                         std::size_t pixels) {
    matrix_shaper_scalar(t, in, out, pixels);
}

bool cpu_has_sse41() { return false; }

#endif

}  // namespace mediaview
