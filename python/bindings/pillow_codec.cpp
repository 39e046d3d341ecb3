#include "pillow_codec.hpp"

#include <pybind11/stl.h>

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "decoders/table.hpp"
#include "src/interleaved_rows.hpp"

namespace py = pybind11;

namespace mediaview::python {
namespace {

// mediaview._pil_read, set once by use_pillow; never freed (worker threads
// may still hold the table at interpreter exit).
py::object* reader = nullptr;

// Calls a function of the reader with the GIL held, turning its exceptions
// into the core's: Unrecognised/Unreadable are UnsupportedFormatError,
// Damaged a DecodeError, IndexError a bad frame= (ArgumentError), anything
// else Pillow raises a DecodeError in our words.
template <typename... Args>
py::object call(const char* function, Args&&... args) {
    try {
        return reader->attr(function)(std::forward<Args>(args)...);
    } catch (py::error_already_set& e) {
        std::string message = py::str(e.value());
        if (e.matches(reader->attr("Unrecognised")) || e.matches(reader->attr("Unreadable")))
            throw UnsupportedFormatError(message);
        if (e.matches(reader->attr("Damaged"))) throw DecodeError(message);
        if (e.matches(reader->attr("Limited"))) throw LimitError(message);
        if (e.matches(PyExc_IndexError)) throw std::invalid_argument(message);  // frame= past the last frame
        if (e.matches(PyExc_MemoryError)) throw LimitError("the image needs more memory than there is");
        if (e.matches(PyExc_KeyboardInterrupt)) throw;
        throw DecodeError("the image could not be decoded (" + std::string(Py_TYPE(e.value().ptr())->tp_name) + ")");
    }
}

// The Arrow C data interface's array (a stable ABI: arrow.apache.org/docs/format/CDataInterface.html),
// as Pillow exports its own image memory.
struct ArrowArray {
    std::int64_t length, null_count, offset, n_buffers, n_children;
    const void** buffers;
    ArrowArray** children;
    ArrowArray* dictionary;
    void (*release)(ArrowArray*);
    void* private_data;
};

// Decoded rows as Pillow hands them over: packed in the layout asked for,
// or Pillow's own memory (4 bytes a pixel for its 3- and 4-channel modes).
struct Rows {
    const std::uint8_t* data = nullptr;
    InterleavedFormat format;
    std::size_t pixel_bytes() const { return static_cast<std::size_t>(format.bytes_per_pixel()); }
};

// Which bytes these are, for the reader's sniff-then-open cache.
py::tuple key_of(ByteSpan data) {
    return py::make_tuple(reinterpret_cast<std::uintptr_t>(data.data), data.size);
}

PixelMode layout_mode(const std::string& layout) {
    if (layout == "L") return PixelMode::L;
    if (layout == "LA") return PixelMode::LA;
    if (layout == "RGBA") return PixelMode::RGBA;
    if (layout == "CMYK") return PixelMode::CMYK;
    return PixelMode::RGB;
}

// One file opened by Pillow (its header read, no pixel decoded), held by C++
// code that runs without the GIL: the Python objects are dropped, and the
// view of the core's bytes released, with the GIL taken.
class Opened {
public:
    Opened(ByteSpan data, int frame) {
        py::gil_scoped_acquire gil;
        try {
            read_header(data, frame);
        } catch (...) {
            drop();  // members die after the GIL is given back: drop them now
            throw;
        }
    }
    ~Opened() {
        py::gil_scoped_acquire gil;
        drop();
    }
    Opened(const Opened&) = delete;
    Opened& operator=(const Opened&) = delete;

    void read_header(ByteSpan data, int frame) {
        view_ = py::memoryview::from_memory(const_cast<std::uint8_t*>(data.data), static_cast<py::ssize_t>(data.size), true);
        py::tuple h = call("open_image", view_, frame, key_of(data));
        image_ = h[0];
        format = h[1].cast<std::string>();
        description = h[2].cast<std::string>();
        width = h[3].cast<int>();
        height = h[4].cast<int>();
        own = layout_mode(h[5].cast<std::string>());
        wide = h[6].cast<bool>();
        orientation = h[7].cast<int>();
        icc = h[8].cast<std::string>();
        exif = h[9].cast<std::string>();
        dpi_x = h[10].cast<double>();
        dpi_y = h[11].cast<double>();
        frames = h[12].cast<int>();
        pillow_mode = h[13].cast<std::string>();
    }

    // With the GIL held: closes the image and releases the view of the
    // core's bytes, which Python must not read once the call returns.
    void drop() {
        pixels_ = py::object();
        if (image_) {
            try {
                image_.attr("close")();
            } catch (py::error_already_set&) {
            }
        }
        image_ = py::object();
        try {
            view_.attr("release")();
        } catch (py::error_already_set&) {
        }
        view_ = py::object();
    }

