#include "colour.hpp"

#include "colour_matrix.hpp"
#include "worker_pool.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <lcms2.h>

namespace mediaview {
namespace {

// ---- lcms2's context and messages -------------------------------------------

// The last message lcms2 gave on this thread: it is read right after the
// call that failed, so a thread-local buffer is enough and needs no lock.
thread_local std::string lcms_message;

void on_lcms_error(cmsContext, cmsUInt32Number, const char* text) {
    try {
        lcms_message = text ? text : "";
    } catch (...) {
        // Out of memory for the message: the failure itself is still reported.
    }
}

// One context for the process, with our error handler: lcms2's default
// handler is silent, but a context of our own also keeps another user of the
// library in the same process (Pillow) from seeing our handler or we theirs.
cmsContext context() {
    static cmsContext ctx = [] {
        cmsContext c = cmsCreateContext(nullptr, nullptr);
        cmsSetLogErrorHandlerTHR(c, on_lcms_error);
        return c;
    }();
    return ctx;
}

std::string lcms_said() {
    std::string said = lcms_message.empty() ? "" : " (" + lcms_message + ")";
    lcms_message.clear();
    return said;
}

struct ProfileCloser {
    void operator()(void* p) const { cmsCloseProfile(static_cast<cmsHPROFILE>(p)); }
};
using Profile = std::unique_ptr<void, ProfileCloser>;

// The profile's colour space as a number: a hostile header may hold any
// 32 bits, which is no value of lcms2's enum (UB to keep in one).
std::uint32_t space_of(const Profile& p) { return static_cast<std::uint32_t>(cmsGetColorSpace(p.get())); }

struct CurveFreer {
    void operator()(cmsToneCurve* c) const { cmsFreeToneCurve(c); }
};
using Curve = std::unique_ptr<cmsToneCurve, CurveFreer>;

// ---- curves and primaries ------------------------------------------------------

Curve parametric(int type, std::vector<double> params) {
    Curve c(cmsBuildParametricToneCurve(context(), type, params.data()));
    if (!c) throw std::bad_alloc();
    return c;
}

Curve srgb_curve() { return parametric(4, {2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045}); }
Curve gamma_curve(double gamma) { return parametric(1, {gamma}); }
// BT.709's OETF inverted exactly (as H.273 defines transfers 1, 6, 14, 15).
Curve bt709_curve() { return parametric(4, {1 / 0.45, 1 / 1.099, 0.099 / 1.099, 1 / 4.5, 0.081}); }

struct Chromaticities {
    double wx, wy, rx, ry, gx, gy, bx, by;
};
constexpr Chromaticities kSrgb{0.3127, 0.3290, 0.64, 0.33, 0.30, 0.60, 0.15, 0.06};

Profile rgb_profile(const Chromaticities& c, const Curve& curve) {
    cmsCIExyY white{c.wx, c.wy, 1.0};
    cmsCIExyYTRIPLE primaries{{c.rx, c.ry, 1.0}, {c.gx, c.gy, 1.0}, {c.bx, c.by, 1.0}};
    cmsToneCurve* curves[3] = {curve.get(), curve.get(), curve.get()};
    Profile p(cmsCreateRGBProfileTHR(context(), &white, &primaries, curves));
    if (!p) throw ColourProfileError("the colour data describe no valid RGB space" + lcms_said());
    return p;
}

Profile grey_profile(const Chromaticities& c, const Curve& curve) {
    cmsCIExyY white{c.wx, c.wy, 1.0};
    Profile p(cmsCreateGrayProfileTHR(context(), &white, curve.get()));
    if (!p) throw ColourProfileError("the colour data describe no valid grey space" + lcms_said());
    return p;
}

Profile synthesised(bool grey, const Chromaticities& c, const Curve& curve) {
    return grey ? grey_profile(c, curve) : rgb_profile(c, curve);
}

// H.273 colour primaries we build: BT.709/sRGB, BT.470BG, SMPTE 170M/240M,
// BT.2020, DCI-P3 and Display P3 (P3-D65).
bool cicp_primaries(int code, Chromaticities& out) {
    switch (code) {
        case 1: out = kSrgb; return true;
        case 5: out = {0.3127, 0.3290, 0.64, 0.33, 0.29, 0.60, 0.15, 0.06}; return true;
        case 6:
        case 7: out = {0.3127, 0.3290, 0.630, 0.340, 0.310, 0.595, 0.155, 0.070}; return true;
        case 9: out = {0.3127, 0.3290, 0.708, 0.292, 0.170, 0.797, 0.131, 0.046}; return true;
        case 11: out = {0.314, 0.351, 0.680, 0.320, 0.265, 0.690, 0.150, 0.060}; return true;
        case 12: out = {0.3127, 0.3290, 0.680, 0.320, 0.265, 0.690, 0.150, 0.060}; return true;
        default: return false;
    }
}

// H.273 transfers we build: the BT.709 family, gamma 2.2 and 2.8, linear,
// sRGB. PQ (16) and HLG (18) are scene/display-referred HDR curves with no
// meaning in an SDR ICC transform: refused.
Curve cicp_transfer(int code) {
    switch (code) {
        case 1: case 6: case 14: case 15: return bt709_curve();
        case 4: return gamma_curve(2.2);
        case 5: return gamma_curve(2.8);
        case 8: return gamma_curve(1.0);
        case 13: return srgb_curve();
        case 16: throw ColourProfileError("CICP transfer 16 (PQ, HDR) is not converted");
        case 18: throw ColourProfileError("CICP transfer 18 (HLG, HDR) is not converted");
        default: throw ColourProfileError("CICP transfer " + std::to_string(code) + " is not one we convert");
    }
}

// ---- the source's and the target's profile -------------------------------------

bool is_grey(PixelMode mode) { return mode == PixelMode::L || mode == PixelMode::LA; }

std::uint64_t fnv1a(const std::string& bytes) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char ch : bytes) h = (h ^ ch) * 1099511628211ull;
    return h;
}

