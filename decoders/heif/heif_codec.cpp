// The HEIF decoder. libheif parses the container, decodes HEVC (libde265)
// or AV1, applies irot/imir and converts to interleaved RGB(A); each image
// is then converted (mode, dtype, crop) into the caller's rows. libheif
// decodes into its own image, so a copy is unavoidable here.
//
// Frames: frame 0 is the primary image, frames 1.. the other top-level
// images in file order (a collection, or a burst).
//
// Depth: uint8 output is libheif's own conversion to 8-bit RGB (as
// pillow-heif asks for by default); dtype="uint16" takes libheif's 10/12-bit
// values and scales them to full 16-bit range (x * 65535 / max, rounded), as
// PNG's uint16 is.
#include "heif_codec.hpp"

#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "libheif_loader.hpp"
#include "src/interleaved_rows.hpp"

namespace mediaview::heif {
namespace {

void check(const heif_error& e, const std::string& what) {
    if (e.code == heif_error_Ok) return;
    // libheif's own allocation failed: a header asking for more than can be
    // had is a limit in our terms, never a crash (fuzz_heif found one).
    if (e.code == heif_error_Memory_allocation_error)
        throw LimitError("HEIF data asks for more memory than libheif could allocate (" + what + ")");
    if (e.subcode == heif_suberror_End_of_data)
        throw DecodeError("HEIF data is truncated (" + what + ")");
    if (e.code == heif_error_Unsupported_feature || e.code == heif_error_Unsupported_filetype)
        throw UnsupportedFormatError("HEIF uses a feature libheif does not support (" + what + ")");
    throw DecodeError("HEIF data is damaged (" + what + ", libheif error " + std::to_string(e.code) + "." +
                      std::to_string(e.subcode) + ")");
}

struct Context {
    const Libheif& lib;
    heif_context* ctx = nullptr;
    explicit Context(const Libheif& l) : lib(l), ctx(l.context_alloc()) {
        if (!ctx) throw std::bad_alloc();
    }
    ~Context() { lib.context_free(ctx); }
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;
};

struct Handle {
    const Libheif& lib;
    heif_image_handle* handle = nullptr;
    explicit Handle(const Libheif& l) : lib(l) {}
    ~Handle() {
        if (handle) lib.handle_release(handle);
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
};

struct Image {
    const Libheif& lib;
    heif_image* image = nullptr;
    explicit Image(const Libheif& l) : lib(l) {}
    ~Image() {
        if (image) lib.image_release(image);
    }
    Image(const Image&) = delete;
    Image& operator=(const Image&) = delete;
};

struct Picture {
    int width = 0, height = 0, bits = 8;
    bool alpha = false;
    PixelMode own() const { return alpha ? PixelMode::RGBA : PixelMode::RGB; }
};

// An open file: the top-level images, primary first.
struct File {
    const Libheif& lib;
    Context context;
    std::vector<heif_item_id> ids;

    explicit File(ByteSpan data) : lib(checked_libheif()), context(lib) {
        check(lib.read_from_memory(context.ctx, data.data, data.size, nullptr), "container");
        int n = lib.top_level_count(context.ctx);
        if (n <= 0) throw DecodeError("HEIF file holds no image");
        std::vector<heif_item_id> all(static_cast<std::size_t>(n));
        n = lib.top_level_ids(context.ctx, all.data(), n);
        all.resize(static_cast<std::size_t>(std::max(n, 0)));
        heif_item_id primary = 0;
        check(lib.primary_id(context.ctx, &primary), "primary image");
        ids.push_back(primary);
        for (heif_item_id id : all)
            if (id != primary) ids.push_back(id);
    }

    void open(int frame, Handle& h) const {
        check(lib.image_handle(context.ctx, ids[static_cast<std::size_t>(frame)], &h.handle),
              "image " + std::to_string(frame));
    }