    // Decodes the current frame as `layout` (16-bit when `wide`); with
    // `in_place`, Pillow's own memory where it allows (no packing copy).
    // Valid until the next call; `truncated` says why rows are missing.
    Rows load(PixelMode layout, bool as_wide, bool in_place, std::string& truncated) {
        py::gil_scoped_acquire gil;
        pixels_ = py::object();
        py::tuple got = call("load", image_, std::string(pixel_mode_name(layout)), as_wide, in_place);
        pixels_ = got;  // the capsule and the image it exports stay alive with the tuple
        truncated = got[1].is_none() ? std::string() : got[1].cast<std::string>();
        PyObject* pixels = got[0].ptr();
        const std::size_t count = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
        Rows rows;
        rows.format = {channels_of(layout), as_wide};
        if (PyBytes_Check(pixels)) {
            rows.data = reinterpret_cast<const std::uint8_t*>(PyBytes_AS_STRING(pixels));
            if (static_cast<std::size_t>(PyBytes_GET_SIZE(pixels)) != count * rows.pixel_bytes())
                throw DecodeError(format + ": the decoder gave an image of another size");
            return rows;
        }
        auto* array = static_cast<ArrowArray*>(PyCapsule_GetPointer(pixels, "arrow_array"));
        if (!array || static_cast<std::size_t>(array->length) != count) {
            PyErr_Clear();
            throw DecodeError(format + ": the decoder gave an image of another size");
        }
        if (array->n_children == 1) {  // a fixed-size list of 4 bytes a pixel
            const ArrowArray* child = array->children[0];
            rows.format = {4, false};
            rows.data = static_cast<const std::uint8_t*>(child->buffers[1]) + array->offset * 4 + child->offset;
        } else {
            rows.data = static_cast<const std::uint8_t*>(array->buffers[1]) + array->offset * rows.pixel_bytes();
        }
        return rows;
    }

    // Moves to frame `k` of an animation; its size must be the first frame's.
    void seek(int k) {
        py::gil_scoped_acquire gil;
        call("seek", image_, k);
        if (image_.attr("width").cast<int>() != width || image_.attr("height").cast<int>() != height)
            throw UnsupportedFormatError(format + " frames differ in size: decode them one by one with frame=");
    }
    int duration_ms() {
        py::gil_scoped_acquire gil;
        return call("frame_duration", image_).cast<int>();
    }
    int loop_count() {
        py::gil_scoped_acquire gil;
        return call("loop_count", image_).cast<int>();
    }

