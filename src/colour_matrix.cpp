#include "colour_matrix.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace mediaview {
namespace {

constexpr int kOutSteps = kMatrixShaperOutSteps;

using Matrix = std::array<std::array<double, 3>, 3>;

// The colorants as columns: device RGB (linear) to PCS XYZ.
bool colorants(cmsHPROFILE p, Matrix& m) {
    const cmsTagSignature tags[3] = {cmsSigRedColorantTag, cmsSigGreenColorantTag, cmsSigBlueColorantTag};
    for (int c = 0; c < 3; ++c) {
        auto* xyz = static_cast<const cmsCIEXYZ*>(cmsReadTag(p, tags[c]));
        if (!xyz) return false;
        m[0][c] = xyz->X;
        m[1][c] = xyz->Y;
        m[2][c] = xyz->Z;
    }
    return true;
}

bool inverse(const Matrix& a, Matrix& out) {
    double det = a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
                 a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
    if (!std::isfinite(det) || std::fabs(det) < 1e-9) return false;
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) {
            int r1 = (c + 1) % 3, r2 = (c + 2) % 3, c1 = (r + 1) % 3, c2 = (r + 2) % 3;
            out[r][c] = (a[r1][c1] * a[r2][c2] - a[r1][c2] * a[r2][c1]) / det;
        }
    return true;
}

const cmsToneCurve* trc(cmsHPROFILE p, int c) {
    const cmsTagSignature tags[3] = {cmsSigRedTRCTag, cmsSigGreenTRCTag, cmsSigBlueTRCTag};
    return static_cast<const cmsToneCurve*>(cmsReadTag(p, tags[c]));
}

// lcms2's own 8-bit matrix-shaper evaluates the matrix in 1.14 fixed point
// in 32-bit integers (cmsopt.c, MatShaperEval16): a row whose absolute sum
// reaches 8, or a linear value beyond 1, overflows there and lcms2 returns
// wrapped values. Such profiles (only damaged or hand-made ones have them)
// are left to lcms2 itself, so our result still equals what lcms2 (and so
// Pillow) gives; fuzz_icc found the first (a mutated colorant of 8704).
bool within_lcms2_fixed_point(const float (&m)[3][3]) {
    for (const auto& row : m)
        if (!(std::fabs(row[0]) + std::fabs(row[1]) + std::fabs(row[2]) < 7.99f)) return false;
    return true;
}

std::atomic<int> forced_kernel{-1};

ColourKernel chosen_kernel() {
    static const ColourKernel chosen = [] {
        const char* env = std::getenv("MEDIAVIEW_COLOUR_KERNEL");
        if (env && std::strcmp(env, "scalar") == 0) return ColourKernel::Scalar;
        return cpu_has_sse41() ? ColourKernel::Sse41 : ColourKernel::Scalar;
    }();
    return chosen;
}

class MatrixShaper final : public ColourTransform {
public:
    MatrixShaperTables tables{};
    std::vector<std::uint8_t> out_lut;

    void apply(const void* in, void* out, std::size_t pixels) const override {
        convert(static_cast<const std::uint8_t*>(in), static_cast<std::uint8_t*>(out), pixels);
    }
    void apply_rows(const void* in, void* out, std::size_t pixels, std::size_t rows,
                    std::size_t row_bytes) const override {
        for (std::size_t y = 0; y < rows; ++y)
            convert(static_cast<const std::uint8_t*>(in) + y * row_bytes,
                    static_cast<std::uint8_t*>(out) + y * row_bytes, pixels);
    }
    bool cheap() const override { return true; }

private:
    void convert(const std::uint8_t* in, std::uint8_t* out, std::size_t pixels) const {
        if (colour_kernel() == ColourKernel::Sse41)
            matrix_shaper_sse41(tables, in, out, pixels);
        else
            matrix_shaper_scalar(tables, in, out, pixels);
    }
};