std::string digest(const std::string& bytes) {
    return "icc:" + std::to_string(fnv1a(bytes)) + ":" + std::to_string(bytes.size());
}

// A profile to be: the key it is cached by, and how to open it.
struct ProfileSpec {
    std::string key;     // empty: sRGB (nothing to convert from)
    std::string icc;     // the bytes, when it is an ICC profile
    Chromaticities chrm = kSrgb;
    int curve_kind = 0;  // 0 sRGB, 1 gamma, 2 BT.709
    double gamma = 1.0;
};

ProfileSpec named(std::string key) {
    ProfileSpec s;
    s.key = std::move(key);
    return s;
}

Curve curve_of(const ProfileSpec& s) {
    if (s.curve_kind == 1) return gamma_curve(s.gamma);
    if (s.curve_kind == 2) return bt709_curve();
    return srgb_curve();
}

std::string chrm_key(const Chromaticities& c) {
    std::string k;
    for (double v : {c.wx, c.wy, c.rx, c.ry, c.gx, c.gy, c.bx, c.by}) k += std::to_string(v) + ",";
    return k;
}

ProfileSpec spec_from_cicp(const Cicp& cicp) {
    ProfileSpec s;
    if (!cicp_primaries(cicp.primaries, s.chrm))
        throw ColourProfileError("CICP colour primaries " + std::to_string(cicp.primaries) + " are not ones we convert");
    Curve probe = cicp_transfer(cicp.transfer);  // refuses what we cannot build
    int t = cicp.transfer;
    s.curve_kind = t == 13 ? 0 : (t == 4 || t == 5 || t == 8) ? 1 : 2;
    s.gamma = t == 4 ? 2.2 : t == 5 ? 2.8 : 1.0;
    if (cicp.primaries == 1 && t == 13) return {};  // sRGB itself
    s.key = "cicp:" + std::to_string(cicp.primaries) + ":" + std::to_string(t);
    return s;
}

