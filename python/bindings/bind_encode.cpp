// encode_jpeg(): any uint8 buffer of shape (H, W) or (H, W, C), strided or
// not, encoded with the GIL released; contiguous rows are read in place.
#include <pybind11/stl.h>

#include <optional>
#include <string>

#include "bindings.hpp"
#include "decoders/jpeg/jpeg_encoder.hpp"
#include "source.hpp"

namespace py = pybind11;

namespace mediaview::python {
namespace {

// A read-only StridedArray over the caller's buffer; the storage holds the
// export, so the memory cannot change size or go away while we read it.
StridedArray image_of_buffer(py::handle data) {
    if (!PyObject_CheckBuffer(data.ptr()))
        throw py::type_error("data must support the buffer protocol (a numpy array, memoryview, ...), not " +
                             std::string(Py_TYPE(data.ptr())->tp_name));
    auto held = std::make_shared<BufferExport>(data, PyBUF_RECORDS_RO);
    const Py_buffer& v = held->view();
    if (dtype_of_buffer(v) != DType::U8)
        throw py::value_error(std::string("data must hold uint8 pixels (format 'B'), not format '") +
                              (v.format ? v.format : "B") + "'");
    if (v.ndim != 2 && v.ndim != 3)
        throw py::value_error("data must have shape (H, W) or (H, W, C), not " + std::to_string(v.ndim) +
                              " dimension(s)");
    std::vector<Index> shape(v.shape, v.shape + v.ndim), strides(v.strides, v.strides + v.ndim);
    // The storage spans the export's lowest to highest byte.
    Index lo = 0, hi = 1;
    for (int i = 0; i < v.ndim; ++i) {
        if (shape[i] == 0) { lo = hi = 0; break; }
        Index extent = (shape[i] - 1) * strides[i];
        (extent < 0 ? lo : hi) += extent;
    }
    auto storage = std::make_shared<Storage>();
    storage->data = static_cast<std::uint8_t*>(v.buf) + lo;
    storage->size = static_cast<std::size_t>(hi - lo);
    storage->writable = false;
    storage->keepalive = held;
    return StridedArray(std::move(storage), DType::U8, std::move(shape), std::move(strides), -lo);
}

PixelMode default_mode(const StridedArray& image) {
    int channels = image.ndim() == 2 ? 1 : static_cast<int>(image.shape()[2]);
    switch (channels) {
        case 1: return PixelMode::L;
        case 3: return PixelMode::RGB;
        case 4: return PixelMode::RGBA;
        default:
            throw py::value_error("no default mode for " + std::to_string(channels) +
                                  " channels: JPEG takes 1, 3 or 4 (pass mode=)");
    }
}

py::bytes encode_jpeg(py::handle data, int quality, const std::string& subsampling, bool progressive,
                      const std::optional<std::string>& mode) {
    jpeg::EncodeOptions options;
    options.quality = quality;
    options.subsampling = jpeg::subsampling_from_name(subsampling);
    options.progressive = progressive;
    StridedArray image = image_of_buffer(data);
    PixelMode pixel_mode = mode ? pixel_mode_from_name(*mode) : default_mode(image);
    jpeg::EncodedJpeg encoded;
    {
        py::gil_scoped_release nogil;
        encoded = jpeg::encode(image, pixel_mode, options);
    }
    return py::bytes(reinterpret_cast<const char*>(encoded.data.get()), encoded.size);
}

}  // namespace

void bind_encode(py::module_& m) {
    m.def("encode_jpeg", &encode_jpeg, py::arg("data"), py::arg("quality"), py::arg("subsampling"),
          py::arg("progressive"), py::arg("mode").none(true),
          "Encodes a uint8 (H, W) or (H, W, C) buffer as JPEG bytes (GIL released).");
}

}  // namespace mediaview::python
