// probe, decode_image, decode_frames and encode_image: convert arguments, release the GIL,
// call the core operation, wrap the result.
#include <pybind11/stl.h>

#include <string>

#include "bindings.hpp"
#include "decoders/table.hpp"
#include "error_translation.hpp"
#include "exporter.hpp"
#include "image_request.hpp"
#include "records.hpp"
#include "source.hpp"
#include "src/exif.hpp"
#include "src/operations/decode_frames.hpp"
#include "src/orientation.hpp"
#include "src/operations/decode_image.hpp"
#include "src/operations/encode_image.hpp"
#include "src/resize.hpp"

namespace py = pybind11;

namespace mediaview::python {

ImageRequest make_request(const std::optional<std::string>& mode, const std::optional<std::string>& dtype,
                          bool oriented, int scale_num, int scale_den, int min_width, int min_height,
                          const std::optional<std::tuple<int, int, int, int>>& crop, bool strict,
                          bool allow_truncated, std::uint64_t max_pixels, py::handle resize, int frame) {
    ImageRequest request;
    request.mode = mode ? std::optional<PixelMode>(pixel_mode_from_name(*mode)) : std::nullopt;
    if (dtype) {
        DType t = dtype_from_name(*dtype);
        if (t != DType::U8 && t != DType::U16)
            throw py::value_error("image dtype must be uint8 or uint16, not " + *dtype);
        request.dtype = t;
    }
    request.oriented = oriented;
    request.scale = {scale_num, scale_den, min_width, min_height};
    if (crop) {
        auto [x, y, w, h] = *crop;
        request.crop = CropRect{x, y, w, h};
    }
    request.strict = strict;
    request.allow_truncated = allow_truncated;
    request.max_pixels = max_pixels;
    request.frame = frame;
    if (!resize.is_none()) {
        // (width, height, fit, filter, fill, reducing_gap), checked by the Python wrapper.
        auto [width, height, fit, filter, fill, gap] =
            resize.cast<std::tuple<int, int, std::string, std::string, std::vector<std::uint32_t>, double>>();
        request.resize = ResizeRequest{width, height, fit_from_name(fit), resize_filter_from_name(filter), fill, gap};
    }
    return request;
}

// What the view says of itself: an upright view's EXIF says orientation 1.
ViewDescription describe(const ImageMeta& meta, bool oriented, int meta_orientation) {
    std::string exif = oriented && !meta.exif.empty() ? with_tiff_orientation(meta.exif, 1) : meta.exif;
    ViewDescription d{std::string(pixel_mode_name(meta.mode)), 0, meta.icc, std::move(exif), meta.dpi_x, meta.dpi_y};
    // An upright view of a transposing orientation has its axes swapped.
    if (oriented && exif_orientation_transposes(meta_orientation)) std::swap(d.dpi_x, d.dpi_y);
    return d;
}

namespace {

py::object decode_image(py::handle src, const std::optional<std::string>& mode, const std::optional<std::string>& dtype,
                        int scale_num, int scale_den, int min_width, int min_height,
                        const std::optional<std::tuple<int, int, int, int>>& crop, bool orient, bool strict,
                        bool allow_truncated, std::uint64_t max_pixels, int frame, py::handle resize, py::handle out) {
    ImageRequest request = make_request(mode, dtype, orient, scale_num, scale_den, min_width, min_height, crop, strict,
                                        allow_truncated, max_pixels, resize, frame);
    EncodedSource source(src);
    std::optional<CallerBuffer> out_buffer;
    if (!out.is_none()) out_buffer = caller_buffer(out, true, "out");
    Diagnostics diagnostics;
    DecodedImage image;
    {
        py::gil_scoped_release nogil;
        image = mediaview::decode_image(codecs(), source.span(), request, out_buffer ? &*out_buffer : nullptr,
                                        diagnostics);
    }
    emit_warnings(diagnostics);
    PyObject* view = memoryview_of(std::move(image.pixels), describe(image.meta, orient, image.orientation));
    if (!view) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(view);
}

// Every frame as one (T, H, W, C) view, and each frame's duration.
py::tuple decode_frames(py::handle src, const std::optional<std::string>& mode,
                        const std::optional<std::tuple<int, int, int, int>>& crop, bool strict, bool allow_truncated,
                        std::uint64_t max_pixels) {
    ImageRequest request =
        make_request(mode, std::nullopt, false, 1, 1, 0, 0, crop, strict, allow_truncated, max_pixels, py::none(), 0);
    EncodedSource source(src);
    Diagnostics diagnostics;
    DecodedFrames frames;
    {
        py::gil_scoped_release nogil;
        frames = mediaview::decode_frames(codecs(), source.span(), request, diagnostics);
    }
    emit_warnings(diagnostics);
    PyObject* view = memoryview_of(std::move(frames.frames), describe(frames.meta, false, 1));
    if (!view) throw py::error_already_set();
    return py::make_tuple(py::reinterpret_steal<py::object>(view), py::cast(frames.durations_ms));
}

ImageInfo probe(py::handle src) {
    EncodedSource source(src);
    py::gil_scoped_release nogil;
    return probe_image(codecs(), source.span());
}

// Python keyword values as the codec's declared option kinds; a value of
// another kind is the codec's TypeError, an unknown name its ValueError.
Options options_of(const py::dict& kwargs) {
    Options options;
    for (auto [key, value] : kwargs) {
        std::string name = py::str(key);
        if (PyBool_Check(value.ptr()))
            options[name] = value.cast<bool>();
        else if (PyLong_Check(value.ptr()))
            options[name] = value.cast<std::int64_t>();
        else if (PyUnicode_Check(value.ptr()))
            options[name] = value.cast<std::string>();
        else
            throw py::type_error(name + " must be an int, a bool or a str, not " + Py_TYPE(value.ptr())->tp_name);
    }
    return options;
}

py::bytes encode_image(const std::string& format, py::handle data, const std::optional<std::string>& mode,
                       const std::optional<py::bytes>& icc, const std::optional<py::bytes>& exif,
                       const std::optional<std::pair<double, double>>& dpi, const py::dict& kwargs) {
    EncodeInput input;
    input.pixels = caller_buffer(data, false, "data").array();
    if (mode) input.mode = pixel_mode_from_name(*mode);
    if (icc) input.icc = *icc;
    if (exif) input.exif = *exif;
    if (dpi) std::tie(input.dpi_x, input.dpi_y) = *dpi;
    Options options = options_of(kwargs);
    EncodedBytes encoded;
    {
        py::gil_scoped_release nogil;
        encoded = mediaview::encode_image(codecs(), format, input, options);
    }
    return py::bytes(reinterpret_cast<const char*>(encoded.data.get()), encoded.size);
}

}  // namespace

void bind_image(py::module_& m) {
    bind_record<ImageInfo>(m, "ImageInfo", "What an image header says, read without decoding pixels.",
                           [](const ImageInfo&, py::dict&) {});
    m.def("probe", &probe, py::arg("src"));
    m.def("decode_image", &decode_image, py::arg("src"), py::arg("mode").none(true), py::arg("dtype").none(true),
          py::arg("scale_num"), py::arg("scale_den"), py::arg("min_width"), py::arg("min_height"),
          py::arg("crop").none(true), py::arg("orient"), py::arg("strict"), py::arg("allow_truncated"),
          py::arg("max_pixels"), py::arg("frame"), py::arg("resize").none(true),
          py::arg("out").none(true));
    m.def("decode_frames", &decode_frames, py::arg("src"), py::arg("mode").none(true), py::arg("crop").none(true),
          py::arg("strict"), py::arg("allow_truncated"), py::arg("max_pixels"));
    m.def("encode_image", &encode_image, py::arg("format"), py::arg("data"), py::arg("mode").none(true),
          py::arg("icc").none(true), py::arg("exif").none(true), py::arg("dpi").none(true), py::arg("options"),
          "Encodes a (H, W) or (H, W, C) buffer for the codec that writes `format` (GIL released).");
}

}  // namespace mediaview::python
