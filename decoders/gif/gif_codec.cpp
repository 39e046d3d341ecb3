#include "gif_codec.hpp"

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "compositor.hpp"
#include "gif_reader.hpp"
#include "raw_frames.hpp"

namespace mediaview::gif {
namespace {

// What a walk over every record tells, without decoding a pixel.
struct Walk {
    int width = 0, height = 0;
    int frames = 0;                 // complete frames
    bool truncated = false;         // the data ends inside a frame
    bool missing_trailer = false;   // the data ends after a frame, without ';'
    int loop_count = -1;
    int first_transparency = -1;
    bool grey = false;
    bool interlaced = false;
    std::string version;
    std::vector<int> durations_ms;
};

Walk walk(ByteSpan data) {
    Reader reader(data);
    Walk w;
    w.width = reader.width();
    w.height = reader.height();
    w.version = reader.version();
    FrameHeader f;
    try {
        for (;;) {
            bool more;
            try {
                more = reader.next_frame(f);
            } catch (const Truncated&) {
                w.missing_trailer = w.frames > 0;
                w.truncated = w.frames == 0;
                break;
            }
            if (!more) break;
            if (w.frames == 0) {
                w.first_transparency = f.transparency;
                w.grey = f.palette.grey_ramp;
                w.interlaced = f.interlaced;
            }
            reader.skip_rows();
            w.durations_ms.push_back(f.delay_ms);
            ++w.frames;
        }
    } catch (const Truncated&) {
        w.truncated = true;
    } catch (const DecodeError&) {
        // Damage after complete frames: they still decode, as after a cut.
        if (w.frames == 0) throw;
        w.truncated = true;
    }
    w.loop_count = reader.loop_count();
    return w;
}

std::string size_text(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

void check_limits(std::uint64_t pixels, std::uint64_t max_pixels, const std::string& what) {
    if (max_pixels != 0 && pixels > max_pixels)
        throw LimitError("GIF " + what + " = " + std::to_string(pixels) + " pixels",
                         above_limit("max_pixels", max_pixels));
}

PixelMode own_mode(bool grey, int transparency) {
    if (grey) return transparency >= 0 ? PixelMode::LA : PixelMode::L;
    return transparency >= 0 ? PixelMode::RGBA : PixelMode::RGB;
}

PixelMode mode_of(const ImageRequest& request, bool grey, int transparency) {
    if (request.mode == PixelMode::P && !request.raw_frames && request.frame > 0)
        throw ArgumentError("mode", "mode='P' gives a composited GIF's first frame only (later frames mix "
                                    "palettes; Pillow makes them RGB): pass frames='raw' for frame " +
                                        std::to_string(request.frame) + "'s own indices, or another mode");
    if (request.dtype && *request.dtype != DType::U8) throw std::invalid_argument("GIF decodes to uint8 only");
    PixelMode mode = request.mode.value_or(own_mode(grey, transparency));
    if (mode == PixelMode::CMYK)
        throw std::invalid_argument("GIF decodes to RGB, BGR, RGBA, BGRA, RGBX, L or LA, not mode CMYK");
    return mode;
}


std::string truncated_text(int frames) {
    return "GIF data is truncated (or damaged): " + std::to_string(frames) + " complete frame(s) before it ends";
}

// A file that ends after a complete frame without its trailer: nothing of
// the frames read is missing, but frames after them may be.
void report_missing_trailer(const Walk& w, const ImageRequest& request, Diagnostics& diagnostics) {
    if (!w.missing_trailer) return;
    std::string message = "GIF ends without its trailer after " + std::to_string(w.frames) + " frame(s)";
    if (request.strict) throw DecodeError(message);
    diagnostics.warn(message);
}

// The palette of mode P (and of view.obj.frames), RGBA when transparent.
void set_palette(ImageMeta& meta, const FrameHeader& f) {
    meta.palette = palette_bytes(f, f.transparency >= 0, meta.palette_channels);
}

// Pillow's frame 0 of a palette GIF: outside the frame's rectangle, the
// transparent index, else 0. Raw frames are zeros around their rectangle.
std::uint8_t fill_of(const ImageRequest& request, const FrameHeader& f) {
    if (request.raw_frames || request.mode != PixelMode::P || f.transparency < 0) return 0;
    return static_cast<std::uint8_t>(f.transparency);
}

// Frame k as stored (frames="raw"), or frame 0's indices (mode P).
ImageDecodeResult decode_uncomposited(ByteSpan data, const ImageRequest& request, const TargetProvider& provide_target,
                                      Diagnostics& diagnostics) {
    Reader reader(data);
    const int w = reader.width(), h = reader.height();
    FrameHeader f;
    int frames = 0;
    try {
        for (;; ++frames) {
            if (!reader.next_frame(f)) {
                if (frames == 0) throw DecodeError("the GIF holds no image");
                throw std::invalid_argument("frame " + std::to_string(request.frame) + " does not exist: the GIF has " +
                                            std::to_string(frames) + " frame(s)");
            }
            if (frames == request.frame) break;
            reader.skip_rows();
        }
    } catch (const Truncated&) {
        throw DecodeError(truncated_text(frames) + " (before frame " + std::to_string(request.frame) + ")");
    }
    PixelMode mode = mode_of(request, f.palette.grey_ramp, f.transparency);
    CropRect crop = checked_crop(request, w, h, 1);
    ImageDecodeResult result;
    result.shape = {crop.width, crop.height, channels_of(mode), 1, DType::U8};
    result.meta.mode = mode;
    if (mode == PixelMode::P) set_palette(result.meta, f);
    if (request.raw_frames) {
        result.meta.frames.push_back(frame_fields(f));
        int unused = 3;
        result.meta.frame_palettes.push_back(palette_bytes(f, false, unused));
    }
    PixelTarget target = provide_target(result.shape);
    if (target.pixel_stride == 0) target.pixel_stride = channels_of(mode);
    int rows = 0;
    try {
        draw_raw(reader, f, w, h, crop, mode, fill_of(request, f), target, rows);
    } catch (const Truncated&) {
        if (!request.allow_truncated || request.strict)
            throw request.allow_truncated ? DecodeError(truncated_text(frames), because_strict())
                                          : DecodeError(truncated_text(frames),
                                                        pass_allow_truncated("to get the partial frame"));
        diagnostics.warn("GIF data is truncated: frame " + std::to_string(request.frame) + " has " +
                         std::to_string(rows) + " of " + std::to_string(f.height) + " rows");
    }
    return result;
}

class GifCodec final : public ImageCodec {
public:
    std::string_view name() const override { return "gif"; }
    std::string description() const override { return "GIF (giflib)"; }
    std::vector<std::string> extensions() const override { return {"gif"}; }
    std::string library_version() const override {
        return "giflib " + std::to_string(GIFLIB_MAJOR) + "." + std::to_string(GIFLIB_MINOR) + "." +
               std::to_string(GIFLIB_RELEASE);
    }

    bool sniff(ByteSpan head) const override {
        return head.size >= 6 &&
               (std::memcmp(head.data, "GIF87a", 6) == 0 || std::memcmp(head.data, "GIF89a", 6) == 0);
    }

    ImageInfo probe(ByteSpan data) const override {
        Walk w = walk(data);
        if (w.frames == 0 && w.truncated) throw DecodeError("GIF data is truncated before its first frame ends");
        ImageInfo info;
        info.format = "GIF";
        info.width = w.width;
        info.height = w.height;
        info.components = channels_of(own_mode(w.grey, w.first_transparency));
        info.colorspace = w.grey ? "Gray" : "RGB";
        info.subsampling = "444";
        info.precision = 8;
        info.extra = {
            {"version", w.version},
            {"frames", static_cast<std::int64_t>(w.frames)},
            {"animated", w.frames > 1},
            {"loop_count", static_cast<std::int64_t>(w.loop_count < 0 ? 1 : w.loop_count)},
            {"transparency", w.first_transparency >= 0},
            {"interlaced", w.interlaced},
            {"truncated", w.truncated || w.missing_trailer},
        };
        return info;
    }

    ImageDecodeResult decode(ByteSpan data, const ImageRequest& request, const TargetProvider& provide_target,
                             Diagnostics& diagnostics) const override {
        if (request.frame < 0) throw std::invalid_argument("frame must be 0 or more");
        Reader reader(data);
        const int w = reader.width(), h = reader.height();
        check_limits(static_cast<std::uint64_t>(w) * h, request.max_pixels, "screen is " + size_text(w, h));
        if (request.raw_frames || request.mode == PixelMode::P)
            return decode_uncomposited(data, request, provide_target, diagnostics);
        if (request.frame > 0) {
            Walk count = walk(data);
            // In a cut file the frame may have been there: the decode says truncated.
            if (request.frame >= count.frames && !count.truncated && !count.missing_trailer)
                throw std::invalid_argument("frame " + std::to_string(request.frame) + " does not exist: the GIF has " +
                                            std::to_string(count.frames) + " complete frame(s)");
        }
        Compositor compositor(reader);
        bool ended = false;
        int partial_rows = -1;
        try {
            for (int i = 0; i <= request.frame; ++i)
                if (!compositor.next()) {
                    ended = true;
                    break;
                }
        } catch (const Truncated&) {
            if (compositor.frames_done() < request.frame || !request.allow_truncated || request.strict)
                throw request.allow_truncated ? DecodeError(truncated_text(compositor.frames_done()))
                                              : DecodeError(truncated_text(compositor.frames_done()),
                                                            pass_allow_truncated("to get the partial frame"));
            partial_rows = compositor.rows_done();
        }
        if (ended) {
            if (compositor.frames_done() == 0) throw DecodeError("the GIF holds no image");
            throw std::invalid_argument("frame " + std::to_string(request.frame) + " does not exist: the GIF has " +
                                        std::to_string(compositor.frames_done()) + " frame(s)");
        }
        PixelMode mode = mode_of(request, compositor.grey(), compositor.has_alpha() ? 0 : -1);
        CropRect crop = checked_crop(request, w, h, 1);
        ImageDecodeResult result;
        result.shape = {crop.width, crop.height, channels_of(mode), 1, DType::U8};
        result.meta.mode = mode;
        PixelTarget target = provide_target(result.shape);
        if (target.pixel_stride == 0) target.pixel_stride = channels_of(mode);
        compositor.write(crop, mode, target);
        if (partial_rows >= 0)
            diagnostics.warn("GIF data is truncated: frame " + std::to_string(request.frame) + " has " +
                             std::to_string(partial_rows) + " of " + std::to_string(compositor.frame().height) +
                             " rows");
        return result;
    }

    bool has_frames() const override { return true; }
    bool decodes_palette() const override { return true; }
    bool decodes_raw_frames() const override { return true; }
    std::vector<PixelMode> decode_modes() const override {
        return {PixelMode::RGB, PixelMode::BGR, PixelMode::RGBA, PixelMode::BGRA, PixelMode::RGBX,
                PixelMode::L,   PixelMode::LA,  PixelMode::P};
    }
    std::vector<DType> decode_dtypes() const override { return {DType::U8}; }

    FramesDecodeResult decode_frames(ByteSpan data, const ImageRequest& request,
                                     const FramesTargetProvider& provide_target,
                                     Diagnostics& diagnostics) const override {
        Walk w = walk(data);
        if (w.truncated) {
            if (!request.allow_truncated || request.strict || w.frames == 0)
                throw w.frames && !request.allow_truncated
                          ? DecodeError(truncated_text(w.frames), pass_allow_truncated("to get them"))
                          : DecodeError(truncated_text(w.frames));
            diagnostics.warn(truncated_text(w.frames));
        }
        report_missing_trailer(w, request, diagnostics);
        if (w.frames == 0) throw DecodeError("the GIF holds no image");
        check_limits(static_cast<std::uint64_t>(w.width) * w.height * static_cast<std::uint64_t>(w.frames),
                     request.max_pixels, std::to_string(w.frames) + " frame(s) of " + size_text(w.width, w.height));
        PixelMode mode = mode_of(request, w.grey, w.first_transparency);
        CropRect crop = checked_crop(request, w.width, w.height, 1);
        FramesDecodeResult result;
        result.shape = {w.frames, {crop.width, crop.height, channels_of(mode), 1, DType::U8}};
        result.meta.mode = mode;
        result.durations_ms = w.durations_ms;
        result.loop_count = w.loop_count < 0 ? 1 : w.loop_count;
        FramesTarget target = provide_target(result.shape);
        if (target.first.pixel_stride == 0) target.first.pixel_stride = channels_of(mode);
        Reader reader(data);
        if (request.raw_frames) {
            raw_frames(reader, w.frames, crop, mode, target, result.meta);
            return result;
        }
        if (mode == PixelMode::P && w.frames > 1)
            throw ArgumentError("mode", "mode='P' gives a composited GIF's first frame only (later frames mix "
                                        "palettes; Pillow makes them RGB): pass frames='raw' for every frame's own "
                                        "indices, or another mode");
        if (mode == PixelMode::P) {
            FrameHeader f;
            reader.next_frame(f);
            set_palette(result.meta, f);
            int rows = 0;
            draw_raw(reader, f, w.width, w.height, crop, mode, fill_of(request, f), target.first, rows);
            return result;
        }
        Compositor compositor(reader);
        for (int i = 0; i < w.frames; ++i) {
            if (!compositor.next()) throw DecodeError("GIF frame " + std::to_string(i) + " vanished on a second read");
            PixelTarget frame = target.first;
            frame.data += i * target.frame_stride;
            compositor.write(crop, mode, frame);
        }
        return result;
    }

private:
    // Every frame as stored, with its fields and colour table in `meta`.
    static void raw_frames(Reader& reader, int frames, const CropRect& crop, PixelMode mode, const FramesTarget& target,
                           ImageMeta& meta) {
        const int sw = reader.width(), sh = reader.height();
        for (int i = 0; i < frames; ++i) {
            FrameHeader f;
            if (!reader.next_frame(f)) throw DecodeError("GIF frame " + std::to_string(i) + " vanished on a second read");
            if (i == 0 && mode == PixelMode::P) {
                // view.obj.palette: the global table, else frame 0's (each frame's own is in view.obj.frames).
                FrameHeader table;
                table.palette = reader.has_global_palette() ? reader.global_palette() : f.palette;
                set_palette(meta, table);
            }
            meta.frames.push_back(frame_fields(f));
            int channels = 3;
            meta.frame_palettes.push_back(palette_bytes(f, false, channels));
            PixelTarget frame = target.first;
            frame.data += i * target.frame_stride;
            int rows = 0;
            draw_raw(reader, f, sw, sh, crop, mode, 0, frame, rows);
        }
    }
};

}  // namespace

const ImageCodec& codec() {
    static const GifCodec instance;
    return instance;
}

}  // namespace mediaview::gif
