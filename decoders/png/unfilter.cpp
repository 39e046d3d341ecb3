#include "unfilter.hpp"

#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(_M_X64)
#define MEDIAVIEW_PNG_X86 1
#include <immintrin.h>
#endif

namespace mediaview::png {
namespace {

void sub_scalar(std::uint8_t* row, std::size_t n, int bpp) {
    for (std::size_t i = static_cast<std::size_t>(bpp); i < n; ++i) row[i] = static_cast<std::uint8_t>(row[i] + row[i - bpp]);
}

void up_scalar(std::uint8_t* row, const std::uint8_t* prev, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) row[i] = static_cast<std::uint8_t>(row[i] + prev[i]);
}

void avg_scalar(std::uint8_t* row, const std::uint8_t* prev, std::size_t n, int bpp) {
    std::size_t b = static_cast<std::size_t>(bpp) < n ? static_cast<std::size_t>(bpp) : n;
    for (std::size_t i = 0; i < b; ++i) row[i] = static_cast<std::uint8_t>(row[i] + (prev[i] >> 1));
    for (std::size_t i = b; i < n; ++i) row[i] = static_cast<std::uint8_t>(row[i] + ((row[i - bpp] + prev[i]) >> 1));
}

// The same choice without data-dependent branches (conditional moves): a
// photo's Paeth choices are unpredictable, and mispredictions dominated.
inline int paeth_select(int a, int b, int c) {
    int pa = std::abs(b - c), pb = std::abs(a - c), pc = std::abs(a + b - 2 * c);
    int ab = pb < pa ? b : a;
    int smallest = pb < pa ? pb : pa;
    return pc < smallest ? c : ab;
}

void paeth_scalar(std::uint8_t* row, const std::uint8_t* prev, std::size_t n, int bpp) {
    std::size_t b = static_cast<std::size_t>(bpp) < n ? static_cast<std::size_t>(bpp) : n;
    for (std::size_t i = 0; i < b; ++i) row[i] = static_cast<std::uint8_t>(row[i] + prev[i]);
    if (bpp == 1 && n > 0) {  // the left neighbour and its upper one kept in registers
        int a = row[0], c = prev[0];
        for (std::size_t i = 1; i < n; ++i) {
            int up = prev[i];
            a = static_cast<std::uint8_t>(row[i] + paeth_select(a, up, c));
            row[i] = static_cast<std::uint8_t>(a);
            c = up;
        }
        return;
    }
    for (std::size_t i = b; i < n; ++i)
        row[i] = static_cast<std::uint8_t>(row[i] + paeth_select(row[i - bpp], prev[i], prev[i - bpp]));
}

#ifdef MEDIAVIEW_PNG_X86

// One pixel of `Bpp` bytes in the low lanes of an XMM register. Loads and
// stores touch exactly the pixel's bytes: the buffer is unfiltered in place,
// and the bytes after it are the next row's, not yet read.
template <int Bpp>
inline __m128i load_px(const std::uint8_t* p) {
    // Built in a general register: a partial memcpy into a wider variable
    // goes through the stack and stalls store-to-load forwarding.
    if constexpr (Bpp == 4) {
        std::uint32_t v;
        std::memcpy(&v, p, 4);
        return _mm_cvtsi32_si128(static_cast<int>(v));
    } else if constexpr (Bpp == 8) {
        return _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    } else if constexpr (Bpp == 3) {
        std::uint16_t lo;
        std::memcpy(&lo, p, 2);
        return _mm_cvtsi32_si128(static_cast<int>(lo | static_cast<std::uint32_t>(p[2]) << 16));
    } else {
        static_assert(Bpp == 6);
        std::uint32_t lo;
        std::uint16_t hi;
        std::memcpy(&lo, p, 4);
        std::memcpy(&hi, p + 4, 2);
        return _mm_cvtsi64_si128(static_cast<long long>(lo | static_cast<std::uint64_t>(hi) << 32));
    }
}

template <int Bpp>
inline void store_px(std::uint8_t* p, __m128i v) {
    if constexpr (Bpp == 4) {
        std::uint32_t x = static_cast<std::uint32_t>(_mm_cvtsi128_si32(v));
        std::memcpy(p, &x, 4);
    } else if constexpr (Bpp == 8) {
        _mm_storel_epi64(reinterpret_cast<__m128i*>(p), v);
    } else {
        std::uint64_t x = static_cast<std::uint64_t>(_mm_cvtsi128_si64(v));
        if constexpr (Bpp == 3) {
            std::uint16_t lo = static_cast<std::uint16_t>(x);
            std::memcpy(p, &lo, 2);
            p[2] = static_cast<std::uint8_t>(x >> 16);
        } else {
            std::uint32_t lo = static_cast<std::uint32_t>(x);
            std::uint16_t hi = static_cast<std::uint16_t>(x >> 32);
            std::memcpy(p, &lo, 4);
            std::memcpy(p + 4, &hi, 2);
        }
    }
}

template <int Bpp>
void sub_sse2(std::uint8_t* row, std::size_t n) {
    __m128i a = _mm_setzero_si128();
    for (std::size_t i = 0; i + Bpp <= n; i += Bpp) {
        a = _mm_add_epi8(load_px<Bpp>(row + i), a);
        store_px<Bpp>(row + i, a);
    }
}

void up_sse2(std::uint8_t* row, const std::uint8_t* prev, std::size_t n) {
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + i));
        __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(prev + i));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(row + i), _mm_add_epi8(x, b));
    }
    up_scalar(row + i, prev + i, n - i);
}