// Where the pixels' colour comes from, in the PNG specification's order:
// cICP, then the ICC profile, then sRGB, then gAMA and cHRM.
ProfileSpec source_spec(const ImageMeta& meta) {
    const ColourTags& tags = meta.colour;
    if (tags.cicp && tags.cicp->primaries != 2 && tags.cicp->transfer != 2) return spec_from_cicp(*tags.cicp);
    if (!meta.icc.empty()) {
        if (meta.icc.size() > kMaxProfileBytes)
            throw ColourProfileError("the ICC profile is " + std::to_string(meta.icc.size()) +
                                     " bytes, above the limit of " + std::to_string(kMaxProfileBytes));
        ProfileSpec s = named(digest(meta.icc));
        s.icc = meta.icc;
        return s;
    }
    if (tags.srgb || (tags.gamma <= 0 && tags.chromaticities.empty())) return {};
    ProfileSpec s;
    if (tags.chromaticities.size() == 8) {
        const std::vector<double>& c = tags.chromaticities;
        s.chrm = {c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]};
    }
    if (tags.gamma > 0) {
        s.curve_kind = 1;
        s.gamma = 1.0 / tags.gamma;
    }
    s.key = "png:" + chrm_key(s.chrm) + std::to_string(s.curve_kind) + ":" + std::to_string(s.gamma);
    return s;
}

Profile open_icc(const std::string& icc) {
    Profile p(cmsOpenProfileFromMemTHR(context(), icc.data(), static_cast<cmsUInt32Number>(icc.size())));
    if (!p) throw ColourProfileError("lcms2 cannot read the ICC profile" + lcms_said());
    return p;
}

Profile open_spec(const ProfileSpec& s, bool grey) {
    if (!s.icc.empty()) return open_icc(s.icc);
    return synthesised(grey, s.chrm, curve_of(s));
}

// The target: "srgb", "linear-srgb" or ICC bytes.
ProfileSpec target_spec(const ColourRequest& request) {
    if (request.target == "srgb") return named("srgb");
    if (request.target == "linear-srgb") {
        ProfileSpec s = named("linear-srgb");
        s.curve_kind = 1;
        return s;
    }
    const std::string& icc = request.target;
    if (icc.size() < 128 || icc.compare(36, 4, "acsp") != 0)
        throw std::invalid_argument("colorspace must be 'srgb', 'linear-srgb' or the bytes of an ICC profile");
    if (icc.size() > kMaxProfileBytes)
        throw std::invalid_argument("the colorspace profile is larger than " + std::to_string(kMaxProfileBytes) +
                                    " bytes");
    ProfileSpec s = named(digest(icc));
    s.icc = icc;
    return s;
}

Profile open_target(const ProfileSpec& s, bool grey) {
    if (s.icc.empty()) return synthesised(grey, kSrgb, curve_of(s));
    Profile p(cmsOpenProfileFromMemTHR(context(), s.icc.data(), static_cast<cmsUInt32Number>(s.icc.size())));
    if (!p) throw std::invalid_argument("the colorspace profile is not an ICC profile lcms2 reads" + lcms_said());
    std::uint32_t space = space_of(p);
    if (grey ? space != cmsSigGrayData : space != cmsSigRgbData)
        throw std::invalid_argument(std::string("the colorspace profile is not ") + (grey ? "a grey" : "an RGB") +
                                    " profile, as the " + (grey ? "grey" : "colour") + " pixels need");
    return p;
}

// ---- pixel formats ------------------------------------------------------------

cmsUInt32Number sample_bits(DType dtype) {
    switch (dtype) {
        case DType::U8: return BYTES_SH(1);
        case DType::U16: return BYTES_SH(2);
        case DType::F32: return BYTES_SH(4) | FLOAT_SH(1);
        default: throw std::invalid_argument("colour conversion takes uint8, uint16 or float32 pixels, not " +
                                             std::string(dtype_name(dtype)));
    }
}

int extra_channels(PixelMode mode) {
    switch (mode) {
        case PixelMode::RGBA: case PixelMode::BGRA: case PixelMode::RGBX: case PixelMode::LA: return 1;
        default: return 0;
    }
}

