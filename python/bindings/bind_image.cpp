// probe() and decode_image(): argument handling around the image codecs.
#include <pybind11/stl.h>

#include <string>

#include "bindings.hpp"
#include "error_translation.hpp"
#include "exporter.hpp"
#include "src/orientation.hpp"
#include "src/codec_table.hpp"
#include "source.hpp"

namespace py = pybind11;

namespace mediaview::python {
namespace {

const ImageCodec& image_decoder_for(ByteSpan data) {
    if (const ImageCodec* d = find_image_decoder(data)) return *d;
    if (data.size == 0) throw UnsupportedFormatError("empty input: no image data");
    throw UnsupportedFormatError("no image decoder recognises this data");
}

std::vector<Index> image_shape(const OutputShape& s) {
    if (s.channels == 1) return {s.height, s.width};
    return {s.height, s.width, s.channels};
}

std::vector<Index> displayed_shape(const OutputShape& s, bool oriented) {
    if (oriented && exif_orientation_transposes(s.orientation)) return image_shape({s.height, s.width, s.channels, 1});
    return image_shape(s);
}

// Checks a caller's out= buffer against the decoded size: uint8 elements, the
// exact shape of the view decode_image returns (the displayed frame when
// oriented), and the bytes of one pixel adjacent; rows and pixels may
// otherwise lie anywhere (padded rows, a slot of a batch, a flipped view).
// Runs without the GIL, on the Py_buffer fields only. Returns the caller's
// buffer as an array in the displayed frame; `target` receives where the
// decoder writes the stored frame, through the inverse orientation.
StridedArray caller_array(const Py_buffer& v, const std::shared_ptr<Storage>& storage, const OutputShape& s,
                          bool oriented, PixelTarget& target) {
    std::vector<Index> expected = displayed_shape(s, oriented);
    if (dtype_of_buffer(v) != DType::U8)
        throw std::invalid_argument(std::string("out must hold uint8 elements (format 'B'), not format '") +
                                    (v.format ? v.format : "B") + "'");
    std::vector<Index> shape(v.shape, v.shape + v.ndim), strides(v.strides, v.strides + v.ndim);
    if (shape != expected)
        throw std::invalid_argument("out has shape " + describe_shape(shape) + " but the decoded image has shape " +
                                    describe_shape(expected));
    if (v.ndim == 3 && strides[2] != 1)
        throw std::invalid_argument("out must keep the channels of a pixel adjacent (last stride 1)");
    Index offset = static_cast<std::uint8_t*>(v.buf) - storage->data;
    StridedArray shown(storage, DType::U8, shape, strides, offset);
    StridedArray stored = oriented ? apply_exif_orientation(shown, inverse_exif_orientation(s.orientation)) : shown;
    target = {stored.data(), stored.strides()[0], stored.strides()[1]};
    return shown;
}

ImageRequest make_request(const std::string& mode, bool oriented, int scale_num, int scale_den, int min_width, int min_height,
                          const std::optional<std::tuple<int, int, int, int>>& crop, bool strict,
                          bool allow_truncated, std::uint64_t max_pixels) {
    ImageRequest request;
    request.mode = pixel_mode_from_name(mode);
    request.oriented = oriented;
    request.scale = {scale_num, scale_den, min_width, min_height};
    if (crop) {
        auto [x, y, w, h] = *crop;
        request.crop = CropRect{x, y, w, h};
    }
    request.strict = strict;
    request.allow_truncated = allow_truncated;
    request.max_pixels = max_pixels;
    return request;
}

py::object decode_image(py::handle src, const std::string& mode, int scale_num, int scale_den, int min_width,
                        int min_height, const std::optional<std::tuple<int, int, int, int>>& crop, bool orient,
                        bool strict, bool allow_truncated, std::uint64_t max_pixels, py::handle out) {
    ImageRequest request =
        make_request(mode, orient, scale_num, scale_den, min_width, min_height, crop, strict, allow_truncated, max_pixels);
    EncodedSource source(src);
    std::shared_ptr<Storage> out_storage;
    std::shared_ptr<const Py_buffer> out_view;
    if (!out.is_none()) out_view = acquire_out_buffer(out, out_storage);

    StridedArray result;
    Diagnostics diagnostics;
    ImageDecodeResult decoded;
    {
        py::gil_scoped_release nogil;
        const ImageCodec& decoder = image_decoder_for(source.span());
        auto provide = [&](const OutputShape& shape) -> PixelTarget {
            PixelTarget target;
            if (out_view) {
                result = caller_array(*out_view, out_storage, shape, orient, target);
                return target;
            }
            result = StridedArray::allocate(DType::U8, image_shape(shape));
            return {result.data(), result.strides()[0], result.strides()[1]};
        };
        decoded = decoder.decode(source.span(), request, provide, diagnostics);
    }
    emit_warnings(diagnostics);
    // Our own buffer holds the stored frame: orient it as a view. A caller's
    // buffer was already written through the inverse orientation.
    if (orient && !out_view) result = apply_exif_orientation(result, decoded.orientation);
    PyObject* view = memoryview_of(std::move(result));
    if (!view) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(view);
}

ImageInfo probe(py::handle src) {
    EncodedSource source(src);
    py::gil_scoped_release nogil;
    return image_decoder_for(source.span()).probe(source.span());
}

}  // namespace

void bind_image(py::module_& m) {
    py::class_<ImageInfo>(m, "ImageInfo", "What an image header says, read without decoding pixels.")
        .def_readonly("width", &ImageInfo::width)
        .def_readonly("height", &ImageInfo::height)
        .def_readonly("components", &ImageInfo::components)
        .def_readonly("colorspace", &ImageInfo::colorspace)
        .def_readonly("subsampling", &ImageInfo::subsampling)
        .def_readonly("progressive", &ImageInfo::progressive)
        .def_readonly("arithmetic", &ImageInfo::arithmetic)
        .def_readonly("precision", &ImageInfo::precision)
        .def_readonly("orientation", &ImageInfo::orientation)
        .def("as_dict",
             [](const ImageInfo& i) {
                 py::dict d;
                 d["width"] = i.width;
                 d["height"] = i.height;
                 d["components"] = i.components;
                 d["colorspace"] = i.colorspace;
                 d["subsampling"] = i.subsampling;
                 d["progressive"] = i.progressive;
                 d["arithmetic"] = i.arithmetic;
                 d["precision"] = i.precision;
                 d["orientation"] = i.orientation;
                 return d;
             })
        .def("__repr__", [](const ImageInfo& i) {
            return "ImageInfo(width=" + std::to_string(i.width) + ", height=" + std::to_string(i.height) +
                   ", components=" + std::to_string(i.components) + ", colorspace='" + i.colorspace +
                   "', subsampling='" + i.subsampling + "', progressive=" + (i.progressive ? "True" : "False") +
                   ", orientation=" + std::to_string(i.orientation) + ")";
        });
    m.def("probe", &probe, py::arg("src"));
    m.def("decode_image", &decode_image, py::arg("src"), py::arg("mode"), py::arg("scale_num"),
          py::arg("scale_den"), py::arg("min_width"), py::arg("min_height"), py::arg("crop").none(true),
          py::arg("orient"), py::arg("strict"), py::arg("allow_truncated"), py::arg("max_pixels"),
          py::arg("out").none(true));
}

}  // namespace mediaview::python