__attribute__((target("avx2"))) void up_avx2(std::uint8_t* row, const std::uint8_t* prev, std::size_t n) {
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + i));
        __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(prev + i));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(row + i), _mm256_add_epi8(x, b));
    }
    up_sse2(row + i, prev + i, n - i);
}

template <int Bpp>
void avg_sse2(std::uint8_t* row, const std::uint8_t* prev, std::size_t n) {
    // floor((a + b) / 2) from pavgb, which rounds up: subtract (a ^ b) & 1.
    const __m128i one = _mm_set1_epi8(1);
    __m128i a = _mm_setzero_si128();
    for (std::size_t i = 0; i + Bpp <= n; i += Bpp) {
        __m128i b = load_px<Bpp>(prev + i);
        __m128i avg = _mm_sub_epi8(_mm_avg_epu8(a, b), _mm_and_si128(_mm_xor_si128(a, b), one));
        a = _mm_add_epi8(load_px<Bpp>(row + i), avg);
        store_px<Bpp>(row + i, a);
    }
}

// |x| on 16-bit lanes: SSE2 has no pabsw.
inline __m128i abs16_sse2(__m128i x) { return _mm_max_epi16(x, _mm_sub_epi16(_mm_setzero_si128(), x)); }
__attribute__((target("ssse3"))) inline __m128i abs16_ssse3(__m128i x) { return _mm_abs_epi16(x); }