// The layout of `mode` as lcms2 reads it; `grey_source` reads an RGB pixel
// of a grey image (R = G = B) as its first channel, the rest as extras.
cmsUInt32Number format_of(PixelMode mode, DType dtype, bool grey_source = false) {
    cmsUInt32Number f = sample_bits(dtype) | EXTRA_SH(extra_channels(mode));
    switch (mode) {
        case PixelMode::L: case PixelMode::LA: return f | COLORSPACE_SH(PT_GRAY) | CHANNELS_SH(1);
        case PixelMode::CMYK: return f | COLORSPACE_SH(PT_CMYK) | CHANNELS_SH(4);
        default: break;
    }
    if (grey_source) return sample_bits(dtype) | COLORSPACE_SH(PT_GRAY) | CHANNELS_SH(1) | EXTRA_SH(2 + extra_channels(mode));
    f |= COLORSPACE_SH(PT_RGB) | CHANNELS_SH(3);
    if (mode == PixelMode::BGR) f |= DOSWAP_SH(1);
    if (mode == PixelMode::BGRA) f |= DOSWAP_SH(1) | SWAPFIRST_SH(1);
    return f;
}

cmsUInt32Number lcms_intent(Intent intent) {
    switch (intent) {
        case Intent::Perceptual: return INTENT_PERCEPTUAL;
        case Intent::Saturation: return INTENT_SATURATION;
        case Intent::AbsoluteColorimetric: return INTENT_ABSOLUTE_COLORIMETRIC;
        case Intent::RelativeColorimetric: break;
    }
    return INTENT_RELATIVE_COLORIMETRIC;
}

class LcmsTransform final : public ColourTransform {
public:
    explicit LcmsTransform(cmsHTRANSFORM t) : t_(t) {}
    ~LcmsTransform() override { cmsDeleteTransform(t_); }
    void apply(const void* in, void* out, std::size_t pixels) const override {
        apply_rows(in, out, pixels, 1, 0);
    }
    void apply_rows(const void* in, void* out, std::size_t pixels, std::size_t rows,
                    std::size_t row_bytes) const override {
        // lcms2 counts in 32 bits.
        constexpr std::size_t kMax = 1u << 30;
        for (std::size_t done = 0; done < pixels; done += kMax) {
            std::size_t n = std::min(kMax, pixels - done);
            std::size_t bytes = done * pixel_bytes_;
            cmsDoTransformLineStride(t_, static_cast<const std::uint8_t*>(in) + bytes,
                                     static_cast<std::uint8_t*>(out) + bytes, static_cast<cmsUInt32Number>(n),
                                     static_cast<cmsUInt32Number>(rows), static_cast<cmsUInt32Number>(row_bytes),
                                     static_cast<cmsUInt32Number>(row_bytes), 0, 0);
        }
    }
    std::size_t pixel_bytes_ = 0;

private:
    cmsHTRANSFORM t_;
};

// ---- the cache -------------------------------------------------------------------

// Keyed by both profiles' keys (digests of ICC bytes, or what a built
// profile is made from), both formats, intent and flags. Bounded: a
// process that meets many profiles starts the cache afresh.
struct Cache {
    std::mutex lock;
    std::unordered_map<std::string, std::shared_ptr<const ColourTransform>> transforms;
    std::unordered_map<std::string, std::string> target_bytes;
};
Cache& cache() {
    static Cache c;
    return c;
}
constexpr std::size_t kCachedTransforms = 64;

