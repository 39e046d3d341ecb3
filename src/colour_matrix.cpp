#include "colour_matrix.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace mediaview {
namespace {

constexpr int kOutSteps = 16384;  // lcms2's own matrix-shaper output tables have 2^14 entries

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

class MatrixShaper final : public ColourTransform {
public:
    float matrix[3][3];
    float in_lut[3][256];
    std::vector<std::uint8_t> out_lut[3];
    bool shared_out = false;  // the three output tables are equal
    int channels = 3;
    int red = 0, blue = 2;  // byte offsets of R and B in a pixel (BGR orders swap them)

    void apply(const void* in, void* out, std::size_t pixels) const override {
        convert(static_cast<const std::uint8_t*>(in), static_cast<std::uint8_t*>(out), pixels);
    }
    void apply_rows(const void* in, void* out, std::size_t pixels, std::size_t rows,
                    std::size_t row_bytes) const override {
        for (std::size_t y = 0; y < rows; ++y)
            convert(static_cast<const std::uint8_t*>(in) + y * row_bytes,
                    static_cast<std::uint8_t*>(out) + y * row_bytes, pixels);
    }

private:
    // Branch-free (minss/maxss): out-of-gamut colours clip like in-gamut ones cost.
    static int index(float v) {
        return static_cast<int>(std::min(std::max(v, 0.0f), 1.0f) * (kOutSteps - 1) + 0.5f);
    }
    void convert(const std::uint8_t* in, std::uint8_t* out, std::size_t pixels) const {
        // One table for the three channels where the target's curves agree
        // (sRGB, linear): 16 KB, which stays in L1 beside the input tables.
        const std::uint8_t* lut_r = out_lut[0].data();
        const std::uint8_t* lut_g = out_lut[shared_out ? 0 : 1].data();
        const std::uint8_t* lut_b = out_lut[shared_out ? 0 : 2].data();
        // As lcms2 does: a pixel equal to the one before it (flat areas of a
        // photo) reuses its result.
        std::uint8_t last_in[3] = {0, 0, 0}, last_out[3];
        bool have_last = false;
        for (std::size_t i = 0; i < pixels; ++i, in += channels, out += channels) {
            std::uint8_t ri = in[red], gi = in[1], bi = in[blue];
            if (have_last && ri == last_in[0] && gi == last_in[1] && bi == last_in[2]) {
                out[red] = last_out[0];
                out[1] = last_out[1];
                out[blue] = last_out[2];
                if (channels == 4 && in != out) out[3] = in[3];
                continue;
            }
            float r = in_lut[0][ri], g = in_lut[1][gi], b = in_lut[2][bi];
            float x = matrix[0][0] * r + matrix[0][1] * g + matrix[0][2] * b;
            float y = matrix[1][0] * r + matrix[1][1] * g + matrix[1][2] * b;
            float z = matrix[2][0] * r + matrix[2][1] * g + matrix[2][2] * b;
            last_in[0] = ri, last_in[1] = gi, last_in[2] = bi;
            last_out[0] = lut_r[index(x)];
            last_out[1] = lut_g[index(y)];
            last_out[2] = lut_b[index(z)];
            have_last = true;
            out[red] = last_out[0];
            out[1] = last_out[1];
            out[blue] = last_out[2];
            // Alpha (or X) is left where it is: in place it is untouched;
            // a separate output gets it copied.
            if (channels == 4 && in != out) out[3] = in[3];
        }
    }
};

}  // namespace

std::shared_ptr<const ColourTransform> matrix_shaper_transform(cmsHPROFILE from, cmsHPROFILE to,
                                                               cmsUInt32Number format, Intent intent) {
    if (intent != Intent::RelativeColorimetric) return nullptr;
    if (T_BYTES(format) != 1 || T_FLOAT(format) || T_COLORSPACE(format) != PT_RGB || T_CHANNELS(format) != 3 ||
        T_EXTRA(format) > 1 || T_PLANAR(format) || T_ENDIAN16(format) || T_FLAVOR(format))
        return nullptr;
    for (cmsHPROFILE p : {from, to}) {
        if (static_cast<std::uint32_t>(cmsGetColorSpace(p)) != cmsSigRgbData || !cmsIsMatrixShaper(p)) return nullptr;
    }
    // A profile with LUTs for this intent: lcms2 uses those, so must we.
    if (cmsIsCLUT(from, INTENT_RELATIVE_COLORIMETRIC, LCMS_USED_AS_INPUT) ||
        cmsIsCLUT(to, INTENT_RELATIVE_COLORIMETRIC, LCMS_USED_AS_OUTPUT))
        return nullptr;
    Matrix in_m, out_m, out_inv;
    if (!colorants(from, in_m) || !colorants(to, out_m) || !inverse(out_m, out_inv)) return nullptr;
    auto t = std::make_shared<MatrixShaper>();
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) {
            double v = 0;
            for (int k = 0; k < 3; ++k) v += out_inv[r][k] * in_m[k][c];
            if (!std::isfinite(v)) return nullptr;
            t->matrix[r][c] = static_cast<float>(v);
        }
    if (!within_lcms2_fixed_point(t->matrix)) return nullptr;
    for (int c = 0; c < 3; ++c) {
        const cmsToneCurve* forward = trc(from, c);
        const cmsToneCurve* backward_of = trc(to, c);
        if (!forward || !backward_of) return nullptr;
        // A black above zero makes black-point compensation (on by default)
        // move the blacks: lcms2's business.
        if (cmsEvalToneCurveFloat(forward, 0.0f) != 0.0f || cmsEvalToneCurveFloat(backward_of, 0.0f) != 0.0f)
            return nullptr;
        for (int i = 0; i < 256; ++i) {
            t->in_lut[c][i] = cmsEvalToneCurveFloat(forward, i / 255.0f);
            if (!(std::fabs(t->in_lut[c][i]) <= 1.0f)) return nullptr;  // see within_lcms2_fixed_point
        }
        std::unique_ptr<cmsToneCurve, void (*)(cmsToneCurve*)> reversed(cmsReverseToneCurve(backward_of),
                                                                      cmsFreeToneCurve);
        if (!reversed) return nullptr;
        t->out_lut[c].resize(kOutSteps);
        for (int i = 0; i < kOutSteps; ++i) {
            float v = cmsEvalToneCurveFloat(reversed.get(), static_cast<float>(i) / (kOutSteps - 1));
            v = !(v > 0) ? 0.0f : v > 1 ? 1.0f : v;
            t->out_lut[c][i] = static_cast<std::uint8_t>(std::lround(v * 255.0f));
        }
    }
    t->shared_out = t->out_lut[0] == t->out_lut[1] && t->out_lut[1] == t->out_lut[2];
    t->channels = 3 + static_cast<int>(T_EXTRA(format));
    if (T_DOSWAP(format)) std::swap(t->red, t->blue);
    return t;
}

}  // namespace mediaview