    Picture picture(int frame) const {
        Handle h(lib);
        open(frame, h);
        Picture p;
        p.width = lib.handle_width(h.handle);
        p.height = lib.handle_height(h.handle);
        p.alpha = lib.handle_has_alpha(h.handle);
        p.bits = lib.handle_luma_bits(h.handle);
        if (p.width <= 0 || p.height <= 0) throw DecodeError("HEIF image has no size");
        if (p.bits <= 0) p.bits = 8;
        return p;
    }

    std::string icc(int frame) const {
        Handle h(lib);
        open(frame, h);
        std::size_t size = lib.icc_size(h.handle);
        std::string bytes(size, '\0');
        if (size && lib.icc(h.handle, bytes.data()).code != heif_error_Ok) bytes.clear();
        return bytes;
    }

    int frames() const { return static_cast<int>(ids.size()); }
};

// Decodes image `frame` and writes the plan's crop of it into `target`.
void decode_into(const File& file, int frame, const Picture& p, const WholeFramePlan& plan, const PixelTarget& target) {
    Handle h(file.lib);
    file.open(frame, h);
    const bool wide = plan.dtype == DType::U16 && p.bits > 8;
    heif_chroma chroma = wide ? (p.alpha ? heif_chroma_interleaved_RRGGBBAA_LE : heif_chroma_interleaved_RRGGBB_LE)
                              : (p.alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB);
    Image image(file.lib);
    check(file.lib.decode_image(h.handle, &image.image, heif_colorspace_RGB, chroma, nullptr),
          "image " + std::to_string(frame));
    if (file.lib.image_width(image.image, heif_channel_interleaved) != p.width ||
        file.lib.image_height(image.image, heif_channel_interleaved) != p.height)
        throw DecodeError("HEIF image " + std::to_string(frame) + " decodes to another size than its header says");
    int stride = 0;
    const std::uint8_t* pixels = file.lib.plane(image.image, heif_channel_interleaved, &stride);
    if (!pixels) throw DecodeError("HEIF image " + std::to_string(frame) + " gave no pixels");
    const InterleavedFormat from{p.alpha ? 4 : 3, wide};
    std::vector<std::uint16_t> scaled;
    const std::uint32_t max = (1u << p.bits) - 1;
    for (int y = 0; y < plan.crop.height; ++y) {
        const std::uint8_t* row = pixels + static_cast<std::size_t>(plan.crop.y + y) * stride +
                                  static_cast<std::size_t>(plan.crop.x) * from.bytes_per_pixel();
        if (wide) {
            // libheif gives the file's own range (0..1023 at 10 bits): to full scale.
            const auto* s = reinterpret_cast<const std::uint16_t*>(row);
            scaled.resize(static_cast<std::size_t>(plan.crop.width) * from.channels);
            for (std::size_t i = 0; i < scaled.size(); ++i)
                scaled[i] = static_cast<std::uint16_t>((std::min<std::uint32_t>(s[i], max) * 65535u + max / 2) / max);
            row = reinterpret_cast<const std::uint8_t*>(scaled.data());
        }
        convert_interleaved_row(from, row, plan.crop.width, plan.mode, plan.dtype,
                                target.data + y * target.row_stride, target.pixel_stride);
    }
}

void check_frame(const File& file, int frame) {
    if (frame < 0 || frame >= file.frames())
        throw std::invalid_argument("frame " + std::to_string(frame) + " does not exist: the HEIF has " +
                                    std::to_string(file.frames()) + " top-level image(s)");
}

bool brand_is_heif(const std::uint8_t* b) {
    static const char* brands[] = {"heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "mif2"};
    for (const char* brand : brands)
        if (std::memcmp(b, brand, 4) == 0) return true;
    return false;
}

class HeifCodec final : public ImageCodec {
public:
    std::string_view name() const override { return "heif"; }
    std::string description() const override { return "HEIF/HEIC (libheif, opened at run time)"; }
    std::vector<std::string> extensions() const override { return {"heic", "heif", "heics", "heifs", "hif"}; }
    std::string library_version() const override {
        const Libheif& lib = libheif();
        return lib.error.empty() ? std::string("libheif ") + lib.get_version() : "libheif (not installed)";
    }

    // After the AVIF codec in the table, so mif1 files with an AVIF brand
    // went there first.
    bool sniff(ByteSpan head) const override {
        if (head.size < 12 || std::memcmp(head.data + 4, "ftyp", 4) != 0) return false;
        std::size_t box = (static_cast<std::size_t>(head.data[0]) << 24) | (head.data[1] << 16) | (head.data[2] << 8) |
                          head.data[3];
        std::size_t end = std::min(head.size, std::max<std::size_t>(box, 12));
        for (std::size_t at = 8; at + 4 <= end; at += 4)
            if (at != 12 && brand_is_heif(head.data + at)) return true;
        return false;
    }

    ImageInfo probe(ByteSpan data) const override {
        File file(data);
        Picture p = file.picture(0);
        ImageInfo info;
        info.format = "HEIF";
        info.width = p.width;
        info.height = p.height;
        info.components = p.alpha ? 4 : 3;
        info.colorspace = "YCbCr";
        info.subsampling = "unknown";
        info.precision = p.bits;
        info.orientation = 1;  // irot/imir are applied by libheif
        info.has_icc = !file.icc(0).empty();
        info.extra = {
            {"alpha", p.alpha},
            {"frames", static_cast<std::int64_t>(file.frames())},
        };
        return info;
    }

    ImageDecodeResult decode(ByteSpan data, const ImageRequest& request, const TargetProvider& provide_target,
                             Diagnostics&) const override {
        File file(data);
        check_frame(file, request.frame);
        Picture p = file.picture(request.frame);
        WholeFramePlan plan = plan_whole_frame("HEIF", p.width, p.height, 1, p.own(), request,
                                               static_cast<std::uint64_t>(p.width) * p.height);
        ImageDecodeResult result;
        result.shape = plan.shape(1);
        result.meta = {plan.mode, file.icc(request.frame), {}};
        PixelTarget target = with_pixel_stride(provide_target(result.shape), plan);
        decode_into(file, request.frame, p, plan, target);
        return result;
    }

    bool has_frames() const override { return true; }
    std::vector<DType> decode_dtypes() const override { return {DType::U8, DType::U16}; }

    FramesDecodeResult decode_frames(ByteSpan data, const ImageRequest& request,
                                     const FramesTargetProvider& provide_target, Diagnostics&) const override {
        File file(data);
        std::vector<Picture> pictures;
        for (int k = 0; k < file.frames(); ++k) pictures.push_back(file.picture(k));
        for (const Picture& p : pictures)
            if (p.width != pictures[0].width || p.height != pictures[0].height || p.alpha != pictures[0].alpha)
                throw UnsupportedFormatError("HEIF images differ in size or alpha: decode them one by one with frame=");
        const Picture& p = pictures[0];
        WholeFramePlan plan =
            plan_whole_frame("HEIF", p.width, p.height, 1, p.own(), request,
                             static_cast<std::uint64_t>(p.width) * p.height * static_cast<std::uint64_t>(file.frames()));
        FramesDecodeResult result;
        result.shape = {file.frames(), plan.shape(1)};
        result.meta = {plan.mode, file.icc(0), {}};
        FramesTarget target = provide_target(result.shape);
        target.first = with_pixel_stride(target.first, plan);
        for (int k = 0; k < file.frames(); ++k) {
            PixelTarget frame = target.first;
            frame.data += k * target.frame_stride;
            decode_into(file, k, pictures[static_cast<std::size_t>(k)], plan, frame);
        }
        result.durations_ms.assign(static_cast<std::size_t>(file.frames()), 0);
        return result;
    }
};

}  // namespace

const ImageCodec& codec() {
    static const HeifCodec instance;
    return instance;
}

}  // namespace mediaview::heif