std::shared_ptr<const ColourTransform> build(const ProfileSpec& src, bool src_grey, const ProfileSpec& dst,
                                             bool dst_grey, cmsUInt32Number in_fmt, cmsUInt32Number out_fmt,
                                             std::size_t pixel_bytes, const ColourRequest& request) {
    Profile from = open_spec(src, src_grey);
    Profile to = open_target(dst, dst_grey);
    std::uint32_t space = space_of(from);
    std::uint32_t expected = src_grey ? cmsSigGrayData
                                      : T_COLORSPACE(in_fmt) == PT_CMYK ? cmsSigCmykData : cmsSigRgbData;
    if (space != expected)
        throw ColourProfileError(std::string("the image's ICC profile is for ") +
                                 (space == cmsSigRgbData ? "RGB" : space == cmsSigGrayData ? "grey"
                                  : space == cmsSigCmykData ? "CMYK" : "another colour space") +
                                 " data, not for these pixels" +
                                 (space == cmsSigRgbData && src_grey ? ": decode with mode='RGB' to convert it" : ""));
    // Our own fast path where it applies (colour_matrix.hpp); lcms2 otherwise.
    // Only to our built targets (sRGB, linear sRGB), whose inverse curves
    // are finite at black: a pure-gamma target's is not, and its 2^14-step
    // output table was measured 3 levels off lcms2 near black.
    if (in_fmt == out_fmt && dst.icc.empty())
        if (auto fast = matrix_shaper_transform(from.get(), to.get(), in_fmt, request.intent)) return fast;
    cmsUInt32Number flags = 0;
    if (request.black_point_compensation) flags |= cmsFLAGS_BLACKPOINTCOMPENSATION;
    if (T_EXTRA(in_fmt) && T_EXTRA(in_fmt) == T_EXTRA(out_fmt)) flags |= cmsFLAGS_COPY_ALPHA;
    cmsHTRANSFORM t = cmsCreateTransformTHR(context(), from.get(), in_fmt, to.get(), out_fmt,
                                            lcms_intent(request.intent), flags);
    if (!t) throw ColourProfileError("lcms2 cannot convert from the image's profile" + lcms_said());
    auto made = std::make_shared<LcmsTransform>(t);
    made->pixel_bytes_ = pixel_bytes;
    return made;
}

std::size_t pixel_bytes_of(PixelMode mode, DType dtype) { return channels_of(mode) * itemsize(dtype); }

}  // namespace

std::shared_ptr<const ColourTransform> colour_transform(const ImageMeta& source, PixelMode in_mode,
                                                        PixelMode out_mode, DType dtype,
                                                        const ColourRequest& request) {
    if (out_mode == PixelMode::CMYK)
        throw std::invalid_argument("colorspace converts to RGB or grey: mode='CMYK' keeps the ink values as stored");
    ProfileSpec src = source_spec(source);
    if (src.key.empty()) src = named("srgb");
    ProfileSpec dst = target_spec(request);
    bool dst_grey = is_grey(out_mode);
    // A grey profile on RGB pixels: read as grey (R = G = B), written as RGB.
    bool src_grey = is_grey(in_mode);
    bool grey_on_rgb = false;
    if (!src_grey && in_mode != PixelMode::CMYK && !src.icc.empty()) {
        Profile probe = open_icc(src.icc);
        grey_on_rgb = space_of(probe) == cmsSigGrayData;
    }
    cmsUInt32Number in_fmt = format_of(in_mode, dtype, grey_on_rgb);
    cmsUInt32Number out_fmt = format_of(out_mode, dtype);
    std::string key = src.key + "|" + dst.key + "|" + std::to_string(in_fmt) + "|" + std::to_string(out_fmt) + "|" +
                      std::to_string(static_cast<int>(request.intent)) + "|" +
                      std::to_string(request.black_point_compensation);
    Cache& c = cache();
    {
        std::lock_guard<std::mutex> hold(c.lock);
        auto found = c.transforms.find(key);
        if (found != c.transforms.end()) return found->second;
    }
    // Built outside the lock: two threads may build the same transform
    // once each, but no thread waits on another's lcms2 work.
    auto made = build(src, src_grey || grey_on_rgb, dst, dst_grey, in_fmt, out_fmt, pixel_bytes_of(in_mode, dtype),
                      request);
    std::lock_guard<std::mutex> hold(c.lock);
    if (c.transforms.size() >= kCachedTransforms) c.transforms.clear();
    return c.transforms.emplace(key, std::move(made)).first->second;
}

