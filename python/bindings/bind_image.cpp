// probe, decode_image, decode_frames and encode_image: convert arguments, release the GIL,
// call the core operation, wrap the result.
#include <pybind11/stl.h>

#include <string>

#include "bindings.hpp"
#include "decoders/table.hpp"
#include "error_translation.hpp"
#include "exporter.hpp"
#include "pillow_codec.hpp"
#include "requests.hpp"
#include "records.hpp"
#include "source.hpp"
#include "src/operations/decode_frames.hpp"
#include "src/operations/decode_image.hpp"
#include "src/operations/encode_image.hpp"

namespace py = pybind11;

namespace mediaview::python {

namespace {

py::object decode_image(py::handle src, const ImageRequest& request, py::handle out) {
    EncodedSource source(src);
    std::optional<CallerBuffer> out_buffer;
    if (!out.is_none()) out_buffer = caller_buffer(out, true, "out");
    Diagnostics diagnostics;
    DecodedImage image;
    {
        py::gil_scoped_release nogil;
        image = mediaview::decode_image(image_codecs(), source.span(), lone_decode(request), out_buffer ? &*out_buffer : nullptr,
                                        diagnostics);
    }
    emit_warnings(diagnostics);
    return image_view(std::move(image.pixels), image.meta);
}

// Every frame as one (T, H, W, C) view, and each frame's duration.
py::tuple decode_frames(py::handle src, const ImageRequest& request) {
    EncodedSource source(src);
    Diagnostics diagnostics;
    DecodedFrames frames;
    {
        py::gil_scoped_release nogil;
        frames = mediaview::decode_frames(image_codecs(), source.span(), lone_decode(request), diagnostics);
    }
    emit_warnings(diagnostics);
    return py::make_tuple(image_view(std::move(frames.frames), frames.meta), py::cast(frames.durations_ms));
}

ImageInfo probe(py::handle src) {
    EncodedSource source(src);
    py::gil_scoped_release nogil;
    return probe_image(image_codecs(), source.span());
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

// The metadata every page of an encode carries.
void add_metadata(EncodeInput& input, const std::optional<py::bytes>& icc, const std::optional<py::bytes>& exif,
                  const std::optional<std::pair<double, double>>& dpi) {
    if (icc) input.icc = *icc;
    if (exif) input.exif = *exif;
    if (dpi) std::tie(input.dpi_x, input.dpi_y) = *dpi;
}

// Runs `encode` (returning EncodedBytes) with the GIL released, warns for
// what the writer did not store, and hands the bytes to Python.
template <typename Encode>
py::bytes encoded_bytes(Encode encode) {
    EncodedBytes encoded;
    {
        py::gil_scoped_release nogil;
        encoded = encode();
    }
    emit_unstored(encoded.unstored);
    return py::bytes(reinterpret_cast<const char*>(encoded.data.get()), encoded.size);
}

py::bytes encode_image(const std::string& format, py::handle data, const std::optional<std::string>& mode,
                       const std::optional<py::bytes>& icc, const std::optional<py::bytes>& exif,
                       const std::optional<std::pair<double, double>>& dpi, const py::dict& kwargs) {
    EncodeInput input;
    input.pixels = caller_buffer(data, false, "data").array();
    if (mode) input.mode = pixel_mode_from_name(*mode);
    add_metadata(input, icc, exif, dpi);
    Options options = options_of(kwargs);
    return encoded_bytes([&] { return mediaview::encode_image(codecs(), format, input, options); });
}

// A (N, H, W) or (N, H, W, C) block, or a sequence of (H, W[, C]) buffers,
// as one EncodeInput per page (a block's pages are windows onto it, no copy).
std::vector<EncodeInput> pages_of(py::handle data, const std::optional<std::string>& mode) {
    std::vector<StridedArray> arrays;
    if (PyObject_CheckBuffer(data.ptr())) {
        StridedArray block = caller_buffer(data, false, "data").array();
        if (block.ndim() != 3 && block.ndim() != 4)
            throw std::invalid_argument("pages must have shape (N, H, W) or (N, H, W, C), not " +
                                        std::to_string(block.ndim()) + " dimension(s)");
        std::vector<Index> shape(block.shape().begin() + 1, block.shape().end());
        std::vector<Index> strides(block.strides().begin() + 1, block.strides().end());
        for (Index i = 0; i < block.shape()[0]; ++i)
            arrays.emplace_back(block.storage(), block.dtype(), shape, strides,
                                block.offset() + i * block.strides()[0]);
    } else {
        for (py::handle page : py::iter(data)) arrays.push_back(caller_buffer(page, false, "data").array());
    }
    std::vector<EncodeInput> pages(arrays.size());
    for (std::size_t i = 0; i < arrays.size(); ++i) {
        pages[i].pixels = std::move(arrays[i]);
        if (mode) pages[i].mode = pixel_mode_from_name(*mode);
    }
    return pages;
}

py::bytes encode_pages(const std::string& format, py::handle data, const std::optional<std::string>& mode,
                       const std::optional<py::bytes>& icc, const std::optional<py::bytes>& exif,
                       const std::optional<std::pair<double, double>>& dpi, const py::dict& kwargs) {
    std::vector<EncodeInput> pages = pages_of(data, mode);
    for (EncodeInput& page : pages) add_metadata(page, icc, exif, dpi);
    Options options = options_of(kwargs);
    return encoded_bytes([&] { return mediaview::encode_pages(codecs(), format, pages, options); });
}

}  // namespace

void bind_image(py::module_& m) {
    bind_record<ImageInfo>(m, "ImageInfo", "What an image header says, read without decoding pixels.",
                           [](const ImageInfo&, py::dict&) {});
    m.def("probe", &probe, py::arg("src"));
    m.def("decode_image", &decode_image, py::arg("src"), py::arg("request"), py::arg("out").none(true));
    m.def("decode_frames", &decode_frames, py::arg("src"), py::arg("request"));
    m.def("encode_image", &encode_image, py::arg("format"), py::arg("data"), py::arg("mode").none(true),
          py::arg("icc").none(true), py::arg("exif").none(true), py::arg("dpi").none(true), py::arg("options"),
          "Encodes a (H, W) or (H, W, C) buffer for the codec that writes `format` (GIL released).");
    m.def("encode_pages", &encode_pages, py::arg("format"), py::arg("data"), py::arg("mode").none(true),
          py::arg("icc").none(true), py::arg("exif").none(true), py::arg("dpi").none(true), py::arg("options"),
          "Encodes a (N, H, W[, C]) block or a sequence of (H, W[, C]) buffers as the pages of one file, for a "
          "codec whose formats() entry says pages=True (GIL released).");
}

}  // namespace mediaview::python
