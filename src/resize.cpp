#include "resize.hpp"

extern "C" {
#include <libavutil/log.h>
#include <libavutil/pixfmt.h>
#include <libavutil/version.h>
#include <libswscale/swscale.h>
#include <libswscale/version.h>
}

#include <dlfcn.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

namespace mediaview {
namespace {

// libswscale is opened on first use (dlopen of the sonames we were compiled
// against), not linked: Debian's FFmpeg is built with --enable-gpl and its
// libavutil needs X11, VA-API, VDPAU and OpenCL, none of which an import of
// mediaview (or its wheel) should require for decoding. Without it, only
// size= fails, with an Error saying what to install.
struct Swscale {
    decltype(&sws_getCachedContext) get_cached_context = nullptr;
    decltype(&sws_scale) scale = nullptr;
    decltype(&sws_freeContext) free_context = nullptr;
    std::string error;
};

#define MEDIAVIEW_STR2(x) #x
#define MEDIAVIEW_STR(x) MEDIAVIEW_STR2(x)

const Swscale& swscale() {
    static const Swscale loaded = [] {
        Swscale s;
        const char* avutil_name = "libavutil.so." MEDIAVIEW_STR(LIBAVUTIL_VERSION_MAJOR);
        const char* swscale_name = "libswscale.so." MEDIAVIEW_STR(LIBSWSCALE_VERSION_MAJOR);
        void* avutil = dlopen(avutil_name, RTLD_NOW | RTLD_LOCAL);
        void* sws = avutil ? dlopen(swscale_name, RTLD_NOW | RTLD_LOCAL) : nullptr;
        if (!avutil || !sws) {
            const char* why = dlerror();
            s.error = std::string("resizing (size=) needs FFmpeg's libswscale: ") + (why ? why : "not found") +
                      " (Debian/Ubuntu: apt install libswscale6)";
            return s;
        }
        // libswscale reports through av_log to stderr; our errors are exceptions.
        if (auto set_level = reinterpret_cast<decltype(&av_log_set_level)>(dlsym(avutil, "av_log_set_level")))
            set_level(AV_LOG_QUIET);
        s.get_cached_context = reinterpret_cast<decltype(&sws_getCachedContext)>(dlsym(sws, "sws_getCachedContext"));
        s.scale = reinterpret_cast<decltype(&sws_scale)>(dlsym(sws, "sws_scale"));
        s.free_context = reinterpret_cast<decltype(&sws_freeContext)>(dlsym(sws, "sws_freeContext"));
        if (!s.get_cached_context || !s.scale || !s.free_context)
            s.error = std::string("resizing (size=): ") + swscale_name + " lacks the functions it needs";
        return s;  // the libraries stay loaded for the life of the process
    }();
    return loaded;
}

const Swscale& checked_swscale() {
    const Swscale& s = swscale();
    if (!s.error.empty()) throw Error(s.error);
    return s;
}

// One libswscale context per thread: sws_getCachedContext returns it again
// while the sizes and format stay the same (a batch of one dataset's images),
// so its filter tables are computed once, not per image.
struct ThreadContext {
    SwsContext* context = nullptr;
    std::vector<std::uint8_t> src_scratch;
    std::vector<std::uint8_t> dst_scratch;
    ~ThreadContext() {
        if (context) swscale().free_context(context);
    }
};

ThreadContext& thread_context() {
    thread_local ThreadContext context;
    return context;
}

int channels_of_array(const StridedArray& a) { return a.ndim() == 3 ? static_cast<int>(a.shape()[2]) : 1; }

// The format libswscale scales in. 1 or 2 channels: grey (with alpha), read
// and written in place. 3 or 4: a planar format that libswscale scales plane
// by plane, converting nothing, when it is both the input and the output
// (4:4:4, so every plane gets the same filter; the planes are our channels,
// whatever they mean: RGB, BGR, CMYK, RGBX). The pixels are split into
// planes before sws_scale and interleaved after it. libswscale's RGB formats
// were slower and less exact: they go through YUV (at 15 bits) both ways,
// and the packed RGB writer alone was most of the resize.
AVPixelFormat scaled_format(int channels, DType dtype) {
    bool wide = dtype == DType::U16;
    switch (channels) {
        case 1: return wide ? AV_PIX_FMT_GRAY16 : AV_PIX_FMT_GRAY8;
        case 2: return wide ? AV_PIX_FMT_YA16 : AV_PIX_FMT_YA8;
        case 3: return wide ? AV_PIX_FMT_YUV444P16 : AV_PIX_FMT_YUV444P;
        case 4: return wide ? AV_PIX_FMT_YUVA444P16 : AV_PIX_FMT_YUVA444P;
        default: break;
    }
    throw std::invalid_argument("resizing takes 1 to 4 channels, not " + std::to_string(channels));
}

int filter_flags(ResizeFilter filter) {
    // Accurate rounding in the vertical pass: without it the mean PSNR to
    // Pillow drops by 0.1-0.5 dB per filter, for no measurable speed. (The
    // full-chroma flags of the RGB formats have no effect on the planar and
    // grey formats used now.)
    int quality = SWS_ACCURATE_RND;
    switch (filter) {
        case ResizeFilter::Area: return SWS_AREA | quality;
        case ResizeFilter::Bilinear: return SWS_BILINEAR | quality;
        case ResizeFilter::Bicubic: return SWS_BICUBIC | quality;
        case ResizeFilter::Lanczos: return SWS_LANCZOS | quality;
    }
    return SWS_AREA | quality;
}

// Rows of whole, adjacent pixels at a positive stride libswscale can take (an int).
bool packed_rows(const StridedArray& a) {
    Index pixel = static_cast<Index>(channels_of_array(a) * a.itemsize());
    Index row = a.strides()[0];
    return a.strides()[1] == pixel && row >= pixel * a.shape()[1] && row <= std::numeric_limits<int>::max() &&
           (a.ndim() == 2 || a.strides()[2] == static_cast<Index>(a.itemsize()));
}

// `a` as packed rows in `scratch` (a copy) when its own layout will not do.
StridedArray packed(const StridedArray& a, std::vector<std::uint8_t>& scratch, bool copy) {
    if (packed_rows(a)) return a;
    std::vector<Index> shape = a.shape();
    std::size_t bytes = a.count() * a.itemsize();
    if (scratch.size() < bytes) scratch.resize(bytes);
    auto storage = std::make_shared<Storage>();
    storage->data = scratch.data();
    storage->size = bytes;
    StridedArray p(storage, a.dtype(), shape, StridedArray::c_strides(shape, a.itemsize()));
    if (copy) copy_pixels(a, p);
    return p;
}

// Returns scratch memory of a huge image to the allocator instead of keeping
// it for the life of the thread.
void trim(std::vector<std::uint8_t>& scratch) {
    if (scratch.capacity() > (std::size_t{32} << 20)) std::vector<std::uint8_t>().swap(scratch);
}

// Where libswscale writes: up to four planes (or one packed plane).
struct Planes {
    std::uint8_t* data[4] = {};
    int strides[4] = {};
};

// `count` planes of `height` rows of `width` elements in `scratch`, each row
// starting on a 64-byte boundary (libswscale's SIMD writers want aligned rows).
Planes scratch_planes(std::vector<std::uint8_t>& scratch, int count, int width, int height, std::size_t item) {
    constexpr std::size_t align = 64;
    const std::size_t stride = (static_cast<std::size_t>(width) * item + align - 1) / align * align;
    const std::size_t plane = stride * static_cast<std::size_t>(height);
    if (scratch.size() < plane * count + align) scratch.resize(plane * count + align);
    auto base = reinterpret_cast<std::uintptr_t>(scratch.data());
    std::uint8_t* first = scratch.data() + ((align - base % align) % align);
    Planes p;
    for (int k = 0; k < count; ++k) {
        p.data[k] = first + k * plane;
        p.strides[k] = static_cast<int>(stride);
    }
    return p;
}

void scale(const Swscale& sws, SwsContext* context, const Planes& in, int sh, const Planes& out, int dh) {
    int rows = sws.scale(context, in.data, in.strides, 0, sh, out.data, out.strides);
    if (rows != dh) throw std::runtime_error("libswscale wrote " + std::to_string(rows) + " of " + std::to_string(dh) + " rows");
}

// One row of adjacent pixels to planes and back. Plain indexing through
// __restrict pointers: the compiler vectorises these; the same loop through
// an array of plane pointers stayed scalar and cost as much as the scaling.
template <typename T>
void split_row(const T* __restrict px, T* __restrict p0, T* __restrict p1, T* __restrict p2, Index n) {
    for (Index i = 0; i < n; ++i) {
        p0[i] = px[3 * i];
        p1[i] = px[3 * i + 1];
        p2[i] = px[3 * i + 2];
    }
}
template <typename T>
void split_row(const T* __restrict px, T* __restrict p0, T* __restrict p1, T* __restrict p2, T* __restrict p3,
               Index n) {
    for (Index i = 0; i < n; ++i) {
        p0[i] = px[4 * i];
        p1[i] = px[4 * i + 1];
        p2[i] = px[4 * i + 2];
        p3[i] = px[4 * i + 3];
    }
}
template <typename T>
void join_row(T* __restrict px, const T* __restrict p0, const T* __restrict p1, const T* __restrict p2, Index n) {
    for (Index i = 0; i < n; ++i) {
        px[3 * i] = p0[i];
        px[3 * i + 1] = p1[i];
        px[3 * i + 2] = p2[i];
    }
}
template <typename T>
void join_row(T* __restrict px, const T* __restrict p0, const T* __restrict p1, const T* __restrict p2,
              const T* __restrict p3, Index n) {
    for (Index i = 0; i < n; ++i) {
        px[4 * i] = p0[i];
        px[4 * i + 1] = p1[i];
        px[4 * i + 2] = p2[i];
        px[4 * i + 3] = p3[i];
    }
}

// Three 8-bit channels (the common case) need byte shuffles that SSE2, the
// x86-64 baseline, lacks: the loops above stay scalar there. An SSSE3 clone,
// picked at load time, is vectorised (measured: a 500x375 split 0.21 ->
// 0.03 ms). Clang takes target_clones on plain functions only, hence these
// overloads rather than the templates.
#if defined(__x86_64__) && defined(__ELF__)
#define MEDIAVIEW_SSSE3_CLONE __attribute__((target_clones("default", "ssse3")))
#else
#define MEDIAVIEW_SSSE3_CLONE
#endif

MEDIAVIEW_SSSE3_CLONE
void split_row(const std::uint8_t* __restrict px, std::uint8_t* __restrict p0, std::uint8_t* __restrict p1,
               std::uint8_t* __restrict p2, Index n) {
    for (Index i = 0; i < n; ++i) {
        p0[i] = px[3 * i];
        p1[i] = px[3 * i + 1];
        p2[i] = px[3 * i + 2];
    }
}

MEDIAVIEW_SSSE3_CLONE
void join_row(std::uint8_t* __restrict px, const std::uint8_t* __restrict p0, const std::uint8_t* __restrict p1,
              const std::uint8_t* __restrict p2, Index n) {
    for (Index i = 0; i < n; ++i) {
        px[3 * i] = p0[i];
        px[3 * i + 1] = p1[i];
        px[3 * i + 2] = p2[i];
    }
}

// Copies between the pixels of `a` (any strides) and the planes, one plane a
// channel: Split reads the pixels into the planes, Join writes them back.
enum class Direction { Split, Join };

// Pixels that are not adjacent or not aligned to their element type (a
// caller's view may be either): element by element, memcpy for the access.
template <typename T, Direction D>
void copy_strided_row(std::uint8_t* row, Index pixel, Index step, T* const* plane, int channels, Index width) {
    for (Index c = 0; c < width; ++c)
        for (int k = 0; k < channels; ++k) {
            if constexpr (D == Direction::Split)
                std::memcpy(plane[k] + c, row + c * pixel + k * step, sizeof(T));
            else
                std::memcpy(row + c * pixel + k * step, plane[k] + c, sizeof(T));
        }
}

template <typename T, Direction D>
void copy_planes(const StridedArray& a, const Planes& planes) {
    const int channels = channels_of_array(a);
    const Index width = a.shape()[1], pixel = a.strides()[1], step = a.strides()[2];
    const bool aligned = reinterpret_cast<std::uintptr_t>(a.data()) % alignof(T) == 0 && a.strides()[0] % alignof(T) == 0;
    const bool adjacent = aligned && pixel == static_cast<Index>(channels * sizeof(T)) && step == static_cast<Index>(sizeof(T));
    for (Index r = 0; r < a.shape()[0]; ++r) {
        T* p[4] = {};
        for (int k = 0; k < channels; ++k) p[k] = reinterpret_cast<T*>(planes.data[k] + r * planes.strides[k]);
        std::uint8_t* row = a.data() + r * a.strides()[0];
        T* px = reinterpret_cast<T*>(row);
        if (!adjacent)
            copy_strided_row<T, D>(row, pixel, step, p, channels, width);
        else if (D == Direction::Split)
            channels == 3 ? split_row(px, p[0], p[1], p[2], width) : split_row(px, p[0], p[1], p[2], p[3], width);
        else
            channels == 3 ? join_row(px, p[0], p[1], p[2], width) : join_row(px, p[0], p[1], p[2], p[3], width);
    }
}

template <Direction D>
void copy_planes(const StridedArray& a, const Planes& planes) {
    if (a.dtype() == DType::U16)
        copy_planes<std::uint16_t, D>(a, planes);
    else
        copy_planes<std::uint8_t, D>(a, planes);
}

}  // namespace

StridedArray window(const StridedArray& a, Index x, Index y, Index width, Index height) {
    std::vector<Index> shape = a.shape();
    shape[0] = height;
    shape[1] = width;
    return StridedArray(a.storage(), a.dtype(), shape, a.strides(),
                        a.offset() + y * a.strides()[0] + x * a.strides()[1]);
}

void copy_pixels(const StridedArray& src, const StridedArray& dst) {
    if (src.shape() != dst.shape() || src.dtype() != dst.dtype())
        throw std::invalid_argument("copy_pixels: arrays differ in shape or element type");
    const std::size_t pixel = static_cast<std::size_t>(channels_of_array(src)) * src.itemsize();
    const bool adjacent = (src.ndim() == 2 || src.strides()[2] == static_cast<Index>(src.itemsize())) &&
                          (dst.ndim() == 2 || dst.strides()[2] == static_cast<Index>(dst.itemsize()));
    const Index channels = channels_of_array(src);
    for (Index r = 0; r < src.shape()[0]; ++r) {
        const std::uint8_t* s = src.data() + r * src.strides()[0];
        std::uint8_t* d = dst.data() + r * dst.strides()[0];
        if (adjacent && src.strides()[1] == static_cast<Index>(pixel) && dst.strides()[1] == static_cast<Index>(pixel)) {
            std::memcpy(d, s, pixel * static_cast<std::size_t>(src.shape()[1]));
            continue;
        }
        for (Index c = 0; c < src.shape()[1]; ++c) {
            const std::uint8_t* sp = s + c * src.strides()[1];
            std::uint8_t* dp = d + c * dst.strides()[1];
            if (adjacent) {
                std::memcpy(dp, sp, pixel);
            } else {
                for (Index k = 0; k < channels; ++k)
                    std::memcpy(dp + k * dst.strides()[2], sp + k * src.strides()[2], src.itemsize());
            }
        }
    }
}

void fill_pixels(const StridedArray& dst, const std::vector<std::uint32_t>& values) {
    const Index channels = channels_of_array(dst);
    const Index step = dst.ndim() == 3 ? dst.strides()[2] : 0;
    for (Index r = 0; r < dst.shape()[0]; ++r) {
        for (Index c = 0; c < dst.shape()[1]; ++c) {
            std::uint8_t* p = dst.data() + r * dst.strides()[0] + c * dst.strides()[1];
            for (Index k = 0; k < channels; ++k) {
                std::uint32_t v = values.empty() ? 0 : values[std::min<std::size_t>(k, values.size() - 1)];
                if (dst.dtype() == DType::U16) {
                    auto v16 = static_cast<std::uint16_t>(v);
                    std::memcpy(p + k * step, &v16, 2);
                } else {
                    p[k * step] = static_cast<std::uint8_t>(v);
                }
            }
        }
    }
}

void resize_into(const StridedArray& src, const StridedArray& dst, ResizeFilter filter) {
    const Swscale& sws = checked_swscale();
    if (src.dtype() != dst.dtype() || channels_of_array(src) != channels_of_array(dst))
        throw std::invalid_argument("resize: source and target differ in element type or channels");
    if (src.dtype() != DType::U8 && src.dtype() != DType::U16)
        throw std::invalid_argument("resizing takes uint8 or uint16 pixels, not " + std::string(dtype_name(src.dtype())));
    const int channels = channels_of_array(src);
    const AVPixelFormat format = scaled_format(channels, src.dtype());
    const int sw = static_cast<int>(src.shape()[1]), sh = static_cast<int>(src.shape()[0]);
    const int dw = static_cast<int>(dst.shape()[1]), dh = static_cast<int>(dst.shape()[0]);
    if (sw <= 0 || sh <= 0 || dw <= 0 || dh <= 0) return;

    ThreadContext& t = thread_context();
    t.context = sws.get_cached_context(t.context, sw, sh, format, dw, dh, format, filter_flags(filter), nullptr,
                                       nullptr, nullptr);
    if (!t.context)
        throw std::invalid_argument("cannot resize " + std::to_string(sw) + "x" + std::to_string(sh) + " to " +
                                    std::to_string(dw) + "x" + std::to_string(dh));
    if (channels >= 3) {
        Planes in = scratch_planes(t.src_scratch, channels, sw, sh, src.itemsize());
        Planes out = scratch_planes(t.dst_scratch, channels, dw, dh, src.itemsize());
        copy_planes<Direction::Split>(src, in);
        scale(sws, t.context, in, sh, out, dh);
        copy_planes<Direction::Join>(dst, out);
    } else {
        StridedArray in = packed(src, t.src_scratch, true);
        StridedArray out = packed(dst, t.dst_scratch, false);
        scale(sws, t.context, {{in.data()}, {static_cast<int>(in.strides()[0])}}, sh,
              {{out.data()}, {static_cast<int>(out.strides()[0])}}, dh);
        if (out.data() != dst.data() || out.strides() != dst.strides()) copy_pixels(out, dst);
    }
    trim(t.src_scratch);
    trim(t.dst_scratch);
}

ResizeFilter resize_filter_from_name(const std::string& name) {
    if (name == "area") return ResizeFilter::Area;
    if (name == "bilinear") return ResizeFilter::Bilinear;
    if (name == "bicubic") return ResizeFilter::Bicubic;
    if (name == "lanczos") return ResizeFilter::Lanczos;
    throw std::invalid_argument("filter must be 'area', 'bilinear', 'bicubic' or 'lanczos', not '" + name + "'");
}

Fit fit_from_name(const std::string& name) {
    if (name == "fill") return Fit::Fill;
    if (name == "cover") return Fit::Cover;
    if (name == "contain") return Fit::Contain;
    throw std::invalid_argument("fit must be 'fill', 'cover' or 'contain', not '" + name + "'");
}

}  // namespace mediaview