    std::string format, description, icc, exif, pillow_mode;
    int width = 0, height = 0, orientation = 1, frames = 1;
    PixelMode own = PixelMode::RGB;
    bool wide = false;
    double dpi_x = 0, dpi_y = 0;

private:
    py::object view_, image_, pixels_;
};

// The plan of a request for this file: the generic whole-frame rules, with
// the file's own depth as the default dtype, and CMYK kept as it is stored
// (asked for, or the file's own layout) or else converted to RGB by Pillow.
WholeFramePlan plan_for(const Opened& o, const ImageRequest& request, std::uint64_t pixels) {
    ImageRequest r = request;
    if (!r.dtype && o.wide) r.dtype = DType::U16;
    const bool keep_cmyk = o.own == PixelMode::CMYK && (!r.mode || *r.mode == PixelMode::CMYK);
    if (keep_cmyk) {
        r.mode = PixelMode::RGBA;  // the same four channels, copied as they are
        if (r.dtype && *r.dtype != DType::U8)
            throw std::invalid_argument(o.format + " CMYK decodes to uint8, not " + std::string(dtype_name(*r.dtype)));
    }
    PixelMode own = o.own == PixelMode::CMYK ? PixelMode::RGB : o.own;
    WholeFramePlan plan = plan_whole_frame(o.format.c_str(), o.width, o.height, o.orientation, own, r, pixels);
    if (keep_cmyk) plan.mode = PixelMode::CMYK;
    return plan;
}

// What Pillow is asked to decode into for this plan.
PixelMode source_layout(const Opened& o, const WholeFramePlan& plan) {
    if (o.own == PixelMode::CMYK) return plan.mode == PixelMode::CMYK ? PixelMode::CMYK : PixelMode::RGB;
    return o.own;
}

// Whether Pillow's own memory (4 bytes a pixel) can be read for this plan:
// an RGB image's fourth byte is not a real alpha, so outputs with alpha or
// padding read packed rows.
bool in_place_fits(PixelMode layout, const WholeFramePlan& plan) {
    const bool has_fourth = plan.mode == PixelMode::RGBA || plan.mode == PixelMode::BGRA ||
                            plan.mode == PixelMode::LA || plan.mode == PixelMode::RGBX;
    return !(layout == PixelMode::RGB && has_fourth);
}

// Pillow's 4-byte RGB pixels to packed RGB: the common case, kept to a loop
// the compiler unrolls (the generic conversion is several times slower).
void drop_fourth_byte(const std::uint8_t* in, int width, std::uint8_t* out) {
    for (int x = 0; x < width; ++x, in += 4, out += 3) {
        out[0] = in[0];
        out[1] = in[1];
        out[2] = in[2];
    }
}

// The one copy: the plan's crop of Pillow's rows into the target, converted.
void copy_into(const Rows& rows, const Opened& o, const WholeFramePlan& plan, const PixelTarget& target) {
    const std::size_t in_pixel = rows.pixel_bytes();
    const std::size_t in_row = in_pixel * static_cast<std::size_t>(o.width);
    const bool cmyk = plan.mode == PixelMode::CMYK;
    const bool same = !cmyk && rows.format.channels == plan.channels() &&
                      default_mode_for_channels(plan.channels()) == plan.mode &&
                      (plan.dtype == DType::U16) == rows.format.wide && target.pixel_stride == static_cast<Index>(in_pixel);
    const bool packs_rgb = rows.format.channels == 4 && !rows.format.wide && plan.mode == PixelMode::RGB &&
                           plan.dtype == DType::U8 && target.pixel_stride == 3;
    for (int y = 0; y < plan.crop.height; ++y) {
        const std::uint8_t* in = rows.data + (plan.crop.y + y) * in_row + plan.crop.x * in_pixel;
        std::uint8_t* out = target.data + y * target.row_stride;
        if (packs_rgb) {
            drop_fourth_byte(in, plan.crop.width, out);
        } else if (same || (cmyk && target.pixel_stride == 4)) {
            std::memcpy(out, in, in_pixel * static_cast<std::size_t>(plan.crop.width));
        } else if (cmyk) {
            for (int x = 0; x < plan.crop.width; ++x) std::memcpy(out + x * target.pixel_stride, in + x * 4, 4);
        } else {
            convert_interleaved_row(rows.format, in, plan.crop.width, plan.mode, plan.dtype, out, target.pixel_stride);
        }
    }
}

void report_truncation(const std::string& truncated, const ImageRequest& request, Diagnostics& diagnostics) {
    if (truncated.empty()) return;
    if (request.strict || !request.allow_truncated)
        throw request.allow_truncated ? DecodeError(truncated)
                                      : DecodeError(truncated, pass_allow_truncated("to keep what was decoded"));
    diagnostics.warn(truncated);
}

ImageMeta meta_of(const Opened& o, PixelMode mode) {
    ImageMeta meta;
    meta.mode = mode;
    meta.icc = o.icc;
    meta.exif = o.exif;
    meta.dpi_x = o.dpi_x;
    meta.dpi_y = o.dpi_y;
    return meta;
}

class PillowCodec final : public ImageCodec {
public:
    std::string_view name() const override { return "pillow"; }
    std::string description() const override {
        return "every other image Pillow reads (BMP, ICO, TGA, PNM, QOI, PCX, SGI, DDS, ...), copied once into "
               "mediaview's buffer";
    }
    std::vector<std::string> extensions() const override {
        py::gil_scoped_acquire gil;
        std::vector<std::string> out;
        py::list formats;
        append_pillow_formats(formats);
        for (py::handle f : formats)
            for (py::handle ext : f["extensions"]) out.push_back(ext.cast<std::string>());
        return out;
    }
    std::string library_version() const override {
        py::gil_scoped_acquire gil;
        return "Pillow " + call("version").cast<std::string>();
    }
    bool sniff(ByteSpan head) const override {
        if (head.size == 0) return false;
        py::gil_scoped_acquire gil;
        py::memoryview view = py::memoryview::from_memory(const_cast<std::uint8_t*>(head.data), static_cast<py::ssize_t>(head.size), true);
        bool known = call("sniff", view, key_of(head)).cast<bool>();
        try {
            view.attr("release")();
        } catch (py::error_already_set&) {
        }
        return known;
    }

    ImageInfo probe(ByteSpan data) const override {
        Opened o(data, 0);
        ImageInfo info;
        info.format = o.format;
        info.width = o.width;
        info.height = o.height;
        info.components = channels_of(o.own);
        info.colorspace = o.own == PixelMode::CMYK ? "CMYK" : o.own == PixelMode::L || o.own == PixelMode::LA ? "Gray" : "RGB";
        info.subsampling = o.own == PixelMode::L || o.own == PixelMode::LA ? "gray" : "unknown";
        info.precision = o.wide ? 16 : 8;
        info.orientation = o.orientation;
        info.has_icc = !o.icc.empty();
        info.extra = {{"via", std::string("Pillow")},
                      {"pillow_mode", o.pillow_mode},
                      {"description", o.description},
                      {"frames", static_cast<std::int64_t>(o.frames)}};
        return info;
    }