std::string target_profile(const ColourRequest& request, PixelMode mode) {
    ProfileSpec dst = target_spec(request);
    if (!dst.icc.empty()) return dst.icc;
    bool grey = is_grey(mode);
    std::string key = dst.key + (grey ? ":grey" : ":rgb");
    Cache& c = cache();
    {
        std::lock_guard<std::mutex> hold(c.lock);
        auto found = c.target_bytes.find(key);
        if (found != c.target_bytes.end()) return found->second;
    }
    Profile p = open_target(dst, grey);
    cmsUInt32Number size = 0;
    std::string bytes;
    if (cmsSaveProfileToMem(p.get(), nullptr, &size) && size > 0) {
        bytes.resize(size);
        if (!cmsSaveProfileToMem(p.get(), bytes.data(), &size)) bytes.clear();
    }
    lcms_message.clear();
    // lcms2 stamps a built profile with the time it was made: a fixed date
    // instead, so the same conversion writes the same file in any process.
    static const unsigned char kDate[12] = {0x07, 0xD0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0};  // 2000-01-01
    if (bytes.size() >= 36) std::memcpy(bytes.data() + 24, kDate, sizeof kDate);
    std::lock_guard<std::mutex> hold(c.lock);
    return c.target_bytes.emplace(key, bytes).first->second;
}

bool is_cmyk_profile(const std::string& icc) {
    if (icc.empty() || icc.size() > kMaxProfileBytes) return false;
    Profile p(cmsOpenProfileFromMemTHR(context(), icc.data(), static_cast<cmsUInt32Number>(icc.size())));
    lcms_message.clear();
    return p && space_of(p) == cmsSigCmykData;
}

void report_colour_problem(const std::string& why, bool strict, Diagnostics& diagnostics) {
    std::string message = "colour not converted: " + why;
    if (strict) throw DecodeError(message);
    diagnostics.warn(message + "; the pixels are left as decoded");
}

// ---- converting an array in place -------------------------------------------------

namespace {

struct Axis {
    Index size;
    Index stride;
};

bool source_is_srgb(const ImageMeta& meta) {
    try {
        return source_spec(meta).key.empty();
    } catch (const ColourProfileError&) {
        return false;
    }
}

// `rows` rows of `width` adjacent pixels, `row_stride` bytes apart, in
// place. A large image (a single decode) is split into blocks of rows run
// on every core: the conversion is then a fraction of the decode. Inside a
// batch the pool's threads are busy with other images, and the caller runs
// the blocks itself (WorkerPool::run works on its own job).
void convert_rows(const ColourTransform& t, std::uint8_t* base, Index width, Index rows, Index row_stride) {
    constexpr Index kParallelPixels = Index{1} << 20;
    constexpr Index kBlockRows = 64;
    if (width * rows < kParallelPixels) {
        t.apply_rows(base, base, static_cast<std::size_t>(width), static_cast<std::size_t>(rows),
                     static_cast<std::size_t>(row_stride));
        return;
    }
    std::size_t blocks = static_cast<std::size_t>((rows + kBlockRows - 1) / kBlockRows);
    WorkerPool::shared(WorkerPool::usable_cores()).run(blocks, [&](std::size_t i) {
        Index first = static_cast<Index>(i) * kBlockRows;
        std::uint8_t* at = base + first * row_stride;
        t.apply_rows(at, at, static_cast<std::size_t>(width), static_cast<std::size_t>(std::min(kBlockRows, rows - first)),
                     static_cast<std::size_t>(row_stride));
    });
}

// Runs `t` over every pixel of the array, in place. Axes are the pixel axes
// (every axis but channels); a pointwise conversion may take them in any
// order and direction, so each negative stride is turned around and the
// axis whose stride is one pixel becomes the row lcms2 walks.
void transform_in_place(const ColourTransform& t, std::uint8_t* origin, std::vector<Axis> axes,
                        std::size_t pixel_bytes) {
    for (Axis& a : axes) {
        if (a.size == 0) return;
        if (a.stride < 0) {
            origin += (a.size - 1) * a.stride;
            a.stride = -a.stride;
        }
    }
    std::stable_sort(axes.begin(), axes.end(), [](const Axis& x, const Axis& y) { return x.stride > y.stride; });
    Axis row = axes.back();
    axes.pop_back();
    bool adjacent = row.stride == static_cast<Index>(pixel_bytes);
    // The rest of the axes, outermost first; the last of them goes to lcms2
    // as its row count when the pixels of a row are adjacent.
    Axis block = {1, 0};
    if (adjacent && !axes.empty()) {
        block = axes.back();
        axes.pop_back();
    }
    std::vector<std::uint8_t> scratch(adjacent ? 0 : static_cast<std::size_t>(row.size) * pixel_bytes);
    std::vector<Index> at(axes.size(), 0);
    while (true) {
        std::uint8_t* base = origin;
        for (std::size_t i = 0; i < axes.size(); ++i) base += at[i] * axes[i].stride;
        if (adjacent) {
            convert_rows(t, base, row.size, block.size, block.stride);
        } else {
            // Pixels spread out (out= every other pixel): through a row of scratch.
            for (Index x = 0; x < row.size; ++x) std::memcpy(&scratch[x * pixel_bytes], base + x * row.stride, pixel_bytes);
            t.apply(scratch.data(), scratch.data(), static_cast<std::size_t>(row.size));
            for (Index x = 0; x < row.size; ++x) std::memcpy(base + x * row.stride, &scratch[x * pixel_bytes], pixel_bytes);
        }
        std::size_t k = axes.size();
        while (k > 0 && ++at[k - 1] == axes[k - 1].size) at[--k] = 0;
        if (k == 0) return;
    }
}

}  // namespace