// The kernels' tables. Each input value's share of the three output
// indices (matrix row times linear value, in 1/2^12 of an output step), so
// a pixel is three table reads and two adds: integers, and 12 fraction bits
// are finer than the float arithmetic this replaced (24-bit mantissa at
// indices up to 2^14). The rounding offset and a bias that makes the lowest
// reachable index 0 ride on the red table; the output table is widened to
// every reachable index (clipped values repeat its ends), so the scalar
// kernel needs no clamp (the SSE4.1 one clamps into the 16 KB core, which
// reads the same bytes). Sums stay in 32 bits: |row| < 8
// (within_lcms2_fixed_point) and |linear| <= 1 give |sum| < 8 * 16383 * 2^12,
// and the bias is at most as much again: < 2^31.
void fill_tables(const float (&matrix)[3][3], const float (&in_lut)[3][256], std::vector<std::uint8_t> (&out_lut)[3],
                 MatrixShaper& t) {
    MatrixShaperTables& tables = t.tables;
    const double scale = static_cast<double>(kOutSteps - 1) * (1 << kMatrixShaperFraction);
    std::int64_t low[3] = {0, 0, 0}, high[3] = {0, 0, 0};
    for (int k = 0; k < 3; ++k) {
        std::int64_t least[3] = {INT64_MAX, INT64_MAX, INT64_MAX}, most[3] = {INT64_MIN, INT64_MIN, INT64_MIN};
        for (int v = 0; v < 256; ++v)
            for (int c = 0; c < 3; ++c) {
                auto share = static_cast<std::int32_t>(std::llround(double(matrix[c][k]) * double(in_lut[k][v]) * scale));
                tables.share[k][3 * v + c] = share;
                least[c] = std::min<std::int64_t>(least[c], share);
                most[c] = std::max<std::int64_t>(most[c], share);
            }
        for (int c = 0; c < 3; ++c) low[c] += least[c], high[c] += most[c];
    }
    const std::int64_t half = std::int64_t{1} << (kMatrixShaperFraction - 1);
    // Lowest and highest index any pixel reaches, over the three outputs.
    std::int64_t first = INT64_MAX, last = INT64_MIN;
    for (int c = 0; c < 3; ++c) {
        first = std::min(first, (low[c] + half) >> kMatrixShaperFraction);
        last = std::max(last, (high[c] + half) >> kMatrixShaperFraction);
    }
    first = std::min<std::int64_t>(first, 0);
    for (int v = 0; v < 256; ++v)
        for (int c = 0; c < 3; ++c)
            tables.share[0][3 * v + c] += static_cast<std::int32_t>(half - first * (std::int64_t{1} << kMatrixShaperFraction));
    // One output table where the target's three curves agree (sRGB,
    // linear): it stays in L1 beside the 9 KB of shares.
    bool shared = out_lut[0] == out_lut[1] && out_lut[1] == out_lut[2];
    std::size_t span = static_cast<std::size_t>(std::max<std::int64_t>(last, kOutSteps - 1) - first + 1);
    t.out_lut.resize(span * (shared ? 1 : 3));
    for (int c = 0; c < (shared ? 1 : 3); ++c)
        for (std::size_t i = 0; i < span; ++i) {
            std::int64_t index = std::clamp<std::int64_t>(static_cast<std::int64_t>(i) + first, 0, kOutSteps - 1);
            t.out_lut[c * span + i] = out_lut[c][static_cast<std::size_t>(index)];
        }
    for (int c = 0; c < 3; ++c) tables.out_lut[c] = t.out_lut.data() + (shared ? 0 : c * span);
    tables.index_low = static_cast<std::int32_t>(-first);
    tables.index_high = static_cast<std::int32_t>(kOutSteps - 1 - first);
}

bool has_lut(cmsHPROFILE p) {
    static const cmsTagSignature kLuts[] = {cmsSigAToB0Tag, cmsSigAToB1Tag, cmsSigAToB2Tag, cmsSigBToA0Tag,
                                            cmsSigBToA1Tag, cmsSigBToA2Tag, cmsSigDToB0Tag, cmsSigDToB1Tag,
                                            cmsSigDToB2Tag, cmsSigBToD0Tag, cmsSigBToD1Tag, cmsSigBToD2Tag};
    auto cls = static_cast<std::uint32_t>(cmsGetDeviceClass(p));
    if (cls == cmsSigLinkClass || cls == cmsSigAbstractClass || cls == cmsSigNamedColorClass) return true;
    for (cmsTagSignature tag : kLuts)
        if (cmsIsTag(p, tag)) return true;
    return false;
}

}  // namespace