// The Paeth predictor on 16-bit lanes: pa = |b - c|, pb = |a - c|,
// pc = |a + b - 2c|; a when pa is smallest, else b when pb <= pc, else c.
#define MEDIAVIEW_PAETH_BODY(ABS)                                                       \
    const __m128i zero = _mm_setzero_si128();                                           \
    __m128i a = zero, c = zero;                                                         \
    for (std::size_t i = 0; i + Bpp <= n; i += Bpp) {                                   \
        __m128i b = _mm_unpacklo_epi8(load_px<Bpp>(prev + i), zero);                    \
        __m128i pa = ABS(_mm_sub_epi16(b, c));                                          \
        __m128i pb = ABS(_mm_sub_epi16(a, c));                                          \
        __m128i pc = ABS(_mm_sub_epi16(_mm_add_epi16(a, b), _mm_add_epi16(c, c)));      \
        __m128i use_b = _mm_cmpgt_epi16(pa, pb);                                        \
        __m128i min_ab = _mm_min_epi16(pa, pb);                                         \
        __m128i use_c = _mm_cmpgt_epi16(min_ab, pc);                                    \
        __m128i ab = _mm_or_si128(_mm_andnot_si128(use_b, a), _mm_and_si128(use_b, b)); \
        __m128i pred = _mm_or_si128(_mm_andnot_si128(use_c, ab), _mm_and_si128(use_c, c)); \
        __m128i x = _mm_add_epi8(load_px<Bpp>(row + i), _mm_packus_epi16(pred, pred));  \
        store_px<Bpp>(row + i, x);                                                      \
        a = _mm_unpacklo_epi8(x, zero);                                                 \
        c = b;                                                                          \
    }

template <int Bpp>
void paeth_sse2(std::uint8_t* row, const std::uint8_t* prev, std::size_t n) {
    MEDIAVIEW_PAETH_BODY(abs16_sse2)
}

template <int Bpp>
__attribute__((target("ssse3"))) void paeth_ssse3(std::uint8_t* row, const std::uint8_t* prev, std::size_t n) {
    MEDIAVIEW_PAETH_BODY(abs16_ssse3)
}
#undef MEDIAVIEW_PAETH_BODY

struct Isa {
    bool ssse3, avx2;
};

const Isa& isa() {
    static const Isa found = [] {
        __builtin_cpu_init();
        return Isa{__builtin_cpu_supports("ssse3") != 0, __builtin_cpu_supports("avx2") != 0};
    }();
    return found;
}

template <int Bpp>
void filter_simd(int filter, std::uint8_t* row, const std::uint8_t* prev, std::size_t n) {
    switch (filter) {
        case 1: return sub_sse2<Bpp>(row, n);
        case 3: return avg_sse2<Bpp>(row, prev, n);
        case 4: return isa().ssse3 ? paeth_ssse3<Bpp>(row, prev, n) : paeth_sse2<Bpp>(row, prev, n);
        default: return;
    }
}
#endif  // MEDIAVIEW_PNG_X86

}  // namespace

bool unfilter_row_scalar(int filter, std::uint8_t* row, const std::uint8_t* prev, std::size_t bytes, int bpp) {
    switch (filter) {
        case 0: return true;
        case 1: sub_scalar(row, bytes, bpp); return true;
        case 2: up_scalar(row, prev, bytes); return true;
        case 3: avg_scalar(row, prev, bytes, bpp); return true;
        case 4: paeth_scalar(row, prev, bytes, bpp); return true;
        default: return false;
    }
}

bool unfilter_row(int filter, std::uint8_t* row, const std::uint8_t* prev, std::size_t bytes, int bpp) {
#ifdef MEDIAVIEW_PNG_X86
    if (filter == 2) {
        if (isa().avx2) up_avx2(row, prev, bytes);
        else up_sse2(row, prev, bytes);
        return true;
    }
    if (filter == 1 || filter == 3 || filter == 4) {
        // Rows are whole pixels for bpp >= 3 (bit depth 8 or 16).
        switch (bpp) {
            case 3: filter_simd<3>(filter, row, prev, bytes); return true;
            case 4: filter_simd<4>(filter, row, prev, bytes); return true;
            case 6: filter_simd<6>(filter, row, prev, bytes); return true;
            case 8: filter_simd<8>(filter, row, prev, bytes); return true;
            default: break;
        }
    }
#endif
    return unfilter_row_scalar(filter, row, prev, bytes, bpp);
}

const char* unfilter_isa() {
#ifdef MEDIAVIEW_PNG_X86
    return isa().avx2 ? "avx2" : isa().ssse3 ? "ssse3" : "sse2";
#else
    return "scalar";
#endif
}

}  // namespace mediaview::png