    ImageDecodeResult decode(ByteSpan data, const ImageRequest& request, const TargetProvider& provide_target,
                             Diagnostics& diagnostics) const override {
        Opened o(data, request.frame);
        WholeFramePlan plan = plan_for(o, request, static_cast<std::uint64_t>(o.width) * o.height);
        ImageDecodeResult result;
        result.shape = plan.shape(o.orientation);
        result.orientation = o.orientation;
        result.meta = meta_of(o, plan.mode);
        PixelTarget target = with_pixel_stride(provide_target(result.shape), plan);
        std::string truncated;
        PixelMode layout = source_layout(o, plan);
        Rows rows = o.load(layout, o.wide, in_place_fits(layout, plan), truncated);
        report_truncation(truncated, request, diagnostics);
        copy_into(rows, o, plan, target);
        return result;
    }

    bool has_frames() const override { return true; }

    FramesDecodeResult decode_frames(ByteSpan data, const ImageRequest& request,
                                     const FramesTargetProvider& provide_target, Diagnostics& diagnostics) const override {
        Opened o(data, 0);
        WholeFramePlan plan =
            plan_for(o, request, static_cast<std::uint64_t>(o.width) * o.height * static_cast<std::uint64_t>(o.frames));
        FramesDecodeResult result;
        result.shape = {o.frames, plan.shape(1)};
        result.meta = meta_of(o, plan.mode);
        result.loop_count = o.loop_count();
        FramesTarget target = provide_target(result.shape);
        target.first = with_pixel_stride(target.first, plan);
        PixelMode layout = source_layout(o, plan);
        for (int k = 0; k < o.frames; ++k) {
            if (k) o.seek(k);
            std::string truncated;
            Rows rows = o.load(layout, o.wide, in_place_fits(layout, plan), truncated);
            if (!truncated.empty())
                truncated += " (frame " + std::to_string(k + 1) + " of " + std::to_string(o.frames) + ")";
            report_truncation(truncated, request, diagnostics);
            PixelTarget frame = target.first;
            frame.data += k * target.frame_stride;
            copy_into(rows, o, plan, frame);
            result.durations_ms.push_back(o.duration_ms());
        }
        return result;
    }
};

PillowCodec* adapter = nullptr;
CodecTable* with_pillow = nullptr;

}  // namespace

const CodecTable& image_codecs() { return with_pillow ? *with_pillow : codecs(); }

const ImageCodec* pillow_codec() { return adapter; }

void append_pillow_formats(py::list& out) {
    if (!reader) return;
    std::vector<std::string> names, extensions;
    for (const Codec* c : codecs().all()) {
        if (c->kind() != MediaKind::Image) continue;
        names.emplace_back(c->name());
        for (const std::string& ext : c->extensions()) extensions.push_back(ext);
    }
    py::list found = call("formats", names, extensions);
    for (py::handle entry : found) {
        py::tuple t = entry.cast<py::tuple>();
        py::dict f;
        f["name"] = t[0];
        f["kind"] = "image";
        f["codec"] = "pillow";
        f["description"] = t[1];
        f["extensions"] = t[2];
        f["can_read"] = true;
        f["can_write"] = t[3];  // written through Pillow by write_image
        f["lossy"] = false;
        f["options"] = py::list();
        f["modes"] = py::list();
        py::list dtypes;
        dtypes.append("uint8");
        f["dtypes"] = dtypes;
        f["read_modes"] = py::list();  // not stated (the keys every image format has)
        f["read_dtypes"] = py::list();
        f["scales"] = py::list();
        f["via"] = "Pillow";
        f["writer"] = t[3].cast<bool>() ? py::object(py::str("pillow")) : py::object(py::none());
        f["pages"] = false;  // Pillow's multi-page writers go through write_frames' Pillow path
        out.append(f);
    }
}

void bind_pillow(py::module_& m) {
    m.def(
        "use_pillow",
        [](py::object module) {
            if (reader) return;
            reader = new py::object(std::move(module));
            adapter = new PillowCodec();
            std::vector<const Codec*> all = codecs().all();
            all.push_back(adapter);
            with_pillow = new CodecTable(std::move(all));
        },
        py::arg("reader"),
        "Registers mediaview._pil_read: the images no codec of ours reads are then read through Pillow.");
}

}  // namespace mediaview::python