std::shared_ptr<const ColourTransform> matrix_shaper_transform(cmsHPROFILE from, cmsHPROFILE to,
                                                               cmsUInt32Number format, Intent intent) {
    // Perceptual and saturation too: lcms2 takes a matrix/TRC profile's
    // matrix for them as well (a v4 profile's perceptual black point is its
    // relative one when it is a matrix-shaper, cmssamp.c), and our blacks
    // are 0 (below), so black-point compensation moves nothing. Absolute
    // colorimetric scales by the white points: lcms2's.
    if (intent == Intent::AbsoluteColorimetric) return nullptr;
    if (T_BYTES(format) != 1 || T_FLOAT(format) || T_COLORSPACE(format) != PT_RGB || T_CHANNELS(format) != 3 ||
        T_EXTRA(format) > 1 || T_PLANAR(format) || T_ENDIAN16(format) || T_FLAVOR(format))
        return nullptr;
    for (cmsHPROFILE p : {from, to}) {
        if (static_cast<std::uint32_t>(cmsGetColorSpace(p)) != cmsSigRgbData || !cmsIsMatrixShaper(p)) return nullptr;
    }
    // A profile with any LUT: lcms2 prefers it to the matrix, for the
    // intent's own table and, when that is missing, the perceptual one
    // (cmsio1.c _cmsReadInputLUT), float D2Bx/B2Dx ones first; so lcms2
    // then. Device links, abstract and named-colour profiles likewise.
    if (has_lut(from) || has_lut(to)) return nullptr;
    Matrix in_m, out_m, out_inv;
    if (!colorants(from, in_m) || !colorants(to, out_m) || !inverse(out_m, out_inv)) return nullptr;
    float matrix[3][3];
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) {
            double v = 0;
            for (int k = 0; k < 3; ++k) v += out_inv[r][k] * in_m[k][c];
            if (!std::isfinite(v)) return nullptr;
            matrix[r][c] = static_cast<float>(v);
        }
    if (!within_lcms2_fixed_point(matrix)) return nullptr;
    float in_lut[3][256];
    std::vector<std::uint8_t> out_lut[3];
    for (int c = 0; c < 3; ++c) {
        const cmsToneCurve* forward = trc(from, c);
        const cmsToneCurve* backward_of = trc(to, c);
        if (!forward || !backward_of) return nullptr;
        // A black above zero makes black-point compensation (on by default)
        // move the blacks: lcms2's business.
        if (cmsEvalToneCurveFloat(forward, 0.0f) != 0.0f || cmsEvalToneCurveFloat(backward_of, 0.0f) != 0.0f)
            return nullptr;
        for (int i = 0; i < 256; ++i) {
            in_lut[c][i] = cmsEvalToneCurveFloat(forward, i / 255.0f);
            if (!(std::fabs(in_lut[c][i]) <= 1.0f)) return nullptr;  // see within_lcms2_fixed_point
        }
        std::unique_ptr<cmsToneCurve, void (*)(cmsToneCurve*)> reversed(cmsReverseToneCurve(backward_of),
                                                                      cmsFreeToneCurve);
        if (!reversed) return nullptr;
        out_lut[c].resize(kOutSteps);
        for (int i = 0; i < kOutSteps; ++i) {
            float v = cmsEvalToneCurveFloat(reversed.get(), static_cast<float>(i) / (kOutSteps - 1));
            v = !(v > 0) ? 0.0f : v > 1 ? 1.0f : v;
            out_lut[c][i] = static_cast<std::uint8_t>(std::lround(v * 255.0f));
        }
    }
    auto t = std::make_shared<MatrixShaper>();
    fill_tables(matrix, in_lut, out_lut, *t);
    t->tables.channels = 3 + static_cast<int>(T_EXTRA(format));
    t->tables.red = T_DOSWAP(format) ? 2 : 0;
    t->tables.blue = 2 - t->tables.red;
    return t;
}

void matrix_shaper_scalar(const MatrixShaperTables& t, const std::uint8_t* in, std::uint8_t* out,
                          std::size_t pixels) {
    const std::size_t channels = static_cast<std::size_t>(t.channels);
    const std::size_t red = static_cast<std::size_t>(t.red), blue = static_cast<std::size_t>(t.blue);
    const std::uint8_t *lut_x = t.out_lut[0], *lut_y = t.out_lut[1], *lut_z = t.out_lut[2];
    // The sums are >= 0 (the tables' bias): unsigned, no sign extension.
    auto index = [](std::int32_t sum) { return static_cast<std::uint32_t>(sum) >> kMatrixShaperFraction; };
    for (std::size_t i = 0; i < pixels; ++i, in += channels, out += channels) {
        const std::int32_t* r = t.share[0] + 3 * std::size_t{in[red]};
        const std::int32_t* g = t.share[1] + 3 * std::size_t{in[1]};
        const std::int32_t* b = t.share[2] + 3 * std::size_t{in[blue]};
        std::uint8_t x = lut_x[index(r[0] + g[0] + b[0])];
        std::uint8_t y = lut_y[index(r[1] + g[1] + b[1])];
        std::uint8_t z = lut_z[index(r[2] + g[2] + b[2])];
        // Alpha (or X) is left where it is: in place it is untouched; a
        // separate output gets it copied.
        if (channels == 4 && in != out) out[3] = in[3];
        out[red] = x;
        out[1] = y;
        out[blue] = z;
    }
}

ColourKernel colour_kernel() {
    int forced = forced_kernel.load(std::memory_order_relaxed);
    return forced >= 0 ? static_cast<ColourKernel>(forced) : chosen_kernel();
}

const char* colour_kernel_name(ColourKernel kernel) { return kernel == ColourKernel::Sse41 ? "sse4.1" : "scalar"; }

bool force_colour_kernel(std::optional<ColourKernel> kernel) {
    if (kernel == ColourKernel::Sse41 && !cpu_has_sse41()) return false;
    forced_kernel.store(kernel ? static_cast<int>(*kernel) : -1, std::memory_order_relaxed);
    return true;
}

}  // namespace mediaview
