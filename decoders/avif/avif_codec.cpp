// The AVIF decoder. libavif parses the container and drives dav1d; each
// frame is converted from YUV with avifImageYUVToRGB, straight into the
// caller's rows where their layout is one libavif writes (RGB, RGBA, BGR,
// BGRA at the asked depth, no crop), else into one scratch frame that is
// converted (mode, crop) into the target.
//
// Bit depth: 8-bit output is libavif's own conversion at rgb.depth 8, as
// Pillow asks for it, so 10/12-bit files give Pillow's uint8 values;
// dtype="uint16" asks libavif for depth 16, full scale (a 10-bit 1023 is
// 65535), as PNG's uint16 is.
//
// Orientation: irot/imir, as an EXIF orientation; the EXIF block's own tag
// is reported (exif_orientation) but does not orient, as MIAF says and
// Pillow does (libavif's writer stores the EXIF orientation as irot/imir).
//
// libavif prints nothing; every failure is a status code made typed here.
#include "avif_codec.hpp"

#include <avif/avif.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/exif.hpp"
#include "src/interleaved_rows.hpp"
#include "src/stderr_filter.hpp"

namespace mediaview::avif {
namespace {

struct DecoderDelete {
    void operator()(avifDecoder* d) const { avifDecoderDestroy(d); }
};
using Decoder = std::unique_ptr<avifDecoder, DecoderDelete>;

[[noreturn]] void throw_result(avifResult result, const std::string& what) {
    switch (result) {
        case AVIF_RESULT_OUT_OF_MEMORY: throw std::bad_alloc();
        case AVIF_RESULT_TRUNCATED_DATA:
            throw DecodeError("AVIF data is truncated (" + what + ")");
        case AVIF_RESULT_NO_CODEC_AVAILABLE:
            throw UnsupportedFormatError("AVIF: this libavif has no AV1 decoder");
        case AVIF_RESULT_NOT_IMPLEMENTED:
        case AVIF_RESULT_UNSUPPORTED_DEPTH:
            throw UnsupportedFormatError("AVIF uses a feature libavif does not support (" + what + ")");
        case AVIF_RESULT_INVALID_FTYP:
            throw DecodeError("not an AVIF file (its ftyp box names no AVIF brand)");
        default:
            throw DecodeError("AVIF data is damaged (" + what + ": " + avifResultToString(result) + ")");
    }
}

// The TIFF structure of an Exif item: libavif 0.11 hands over the item as
// stored (a 4-byte offset to the TIFF header first, ISO/IEC 23008-12 A.2.1),
// and some writers add JPEG's "Exif\0\0" too.
std::string tiff_of(const avifRWData& exif) {
    std::string bytes(reinterpret_cast<const char*>(exif.data), exif.size);
    auto is_tiff = [&](std::size_t at) {
        return bytes.size() >= at + 4 && (bytes.compare(at, 4, "II*\0", 4) == 0 || bytes.compare(at, 4, "MM\0*", 4) == 0);
    };
    if (is_tiff(0)) return bytes;
    if (bytes.size() >= 4) {
        std::size_t offset = (static_cast<std::size_t>(exif.data[0]) << 24) | (exif.data[1] << 16) |
                             (exif.data[2] << 8) | exif.data[3];
        if (offset < bytes.size() && is_tiff(4 + offset)) return bytes.substr(4 + offset);
    }
    std::size_t at = bytes.find(std::string("Exif\0\0", 6));
    if (at != std::string::npos && is_tiff(at + 6)) return bytes.substr(at + 6);
    return {};
}

struct Header {
    int width = 0, height = 0, depth = 8, frames = 1;
    bool alpha = false;
    int orientation = 1, exif_orientation = 1;
    std::string icc, exif;
    avifPixelFormat yuv = AVIF_PIXEL_FORMAT_NONE;
    avifRange range = AVIF_RANGE_FULL;
    int primaries = 2, transfer = 2, matrix = 2;
    PixelMode own() const { return alpha ? PixelMode::RGBA : PixelMode::RGB; }
};

// The AV1 decoder under Debian's libavif 0.11 (dav1d) logs damaged input to
// stderr itself ("Error parsing OBU data", "Unknown OBU type 12 of size 10")
// through its default logger; our DecodeError says it in the user's terms,
// so the decoding calls run inside a StderrFilter dropping these lines.
bool av1_decoder_noise(const std::string& line) {
    return line.find("OBU") != std::string::npos || line.rfind("Error parsing ", 0) == 0 ||
           line.find("dav1d") != std::string::npos;
}

// The end of the last top-level box, as the boxes' own sizes say (0 when
// they do not parse): past data.size when the file was cut short.
std::uint64_t declared_end(ByteSpan data) {
    std::uint64_t at = 0;
    while (at + 8 <= data.size) {
        const std::uint8_t* b = data.data + at;
        std::uint64_t size = (std::uint64_t{b[0]} << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
        if (size == 1 && at + 16 <= data.size) {
            size = 0;
            for (int i = 8; i < 16; ++i) size = size << 8 | b[i];
        } else if (size == 0) {
            return data.size;  // "to the end of the file"
        }
        if (size < 8) return 0;
        // A box that runs past the bytes we have ends the walk: its end is
        // the file's claimed end (held below 2^64: a hostile size must not
        // wrap `at` back into the data).
        if (size > data.size - at) return size > UINT64_MAX - at ? UINT64_MAX : at + size;
        at += size;
    }
    return at;
}

// Memory IO that knows the size the file claims: a read past the bytes we
// have is short, which libavif reports as AVIF_RESULT_TRUNCATED_DATA (its
// own memory IO says "BMFF parsing failed" for a file cut in its mdat), and
// the frames before the cut still decode.
struct CutIO {
    avifIO io{};
    ByteSpan data;
    explicit CutIO(ByteSpan bytes) : data(bytes) {
        io.destroy = nullptr;
        io.read = &CutIO::read;
        io.write = nullptr;
        io.sizeHint = std::max<std::uint64_t>(declared_end(bytes), bytes.size);
        io.persistent = AVIF_TRUE;  // the bytes outlive the decoder
        io.data = this;
    }
    static avifResult read(avifIO* io, std::uint32_t flags, std::uint64_t offset, std::size_t size, avifROData* out) {
        if (flags != 0) return AVIF_RESULT_IO_ERROR;
        const ByteSpan& bytes = static_cast<CutIO*>(io->data)->data;
        if (offset > bytes.size) return AVIF_RESULT_TRUNCATED_DATA;
        out->data = bytes.data + offset;
        out->size = std::min<std::uint64_t>(size, bytes.size - offset);
        return AVIF_RESULT_OK;
    }
};

// A parsed file: the container read, nothing of the AV1 payload decoded.
// (Members are destroyed in reverse: the decoder before its IO.)
struct Parsed {
    std::unique_ptr<CutIO> io;
    Decoder decoder;
    Header header;
};

// `threads`: dav1d's threads for this decode (ImageRequest::codec_threads).
Parsed parse(ByteSpan data, int threads = 1) {
    Parsed p;
    p.decoder.reset(avifDecoderCreate());
    if (!p.decoder) throw std::bad_alloc();
    avifDecoder* d = p.decoder.get();
    // One dav1d thread a decode in a batch, whose threads= runs one decode
    // a core; a lone decode lets dav1d use the cores (bench/bench_modern.py).
    d->maxThreads = threads;
    d->ignoreXMP = AVIF_TRUE;
    // As Pillow: files from libheif <= 1.11 lack pixi, and invalid clap
    // boxes are common; neither stops a decode (clap is not applied).
    d->strictFlags &= ~(AVIF_STRICT_PIXI_REQUIRED | AVIF_STRICT_CLAP_VALID);
    p.io = std::make_unique<CutIO>(data);
    avifDecoderSetIO(d, &p.io->io);
    // The decoder must not free our struct: libavif destroys a set IO with
    // io->destroy, which CutIO leaves empty.
    StderrFilter quiet(true, av1_decoder_noise);
    avifResult r = avifDecoderParse(d);
    if (r != AVIF_RESULT_OK) throw_result(r, "container");
    const avifImage* image = d->image;
    Header& h = p.header;
    h.width = static_cast<int>(image->width);
    h.height = static_cast<int>(image->height);
    if (h.width <= 0 || h.height <= 0) throw DecodeError("AVIF header gives no image size");
    h.depth = static_cast<int>(image->depth);
    h.frames = d->imageCount > 0 ? d->imageCount : 1;
    h.alpha = d->alphaPresent;
    h.icc.assign(reinterpret_cast<const char*>(image->icc.data), image->icc.size);
    h.exif = tiff_of(image->exif);
    h.exif_orientation = tiff_orientation(reinterpret_cast<const std::uint8_t*>(h.exif.data()), h.exif.size());
    h.orientation = orientation_of_transforms(image->transformFlags & AVIF_TRANSFORM_IROT, image->irot.angle,
                                              image->transformFlags & AVIF_TRANSFORM_IMIR, image->imir.mode);
    h.yuv = image->yuvFormat;
    h.range = image->yuvRange;
    h.primaries = image->colorPrimaries;
    h.transfer = image->transferCharacteristics;
    h.matrix = image->matrixCoefficients;
    return p;
}

std::string size_text(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

// The libavif format that writes `mode` directly, or -1.
int direct_format(PixelMode mode) {
    switch (mode) {
        case PixelMode::RGB: return AVIF_RGB_FORMAT_RGB;
        case PixelMode::RGBA: return AVIF_RGB_FORMAT_RGBA;
        case PixelMode::BGR: return AVIF_RGB_FORMAT_BGR;
        case PixelMode::BGRA: return AVIF_RGB_FORMAT_BGRA;
        default: return -1;
    }
}

// The decoded frame now in `d->image`, converted into `target` as `plan` says.
void convert_frame(const avifDecoder* d, const WholeFramePlan& plan, const PixelTarget& target, int index) {
    const avifImage* image = d->image;
    avifRGBImage rgb;
    avifRGBImageSetDefaults(&rgb, image);
    rgb.depth = plan.dtype == DType::U16 ? 16 : 8;
    const int format = direct_format(plan.mode);
    const bool whole = plan.crop.x == 0 && plan.crop.y == 0 && plan.crop.width == static_cast<int>(image->width) &&
                       plan.crop.height == static_cast<int>(image->height);
    const Index packed = static_cast<Index>(plan.pixel_bytes());
    // libavif 0.11 writes the alpha plane into the first byte of RGB and BGR
    // rows (measured: RGB of an RGBA file had A in R); those go through RGBA.
    const bool alpha_mismatch = image->alphaPlane && !avifRGBFormatHasAlpha(static_cast<avifRGBFormat>(format));
    if (format >= 0 && whole && !alpha_mismatch && target.pixel_stride == packed && target.row_stride >= packed * plan.crop.width &&
        target.row_stride <= static_cast<Index>(UINT32_MAX)) {
        rgb.format = static_cast<avifRGBFormat>(format);
        rgb.pixels = target.data;
        rgb.rowBytes = static_cast<std::uint32_t>(target.row_stride);
        avifResult r = avifImageYUVToRGB(image, &rgb);
        if (r != AVIF_RESULT_OK) throw_result(r, "frame " + std::to_string(index) + " colour conversion");
        return;
    }
    // Scratch: the whole frame as RGBA (alpha opaque where there is none),
    // then the crop converted row by row.
    rgb.format = AVIF_RGB_FORMAT_RGBA;
    const InterleavedFormat from{4, rgb.depth > 8};
    rgb.rowBytes = image->width * static_cast<std::uint32_t>(from.bytes_per_pixel());
    std::vector<std::uint8_t> scratch(static_cast<std::size_t>(rgb.rowBytes) * image->height);
    rgb.pixels = scratch.data();
    avifResult r = avifImageYUVToRGB(image, &rgb);
    if (r != AVIF_RESULT_OK) throw_result(r, "frame " + std::to_string(index) + " colour conversion");
    for (int y = 0; y < plan.crop.height; ++y) {
        const std::uint8_t* row = scratch.data() + static_cast<std::size_t>(plan.crop.y + y) * rgb.rowBytes +
                                  static_cast<std::size_t>(plan.crop.x) * from.bytes_per_pixel();
        convert_interleaved_row(from, row, plan.crop.width, plan.mode, plan.dtype, target.data + y * target.row_stride,
                                target.pixel_stride);
    }
}

// Decodes frame `index` (the next one when `next`): returns false when the
// data ends before it and truncation is allowed (the caller zero-fills and
// warns), throws otherwise.
bool decode_frame(avifDecoder* d, int index, bool next, const ImageRequest& request) {
    StderrFilter quiet(true, av1_decoder_noise);
    avifResult r = next ? avifDecoderNextImage(d) : avifDecoderNthImage(d, static_cast<std::uint32_t>(index));
    if (r == AVIF_RESULT_OK) return true;
    if (r == AVIF_RESULT_TRUNCATED_DATA && request.allow_truncated) return false;
    if (r == AVIF_RESULT_TRUNCATED_DATA)
        throw DecodeError("AVIF data is truncated (frame " + std::to_string(index) + ")",
                          pass_allow_truncated("to keep what was decoded"));
    throw_result(r, "frame " + std::to_string(index));
}

void warn_truncated(Diagnostics& diagnostics, const ImageRequest& request, const std::string& message) {
    if (request.strict) throw DecodeError(message);
    diagnostics.warn(message);
}

const char* subsampling_of(avifPixelFormat f) {
    switch (f) {
        case AVIF_PIXEL_FORMAT_YUV444: return "444";
        case AVIF_PIXEL_FORMAT_YUV422: return "422";
        case AVIF_PIXEL_FORMAT_YUV420: return "420";
        case AVIF_PIXEL_FORMAT_YUV400: return "gray";
        default: return "unknown";
    }
}

class AvifCodec final : public ImageCodec {
public:
    std::string_view name() const override { return "avif"; }
    std::string description() const override { return "AVIF (libavif, dav1d/aom)"; }
    std::vector<std::string> extensions() const override { return {"avif", "avifs"}; }
    std::string library_version() const override {
        char codecs[256] = {0};
        avifCodecVersions(codecs);
        return std::string("libavif ") + avifVersion() + " (" + codecs + ")";
    }

    bool sniff(ByteSpan head) const override {
        if (head.size < 12 || std::memcmp(head.data + 4, "ftyp", 4) != 0) return false;
        // The major brand, or any compatible brand in the first bytes.
        std::size_t box = (static_cast<std::size_t>(head.data[0]) << 24) | (head.data[1] << 16) | (head.data[2] << 8) |
                          head.data[3];
        std::size_t end = std::min(head.size, std::max<std::size_t>(box, 12));
        for (std::size_t at = 8; at + 4 <= end; at += 4) {
            if (at == 12) continue;  // the minor version, not a brand
            if (std::memcmp(head.data + at, "avif", 4) == 0 || std::memcmp(head.data + at, "avis", 4) == 0) return true;
        }
        return false;
    }

    ImageInfo probe(ByteSpan data) const override {
        const Header h = parse(data).header;
        ImageInfo info;
        info.format = "AVIF";
        info.width = h.width;
        info.height = h.height;
        info.components = h.alpha ? 4 : 3;
        info.colorspace = h.yuv == AVIF_PIXEL_FORMAT_YUV400 ? "Gray" : h.matrix == 0 ? "RGB" : "YCbCr";
        info.subsampling = subsampling_of(h.yuv);
        info.precision = h.depth;
        info.orientation = h.orientation;
        info.has_icc = !h.icc.empty();
        info.extra = {
            {"alpha", h.alpha},
            {"frames", static_cast<std::int64_t>(h.frames)},
            {"animated", h.frames > 1},
            {"exif_orientation", static_cast<std::int64_t>(h.exif_orientation)},
            // CICP (ITU-T H.273), as the nclx box or the AV1 stream gives it;
            // nothing is converted here (with an ICC profile, it rules).
            {"color_primaries", static_cast<std::int64_t>(h.primaries)},
            {"transfer_characteristics", static_cast<std::int64_t>(h.transfer)},
            {"matrix_coefficients", static_cast<std::int64_t>(h.matrix)},
            {"full_range", h.range == AVIF_RANGE_FULL},
        };
        return info;
    }

    ImageDecodeResult decode(ByteSpan data, const ImageRequest& request, const TargetProvider& provide_target,
                             Diagnostics& diagnostics) const override {
        Parsed p = parse(data, request.codec_threads);
        const Header& h = p.header;
        WholeFramePlan plan = plan_whole_frame("AVIF", h.width, h.height, h.orientation, h.own(), request,
                                               static_cast<std::uint64_t>(h.width) * h.height);
        if (request.frame < 0 || request.frame >= h.frames)
            throw std::invalid_argument("frame " + std::to_string(request.frame) + " does not exist: the AVIF has " +
                                        std::to_string(h.frames) + " frame(s)");
        ImageDecodeResult result;
        result.orientation = h.orientation;
        result.shape = plan.shape(h.orientation);
        result.meta = {plan.mode, h.icc, h.exif};
        PixelTarget target = with_pixel_stride(provide_target(result.shape), plan);
        if (!decode_frame(p.decoder.get(), request.frame, request.frame == 0, request)) {
            clear_target_rows(target, 0, plan.crop.height, plan.crop.width, plan.pixel_bytes());
            warn_truncated(diagnostics, request,
                           "AVIF data is truncated: 0 of " + std::to_string(plan.crop.height) + " rows decoded");
            return result;
        }
        check_frame_size(p.decoder.get(), h);
        convert_frame(p.decoder.get(), plan, target, request.frame);
        return result;
    }

    bool has_frames() const override { return true; }
    std::vector<DType> decode_dtypes() const override { return {DType::U8, DType::U16}; }

    FramesDecodeResult decode_frames(ByteSpan data, const ImageRequest& request,
                                     const FramesTargetProvider& provide_target,
                                     Diagnostics& diagnostics) const override {
        Parsed p = parse(data, request.codec_threads);
        const Header& h = p.header;
        WholeFramePlan plan =
            plan_whole_frame("AVIF", h.width, h.height, h.orientation, h.own(), request,
                             static_cast<std::uint64_t>(h.width) * h.height * static_cast<std::uint64_t>(h.frames));
        FramesDecodeResult result;
        result.shape = {h.frames, plan.shape(h.orientation)};
        result.meta = {plan.mode, h.icc, h.exif};
        FramesTarget target = provide_target(result.shape);
        target.first = with_pixel_stride(target.first, plan);
        int done = 0;
        for (; done < h.frames; ++done) {
            if (!decode_frame(p.decoder.get(), done, true, request)) break;
            check_frame_size(p.decoder.get(), h);
            PixelTarget frame = target.first;
            frame.data += done * target.frame_stride;
            convert_frame(p.decoder.get(), plan, frame, done);
            result.durations_ms.push_back(static_cast<int>(std::lround(p.decoder->imageTiming.duration * 1000.0)));
        }
        if (done < h.frames) {
            for (int i = done; i < h.frames; ++i) {
                PixelTarget frame = target.first;
                frame.data += i * target.frame_stride;
                clear_target_rows(frame, 0, plan.crop.height, plan.crop.width, plan.pixel_bytes());
                result.durations_ms.push_back(0);
            }
            warn_truncated(diagnostics, request,
                           "AVIF data is truncated: " + std::to_string(done) + " of " + std::to_string(h.frames) +
                               " frames decoded");
        }
        return result;
    }

    bool can_encode() const override { return true; }
    bool lossy() const override { return true; }
    std::vector<OptionSpec> encode_options() const override {
        return {
            {"quality", OptionSpec::Kind::Int, "0-100 (default 75, as Pillow); 100 is lossless-grade quantizers", {}, 0, 100},
            {"speed", OptionSpec::Kind::Int, "0 (slowest, smallest) to 10 (fastest); default 6, as Pillow", {}, 0, 10},
            {"subsampling", OptionSpec::Kind::Text, "chroma subsampling (default 4:2:0)", {"4:2:0", "4:2:2", "4:4:4"}, 0, 0},
            {"bit_depth", OptionSpec::Kind::Int, "8, 10 or 12; default 8 for uint8 pixels, 10 for uint16", {}, 8, 12},
        };
    }
    std::vector<PixelMode> encode_modes() const override {
        return {PixelMode::RGB, PixelMode::BGR, PixelMode::RGBA, PixelMode::BGRA, PixelMode::L, PixelMode::LA};
    }
    std::vector<DType> encode_dtypes() const override { return {DType::U8, DType::U16}; }
    EncodedBytes encode(const StridedArray& pixels, const ImageMeta& meta, const Options& options) const override {
        return avif::encode(pixels, meta, options);
    }

private:
    // The AV1 stream may disagree with the container's ispe (which the
    // limits and the target were sized from): refuse rather than overrun.
    static void check_frame_size(const avifDecoder* d, const Header& h) {
        if (static_cast<int>(d->image->width) != h.width || static_cast<int>(d->image->height) != h.height)
            throw DecodeError("AVIF frame is " + size_text(d->image->width, d->image->height) +
                              ", the header says " + size_text(h.width, h.height));
    }
};

}  // namespace

int orientation_of_transforms(bool has_irot, int angle, bool has_imir, int mirror_mode) {
    angle = has_irot ? angle & 3 : 0;
    if (!has_imir) {
        static const int rotated[] = {1, 8, 3, 6};  // anti-clockwise quarter turns
        return rotated[angle];
    }
    // Rotation first, then the mirror: [angle][mode].
    static const int mirrored[4][2] = {{4, 2}, {5, 7}, {2, 4}, {7, 5}};
    return mirrored[angle][mirror_mode & 1];
}

const ImageCodec& codec() {
    static const AvifCodec instance;
    return instance;
}

}  // namespace mediaview::avif