std::shared_ptr<const ColourTransform> decoder_row_transform(const std::optional<ColourRequest>& request,
                                                             ImageMeta& meta, PixelMode mode, DType dtype) {
    if (!request || meta.colour_converted || mode == PixelMode::CMYK) return nullptr;
    // Untagged (or sRGB) to sRGB changes no pixel: convert_colour tags it.
    if (request->target == "srgb" && source_is_srgb(meta)) return nullptr;
    std::shared_ptr<const ColourTransform> t;
    std::string target;
    try {
        t = colour_transform(meta, mode, mode, dtype, *request);
        if (!t->cheap()) return nullptr;
        target = target_profile(*request, mode);
    } catch (const ColourProfileError&) {
        return nullptr;  // convert_colour reports it after the decode
    } catch (const std::invalid_argument&) {
        return nullptr;  // ... or raises it
    }
    meta.icc = std::move(target);
    meta.colour = {};
    meta.colour_converted = true;
    return t;
}

namespace {

// Bands decoded and not yet converted, for the helper (from the front) and,
// once it has decoded everything, the decoder (from the back).
struct BandHandoff {
    std::mutex lock;
    std::condition_variable moved;
    bool helper = false;    // the helper has started: bands may be queued for it
    bool finished = false;  // nothing more will be queued
    std::deque<std::pair<std::size_t, std::size_t>> queue;
    std::size_t queued_rows = 0;
};

// A helper this far behind (a loaded machine, where it waits for a core)
// gets no more bands: the decoder converts them itself while they are in
// cache, so a helper that is not running costs no more than none.
constexpr std::size_t kBacklogRows = 64;

}  // namespace

