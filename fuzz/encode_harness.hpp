// The body of the JPEG encoder fuzz target, shared with the GoogleTest replay
// of tests/regressions/encode (tests/cpp/test_hardening.cpp).
//
// Input layout: 7 option bytes, then the pixel bytes (repeated to fill the
// source buffer; zeros when there are none).
//   [0] bits 0-2 mode (of 7), 3 progressive, 4-5 subsampling (444, 422, 420,
//       gray), 6 a 2-D (H, W) source instead of (H, W, C), 7 width + 256
//   [1] quality: 1 + b % 100 for b < 240, else one of 16 out-of-range values
//   [2] [3] width, height: 1 + (b + 256 * high bit) % 300
//   [4] source layout (see Layout), [5] its parameter
//   [6] bits 0-2 what to break (0-3 nothing, see Break), bit 3 a variant of
//       it, bits 4-5 allocation (see Alloc), bit 7 height + 256
//
// The source is a read-only StridedArray over a block of exactly the bytes
// its elements span: on the heap (ASan's redzones catch a stray read by our
// own, instrumented code) or in read-only pages between PROT_NONE pages,
// flush against the end or the start of the data (libjpeg-turbo is not
// instrumented: a read past the end it is flush against, or a write into the
// source, faults).
//
// Invariants: a request the API documents as bad (quality outside 1..100,
// channels not those of the mode, CMYK as gray, not uint8, not 2-D/3-D, an
// empty side or one above 65500) throws std::invalid_argument; any other
// request is encoded. The output probes and decodes strictly (no warning)
// with our own decoder to the same size, colour space, subsampling and scan
// mode; it is byte for byte what a packed copy of the source gives (with the
// ignored 4th byte of RGBA/BGRA/RGBX zeroed); and an L image at quality 100
// decodes to within kMaxQ100GrayError of the source. The library prints
// nothing on stderr while encoding or decoding (see StderrWatch).
#pragma once

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "decoders/jpeg/jpeg_codec.hpp"
#include "decoders/jpeg/jpeg_encoder.hpp"
#include "src/image_codec.hpp"
#include "src/errors.hpp"
#include "src/strided_array.hpp"

namespace mediaview::fuzzing::encode {

[[noreturn]] inline void broken() { std::abort(); }
#define MEDIAVIEW_ENCODE_CHECK(cond) \
    do {                             \
        if (!(cond)) ::mediaview::fuzzing::encode::broken(); \
    } while (0)

constexpr std::size_t kOptionBytes = 7;
constexpr int kMaxSide = 300;
constexpr int kJpegMaxSide = 65500;  // JPEG_MAX_DIMENSION
// The largest |decoded - source| of an L image encoded at quality 100 (every
// quantiser 1) and decoded by our decoder (libjpeg's islow DCT both ways).
// Measured, not derived: 2 over 420,000 random images of 1..300 pixels a
// side (noise, binary noise, checkerboards, impulses, stripes; about 1 in
// 6,000 reach 2, none 3), and 2 at most from an annealing search over 8x8
// blocks that models libjpeg's integer forward DCT and quantiser exactly
// (its best blocks reach a continuous error of 1.9). Rounding every
// coefficient the worst way at once could in principle give up to 3.5 at one
// pixel; no search came near that. A 3 found here is a new measurement to
// look at, not necessarily an encoder bug.
constexpr int kMaxQ100GrayError = 2;

// ---- stderr -------------------------------------------------------------------

// Where the sanitizers print their reports, and a line in that stream; weak,
// so the harness also links into an uninstrumented test binary.
extern "C" __attribute__((weak)) void __sanitizer_set_report_fd(void* fd);
extern "C" __attribute__((weak)) void __sanitizer_report_error_summary(const char* summary);

// Catches the library printing on stderr: fd 2 goes to an in-memory file,
// which must still be empty after every library call. (Counting the bytes
// the process writes cannot tell: UBSan's vptr check writes to a pipe of its
// own.) Two ways, chosen on first use:
// - fd 2 is /dev/null: libFuzzer runs with -close_fd_mask=2 (fuzz/run.py
//   passes it) and already sends its own output and the sanitizers' reports
//   to a copy of the real stderr, so fd 2 becomes the in-memory file for good
//   and nothing is lost when a call crashes.
// - otherwise (a replay by hand, the GoogleTest replay): fd 2 is switched to
//   the in-memory file only for the length of each call, and the sanitizers
//   report to a copy of the real stderr. A crash inside a call then loses
//   libFuzzer's own closing lines (the artifact's name), not the report.
class StderrWatch {
public:
    static StderrWatch& instance() {
        static StderrWatch watch;
        return watch;
    }
    void begin() {
        if (sink_ >= 0 && real_ >= 0) ::dup2(sink_, 2);
    }
    void end() {
        if (sink_ < 0) return;
        if (real_ >= 0) ::dup2(real_, 2);
        off_t n = ::lseek(sink_, 0, SEEK_END);
        if (n == 0) return;
        char text[400] = {};
        ssize_t got = ::pread(sink_, text, sizeof text - 1, 0);
        std::string line = "fuzz_encode: the library wrote " + std::to_string(n) +
                           " byte(s) on stderr: " + std::string(text, got > 0 ? static_cast<std::size_t>(got) : 0);
        if (real_ >= 0)
            std::fprintf(stderr, "%s\n", line.c_str());
        else if (__sanitizer_report_error_summary)
            __sanitizer_report_error_summary(line.c_str());
        broken();
    }

private:
    StderrWatch() {
        struct stat err{}, null{};
        if (::fstat(2, &err) != 0) return;
        sink_ = ::memfd_create("fuzz_encode_stderr", MFD_CLOEXEC);
        if (sink_ < 0) return;
        bool discarded = ::stat("/dev/null", &null) == 0 && S_ISCHR(err.st_mode) && err.st_rdev == null.st_rdev;
        if (discarded) {
            ::dup2(sink_, 2);  // for good; real_ stays -1
            return;
        }
        real_ = ::dup(2);
        if (real_ < 0) {
            ::close(sink_);
            sink_ = -1;
            return;
        }
        if (__sanitizer_set_report_fd)
            __sanitizer_set_report_fd(reinterpret_cast<void*>(static_cast<std::intptr_t>(real_)));
    }
    int sink_ = -1;  // the in-memory file
    int real_ = -1;  // a copy of the real stderr, in the per-call way
};

// Runs one library call with stderr watched; exceptions pass through.
template <typename Call>
auto watched(Call&& call) -> decltype(call()) {
    StderrWatch& watch = StderrWatch::instance();
    watch.begin();
    struct Restore {
        StderrWatch& w;
        ~Restore() { w.end(); }
    } restore{watch};
    return call();
}

// ---- the source's memory ------------------------------------------------------

enum class Alloc { Heap, FencedEnd, FencedStart, Heap2 };

// `size` bytes between two PROT_NONE pages, flush against one of them.
class FencedBlock {
public:
    FencedBlock(std::size_t size, bool at_end) {
        std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
        body_ = std::max<std::size_t>(page, (size + page - 1) / page * page);
        total_ = body_ + 2 * page;
        void* base = ::mmap(nullptr, total_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (base == MAP_FAILED) throw std::bad_alloc();
        base_ = static_cast<std::uint8_t*>(base);
        ::mprotect(base_ + page, body_, PROT_READ | PROT_WRITE);
        data_ = at_end ? base_ + page + body_ - size : base_ + page;
        body_start_ = base_ + page;
    }
    ~FencedBlock() { ::munmap(base_, total_); }
    FencedBlock(const FencedBlock&) = delete;
    FencedBlock& operator=(const FencedBlock&) = delete;
    std::uint8_t* data() const { return data_; }
    void seal() { ::mprotect(body_start_, body_, PROT_READ); }

private:
    std::uint8_t* base_ = nullptr;
    std::uint8_t* body_start_ = nullptr;
    std::uint8_t* data_ = nullptr;
    std::size_t body_ = 0, total_ = 0;
};

// A block of exactly `size` bytes holding `payload` repeated.
inline std::shared_ptr<Storage> make_storage(std::size_t size, Alloc alloc, const std::uint8_t* payload,
                                             std::size_t payload_size) {
    auto storage = std::make_shared<Storage>();
    storage->size = size;
    storage->writable = false;
    std::size_t bytes = std::max<std::size_t>(size, 1);
    auto fill = [&](std::uint8_t* p) {
        if (payload_size == 0) {
            std::memset(p, 0, bytes);
            return;
        }
        for (std::size_t at = 0; at < bytes; at += payload_size)
            std::memcpy(p + at, payload, std::min(payload_size, bytes - at));
    };
    if (alloc == Alloc::FencedEnd || alloc == Alloc::FencedStart) {
        auto block = std::make_shared<FencedBlock>(bytes, alloc == Alloc::FencedEnd);
        fill(block->data());
        block->seal();
        storage->data = block->data();
        storage->keepalive = block;
    } else {
        std::shared_ptr<std::uint8_t[]> block(new std::uint8_t[bytes]);
        fill(block.get());
        storage->data = block.get();
        storage->keepalive = block;
    }
    return storage;
}

// ---- the source's layout ------------------------------------------------------

// How the logical (H, W[, C]) elements lie in memory. Strides are built from
// the innermost storage axis out: `step` elements apart, then `gap` extra
// bytes after each run of the innermost axis (only with 3 axes), then `pad`
// extra bytes per outermost step; after that, flips and zero strides.
enum class Layout {
    Plain,           // C order
    PaddedRows,      // row stride W*C + 1..64
    FlippedRows,     // negative row stride
    MirroredPixels,  // negative pixel stride
    Permuted,        // storage order any permutation of the axes, any axes flipped
    WidePixels,      // pixel stride C + 1..8, channel stride 1..3
    Broadcast,       // zero strides on some axes (numpy's broadcast_to)
    Count
};

struct Geometry {
    std::vector<Index> shape, strides;
    Index offset = 0;
    std::size_t span = 0;  // bytes from the lowest to the highest one any element touches
};

inline Geometry geometry(const std::vector<Index>& shape, std::size_t itemsize, Layout layout, unsigned p) {
    const int n = static_cast<int>(shape.size());
    std::vector<int> order(n);  // order[0] outermost in memory
    for (int i = 0; i < n; ++i) order[i] = i;
    Index step = 1, gap = 0, pad = 0;
    unsigned flips = 0, zeros = 0;
    switch (layout) {
        case Layout::Plain:
        case Layout::Count: break;
        case Layout::PaddedRows: pad = 1 + p % 64; break;
        case Layout::FlippedRows: flips = 1; break;
        case Layout::MirroredPixels: flips = 2; break;
        case Layout::Permuted: {
            static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
            if (n == 3) {
                for (int i = 0; i < 3; ++i) order[i] = perms[p % 6][i];
            } else if (n == 2 && (p & 1)) {
                std::swap(order[0], order[1]);
            }
            flips = (p / 6) & 7;
            break;
        }
        case Layout::WidePixels:
            gap = 1 + p % 8;
            step = 1 + (p / 8) % 3;
            break;
        case Layout::Broadcast: zeros = 1 + p % 7; break;
    }
    Geometry g;
    g.shape = shape;
    g.strides.assign(n, 0);
    Index stride = static_cast<Index>(itemsize) * step;
    for (int i = n - 1; i >= 0; --i) {
        int axis = order[i];
        if (i == 0) stride += pad;
        g.strides[axis] = stride;
        stride *= std::max<Index>(shape[axis], 1);
        if (i == n - 1 && n == 3) stride += gap;
    }
    for (int axis = 0; axis < n && axis < 3; ++axis)
        if (zeros & (1u << axis)) g.strides[axis] = 0;
    for (int axis = 0; axis < n && axis < 3; ++axis)
        if (flips & (1u << axis)) g.strides[axis] = -g.strides[axis];
    Index lo = 0, hi = 0;
    bool empty = false;
    for (int i = 0; i < n; ++i) {
        if (shape[i] == 0) empty = true;
        Index extent = (shape[i] - 1) * g.strides[i];
        (extent < 0 ? lo : hi) += extent;
    }
    if (empty) return g;  // offset 0, span 0
    g.offset = -lo;
    g.span = static_cast<std::size_t>(hi - lo) + itemsize;
    return g;
}

// ---- the request --------------------------------------------------------------

// What the input breaks on purpose, from option byte 6.
enum class Break { None, Channels, Dtype, EmptyOrNdim, HugeSide };

struct Plan {
    PixelMode mode = PixelMode::RGB;
    jpeg::EncodeOptions options;
    bool two_d = false;
    int width = 1, height = 1, channels = 3;
    Layout layout = Layout::Plain;
    unsigned layout_param = 0;
    Break breaks = Break::None;
    bool variant = false;
    Alloc alloc = Alloc::Heap;
};

inline Plan plan_from(const std::uint8_t* o) {
    static const PixelMode modes[] = {PixelMode::RGB,  PixelMode::BGR, PixelMode::RGBA, PixelMode::BGRA,
                                      PixelMode::RGBX, PixelMode::L,   PixelMode::CMYK};
    static const jpeg::Subsampling subsamplings[] = {jpeg::Subsampling::S444, jpeg::Subsampling::S422,
                                                     jpeg::Subsampling::S420, jpeg::Subsampling::Gray};
    static const int bad_qualities[16] = {0,    -1,   101,   102,     255,     256,     1000,    -100,
                                          -255, 4096, 65535, INT_MAX, INT_MIN, INT_MIN + 1, INT_MAX - 99, -101};
    Plan p;
    p.mode = modes[(o[0] & 7) % 7];
    p.options.progressive = o[0] & 8;
    p.options.subsampling = subsamplings[(o[0] >> 4) & 3];
    p.two_d = o[0] & 64;
    p.options.quality = o[1] < 240 ? 1 + o[1] % 100 : bad_qualities[o[1] - 240];
    p.width = 1 + (o[2] + ((o[0] & 128) ? 256 : 0)) % kMaxSide;
    p.height = 1 + (o[3] + ((o[6] & 128) ? 256 : 0)) % kMaxSide;
    p.layout = static_cast<Layout>(o[4] % static_cast<int>(Layout::Count));
    p.layout_param = o[5];
    static const Break breaks[8] = {Break::None,     Break::None, Break::None,       Break::None,
                                    Break::Channels, Break::Dtype, Break::EmptyOrNdim, Break::HugeSide};
    p.breaks = breaks[o[6] & 7];
    p.variant = o[6] & 8;
    p.alloc = static_cast<Alloc>((o[6] >> 4) & 3);
    p.channels = channels_of(p.mode);
    return p;
}

// The source's shape and element type, and whether the API must refuse it.
struct Shape {
    std::vector<Index> dims;
    DType dtype = DType::U8;
    bool refused = false;
};

inline Shape shape_for(Plan& plan) {
    Shape s;
    const jpeg::EncodeOptions& o = plan.options;
    s.refused = o.quality < 1 || o.quality > 100 ||
                (plan.mode == PixelMode::CMYK && o.subsampling == jpeg::Subsampling::Gray);
    Index h = plan.height, w = plan.width;
    int c = plan.channels;
    switch (plan.breaks) {
        case Break::None: break;
        case Break::Channels: {
            // One of the four channel counts in 1..5 that the mode does not take.
            int wrong[4], n = 0;
            for (int k = 1; k <= 5; ++k)
                if (k != plan.channels) wrong[n++] = k;
            c = wrong[plan.layout_param % 4];
            break;
        }
        case Break::Dtype:
            s.dtype = DType::U16;
            s.refused = true;
            break;
        case Break::EmptyOrNdim:
            if (!plan.variant) {
                (plan.layout_param & 1 ? w : h) = 0;
                s.dims = plan.two_d ? std::vector<Index>{h, w} : std::vector<Index>{h, w, c};
            } else if (plan.layout_param & 1) {
                s.dims = {w * c};  // 1-D
            } else {
                s.dims = {h, w, c, 1};  // 4-D
            }
            s.refused = true;
            return s;
        case Break::HugeSide: {
            // A side around JPEG's limit of 65500 (refused above it), the other 1.
            Index side = kJpegMaxSide - 10 + static_cast<Index>(plan.layout_param % 20);
            Index other = 1;
            if (plan.variant) {
                h = side;
                w = other;
            } else {
                w = side;
                h = other;
            }
            if (side > kJpegMaxSide) s.refused = true;
            break;
        }
    }
    if (plan.two_d)
        s.dims = {h, w};
    else
        s.dims = {h, w, c};
    // A 2-D source has one channel: right only for L.
    if ((plan.two_d ? 1 : c) != plan.channels) s.refused = true;
    return s;
}

// The harness's own pixel loops are left out of the coverage instrumentation:
// they tell the fuzzer nothing and its comparison tracing made them the bulk
// of the run time.
#if defined(__clang__)
#define MEDIAVIEW_HARNESS_LOOP __attribute__((no_sanitize("coverage")))
#else
#define MEDIAVIEW_HARNESS_LOOP
#endif

// ---- checks on the output -----------------------------------------------------

inline bool is_gray_output(const Plan& plan) {
    return plan.mode == PixelMode::L || plan.options.subsampling == jpeg::Subsampling::Gray;
}

inline const char* subsampling_name(const Plan& plan) {
    if (is_gray_output(plan)) return "gray";
    switch (plan.options.subsampling) {
        case jpeg::Subsampling::S444: return "444";
        case jpeg::Subsampling::S422: return "422";
        case jpeg::Subsampling::S420: return "420";
        case jpeg::Subsampling::Gray: return "gray";
    }
    return "?";
}

// A C-contiguous (H, W, C) copy of `image` (C = 1 for a 2-D image), with the
// 4th byte of RGBA/BGRA/RGBX set to 0: the encoder ignores it.
MEDIAVIEW_HARNESS_LOOP inline StridedArray packed_copy(const StridedArray& image, PixelMode mode) {
    Index h = image.shape()[0], w = image.shape()[1], c = image.ndim() == 3 ? image.shape()[2] : 1;
    StridedArray copy = StridedArray::allocate(DType::U8, {h, w, c});
    const std::uint8_t* src = image.data();
    std::uint8_t* dst = copy.data();
    Index rs = image.strides()[0], ps = image.strides()[1], cs = image.ndim() == 3 ? image.strides()[2] : 0;
    bool ignored = mode == PixelMode::RGBA || mode == PixelMode::BGRA || mode == PixelMode::RGBX;
    for (Index y = 0; y < h; ++y)
        for (Index x = 0; x < w; ++x)
            for (Index k = 0; k < c; ++k) *dst++ = src[y * rs + x * ps + k * cs];
    if (ignored)
        for (Index i = 3; i < h * w * c; i += 4) copy.data()[i] = 0;
    return copy;
}

inline bool same_bytes(const jpeg::EncodedJpeg& a, const jpeg::EncodedJpeg& b) {
    return a.size == b.size && std::memcmp(a.data.get(), b.data.get(), a.size) == 0;
}

// The largest |decoded - source| of an L image; `decoded` is C-contiguous (H, W, 1).
MEDIAVIEW_HARNESS_LOOP inline int max_gray_error(const StridedArray& source, const StridedArray& decoded) {
    int worst = 0;
    Index h = source.shape()[0], w = source.shape()[1], rs = source.strides()[0], ps = source.strides()[1];
    for (Index y = 0; y < h; ++y)
        for (Index x = 0; x < w; ++x) {
            int a = source.data()[y * rs + x * ps];
            int b = decoded.data()[y * w + x];
            worst = std::max(worst, std::abs(a - b));
        }
    return worst;
}

inline void check_output(const Plan& plan, const StridedArray& image, const jpeg::EncodedJpeg& out) {
    MEDIAVIEW_ENCODE_CHECK(out.data && out.size >= 4);
    const std::uint8_t* d = out.data.get();
    MEDIAVIEW_ENCODE_CHECK(d[0] == 0xFF && d[1] == 0xD8 && d[out.size - 2] == 0xFF && d[out.size - 1] == 0xD9);
    ByteSpan bytes{d, out.size};
    int width = static_cast<int>(image.shape()[1]), height = static_cast<int>(image.shape()[0]);
    bool gray = is_gray_output(plan);
    bool cmyk = plan.mode == PixelMode::CMYK;

    ImageInfo info = watched([&] { return jpeg::codec().probe(bytes); });
    MEDIAVIEW_ENCODE_CHECK(info.width == width && info.height == height);
    MEDIAVIEW_ENCODE_CHECK(info.components == (gray ? 1 : cmyk ? 4 : 3));
    MEDIAVIEW_ENCODE_CHECK(info.colorspace == (gray ? "Gray" : cmyk ? "YCCK" : "YCbCr"));
    MEDIAVIEW_ENCODE_CHECK(info.subsampling == subsampling_name(plan));
    MEDIAVIEW_ENCODE_CHECK(info.progressive == plan.options.progressive);
    MEDIAVIEW_ENCODE_CHECK(!info.arithmetic && info.precision == 8 && info.orientation == 1);

    // Decoded strictly: a warning (corrupt data, extraneous bytes) throws.
    ImageRequest request;
    request.mode = gray ? PixelMode::L : cmyk ? PixelMode::CMYK : PixelMode::RGB;
    request.strict = true;
    StridedArray decoded;
    Diagnostics diagnostics;
    ImageDecodeResult result = watched([&] {
        return jpeg::codec().decode(
            bytes, request,
            [&](const OutputShape& s) {
                decoded = StridedArray::allocate(DType::U8, {s.height, s.width, s.channels});
                return PixelTarget{decoded.data(), decoded.strides()[0], decoded.strides()[1]};
            },
            diagnostics);
    });
    MEDIAVIEW_ENCODE_CHECK(diagnostics.warnings.empty());
    MEDIAVIEW_ENCODE_CHECK(result.shape.width == width && result.shape.height == height);
    MEDIAVIEW_ENCODE_CHECK(result.shape.channels == channels_of(*request.mode));

    if (plan.mode == PixelMode::L && plan.options.quality == 100) {
        int error = max_gray_error(image, decoded);
#ifdef MEDIAVIEW_ENCODE_MEASURE
        static int worst = -1;
        if (error > worst) {
            worst = error;
            std::printf("fuzz_encode: q100 L max error now %d (%dx%d)\n", worst, width, height);
        }
#else
        MEDIAVIEW_ENCODE_CHECK(error <= kMaxQ100GrayError);
#endif
    }
}

// ---- one input ----------------------------------------------------------------

// Returns normally on success or on the std::invalid_argument a refused
// request must raise; a broken invariant aborts, anything else escapes.
inline void encode_one_input(const std::uint8_t* data, std::size_t size) {
    if (size < kOptionBytes) return;
    Plan plan = plan_from(data);
    Shape shape = shape_for(plan);
    Geometry g = geometry(shape.dims, itemsize(shape.dtype), plan.layout, plan.layout_param);
    auto storage = make_storage(g.span, plan.alloc, data + kOptionBytes, size - kOptionBytes);
    StridedArray image(storage, shape.dtype, g.shape, g.strides, g.offset);

    std::optional<jpeg::EncodedJpeg> out;
    try {
        out = watched([&] { return jpeg::encode(image, plan.mode, plan.options); });
    } catch (const std::invalid_argument&) {
        MEDIAVIEW_ENCODE_CHECK(shape.refused);
        return;
    }
    // Anything else (an Error from libjpeg) escapes and is reported: none of
    // these requests should make libjpeg fail.
    MEDIAVIEW_ENCODE_CHECK(!shape.refused);
    check_output(plan, image, *out);

    // The layout is invisible in the output, and so is the ignored 4th byte.
    bool ignored_byte = plan.mode == PixelMode::RGBA || plan.mode == PixelMode::BGRA || plan.mode == PixelMode::RGBX;
    if (plan.layout != Layout::Plain || ignored_byte || plan.two_d) {
        StridedArray copy = packed_copy(image, plan.mode);
        jpeg::EncodedJpeg reference = watched([&] { return jpeg::encode(copy, plan.mode, plan.options); });
        MEDIAVIEW_ENCODE_CHECK(same_bytes(*out, reference));
    }
}

}  // namespace mediaview::fuzzing::encode