void decode_converting(const ColourTransform& t, std::uint8_t* base, std::size_t width, std::ptrdiff_t row_stride,
                       std::size_t rows, const std::function<void(const BandDone&)>& decode) {
    auto convert = [&t, base, width, row_stride](std::size_t first, std::size_t count) {
        for (std::size_t y = first; y < first + count; ++y) {
            std::uint8_t* row = base + static_cast<std::ptrdiff_t>(y) * row_stride;
            t.apply(row, row, width);
        }
    };
    // Below a megapixel a second thread's hand-offs cost more than they save.
    constexpr std::size_t kPipelinePixels = std::size_t{1} << 20;
    const int cores = WorkerPool::usable_cores();
    if (cores < 2 || width * rows < kPipelinePixels) {
        decode(convert);
        return;
    }
    BandHandoff h;
    std::exception_ptr failed;
    // Takes a queued band (the helper from the front, the decoder from the
    // back), or false when none is queued. The caller holds h.lock.
    auto take = [&h](bool front, std::pair<std::size_t, std::size_t>& band) {
        if (h.queue.empty()) return false;
        band = front ? h.queue.front() : h.queue.back();
        front ? h.queue.pop_front() : h.queue.pop_back();
        h.queued_rows -= band.second;
        return true;
    };
    auto decoder = [&] {
        try {
            decode([&](std::size_t first, std::size_t count) {
                bool mine;
                {
                    std::lock_guard<std::mutex> hold(h.lock);
                    mine = !h.helper || h.queued_rows >= kBacklogRows;
                    if (!mine) {
                        h.queue.emplace_back(first, count);
                        h.queued_rows += count;
                    }
                }
                if (mine)
                    convert(first, count);
                else
                    h.moved.notify_one();
            });
        } catch (...) {
            failed = std::current_exception();
        }
        // Decoded (or failed): convert what the helper has not taken yet,
        // beside it.
        std::pair<std::size_t, std::size_t> band;
        while (true) {
            {
                std::lock_guard<std::mutex> hold(h.lock);
                if (failed || !take(false, band)) {
                    h.queue.clear();
                    h.finished = true;
                    break;
                }
            }
            convert(band.first, band.second);
        }
        h.moved.notify_one();
    };
    auto helper = [&] {
        std::pair<std::size_t, std::size_t> band;
        std::unique_lock<std::mutex> hold(h.lock);
        h.helper = true;
        while (true) {
            h.moved.wait(hold, [&] { return !h.queue.empty() || h.finished; });
            if (!take(true, band)) return;  // finished
            hold.unlock();
            convert(band.first, band.second);
            hold.lock();
        }
    };
    // The caller claims item 0 (the decoder) before any worker can: the
    // helper only ever waits on a decoder that is running or has finished.
    WorkerPool::shared(cores).run(2, [&](std::size_t item) { item == 0 ? decoder() : helper(); });
    if (failed) std::rethrow_exception(failed);
}

void convert_colour(const StridedArray& pixels, ImageMeta& meta, const ColourRequest& request, bool strict,
                    Diagnostics& diagnostics) {
    if (meta.colour_converted) return;
    const PixelMode mode = meta.mode;
    if (mode == PixelMode::CMYK)
        throw std::invalid_argument("colorspace converts to RGB or grey: mode='CMYK' keeps the ink values as stored");
    const int channels = channels_of(mode);
    std::string target = target_profile(request, mode);  // also checks the request
    std::vector<Axis> axes;
    int pixel_axes = pixels.ndim() - (channels > 1 ? 1 : 0);
    if (pixel_axes < 2 || (channels > 1 && (pixels.shape().back() != channels ||
                                           pixels.strides().back() != static_cast<Index>(pixels.itemsize()))))
        throw std::invalid_argument("colour conversion needs pixels of " + std::to_string(channels) +
                                    " adjacent channels");
    for (int i = 0; i < pixel_axes; ++i) axes.push_back({pixels.shape()[i], pixels.strides()[i]});
    bool identity = request.target == "srgb" && source_is_srgb(meta);
    if (!identity) {
        std::shared_ptr<const ColourTransform> t;
        try {
            t = colour_transform(meta, mode, mode, pixels.dtype(), request);
        } catch (const ColourProfileError& e) {
            report_colour_problem(e.what(), strict, diagnostics);
            return;
        }
        transform_in_place(*t, pixels.data(), std::move(axes), channels * pixels.itemsize());
    }
    meta.icc = std::move(target);
    meta.colour = {};
    meta.colour_converted = true;
}

}  // namespace mediaview
