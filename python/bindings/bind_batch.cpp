// decode_images: the sources turned into the core's plain inputs under the
// GIL (bytes-likes held as exports, file objects read), then ONE core
// operation with the GIL released from start to end, then the views, the
// warnings naming their source, and BatchError for the failures.
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "decoders/table.hpp"
#include "error_translation.hpp"
#include "exporter.hpp"
#include "audio_input.hpp"
#include "image_request.hpp"
#include "source.hpp"
#include "src/operations/decode_batch.hpp"
#include "src/worker_pool.hpp"

namespace py = pybind11;

namespace mediaview::python {
namespace {

// What keeps the batch's inputs alive while the workers read them.
struct HeldSources {
    std::vector<BatchSource> sources;
    std::vector<std::unique_ptr<BufferExport>> exports;
    std::vector<py::bytes> read;
};

HeldSources hold(const py::list& srcs) {
    HeldSources held;
    held.sources.reserve(srcs.size());
    for (std::size_t i = 0; i < srcs.size(); ++i) {
        py::handle src = srcs[i];
        BatchSource source;
        std::string index = "srcs[" + std::to_string(i) + "]";
        if (auto path = path_of(src, index.c_str())) {
            source.path = *path;
            source.name = py::str(py::module_::import("os").attr("fspath")(src));
        } else if (PyObject_CheckBuffer(src.ptr())) {
            try {
                held.exports.push_back(std::make_unique<BufferExport>(src, PyBUF_SIMPLE));
            } catch (py::error_already_set&) {
                throw py::type_error(index + " must be a contiguous bytes-like object");
            }
            const Py_buffer& v = held.exports.back()->view();
            source.bytes = {static_cast<const std::uint8_t*>(v.buf), static_cast<std::size_t>(v.len)};
            source.name = index + " (" + Py_TYPE(src.ptr())->tp_name + ")";
        } else if (py::hasattr(src, "read")) {
            py::object data = src.attr("read")();
            if (!PyBytes_Check(data.ptr()))
                throw py::type_error(index + ": file object must be opened in binary mode (read() returned " +
                                     std::string(Py_TYPE(data.ptr())->tp_name) + ")");
            held.read.push_back(py::reinterpret_steal<py::bytes>(data.release()));
            PyObject* bytes = held.read.back().ptr();
            source.bytes = {reinterpret_cast<const std::uint8_t*>(PyBytes_AS_STRING(bytes)),
                            static_cast<std::size_t>(PyBytes_GET_SIZE(bytes))};
            py::object name = py::getattr(src, "name", py::none());
            source.name = name.is_none() ? index + " (file object)" : std::string(py::str(py::repr(name)));
        } else {
            throw py::type_error(index + " must be a path, a bytes-like object or a binary file object, not " +
                                 std::string(Py_TYPE(src.ptr())->tp_name));
        }
        held.sources.push_back(std::move(source));
    }
    return held;
}

py::object view_of(StridedArray pixels, const ImageMeta& meta, bool oriented, int orientation) {
    PyObject* view = memoryview_of(std::move(pixels), describe(meta, oriented, orientation));
    if (!view) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(view);
}

py::object decode_images(const py::list& srcs, int threads, bool stack, const std::optional<std::string>& mode,
                         const std::optional<std::string>& dtype, int scale_num, int scale_den, int min_width,
                         int min_height, const std::optional<std::tuple<int, int, int, int>>& crop, bool orient,
                         bool strict, bool allow_truncated, std::uint64_t max_pixels, py::handle resize,
                         py::handle out) {
    ImageRequest request = make_request(mode, dtype, orient, scale_num, scale_den, min_width, min_height, crop, strict,
                                        allow_truncated, max_pixels, resize);
    HeldSources held = hold(srcs);
    std::optional<CallerBuffer> out_buffer;
    if (!out.is_none()) out_buffer = caller_buffer(out, true, "out");
    DecodedBatch batch;
    {
        py::gil_scoped_release nogil;
        batch = mediaview::decode_images(codecs(), held.sources, request, stack, out_buffer ? &*out_buffer : nullptr,
                                         threads);
    }
    // Warnings, each naming the source it is about; a failed source's
    // exception says it all (as decode_image raises without warning).
    std::vector<bool> failed(held.sources.size(), false);
    for (const BatchFailure& failure : batch.failures) failed[failure.index] = true;
    Diagnostics named;
    for (std::size_t i = 0; i < held.sources.size(); ++i)
        if (!failed[i])
            for (const std::string& message : batch.diagnostics[i].warnings)
                named.warn(held.sources[i].name + ": " + message);
    emit_warnings(named);

    std::size_t first_good = 0;
    while (first_good < held.sources.size() && failed[first_good]) ++first_good;
    py::object result;
    if (stack) {
        if (!batch.stacked.storage())
            result = py::none();  // every source failed its plan and no out= was given
        else
            result = first_good < held.sources.size()
                         ? view_of(batch.stacked, batch.metas[first_good], orient, batch.orientations[first_good])
                         : view_of(batch.stacked, ImageMeta{}, orient, 1);
    } else {
        py::list views;
        for (std::size_t i = 0; i < held.sources.size(); ++i)
            views.append(batch.images[i].storage()
                             ? view_of(batch.images[i], batch.metas[i], orient, batch.orientations[i])
                             : py::none());
        result = views;
    }
    if (!batch.failures.empty()) {
        py::list failures;
        for (const BatchFailure& failure : batch.failures)
            failures.append(py::make_tuple(failure.index, srcs[failure.index], exception_object(failure.error)));
        const BatchFailure& first = batch.failures.front();
        std::string message = std::to_string(batch.failures.size()) + " of " + std::to_string(held.sources.size()) +
                              " images failed; the first, " + held.sources[first.index].name + ": " +
                              std::string(py::str(failures[0].cast<py::tuple>()[2]));
        raise_batch_error(message, failures, result);
    }
    return result;
}

// What each source decodes to, from its header, in the worker pool: a list
// of (shape, dtype name) or, for a source that cannot be planned, the
// exception its decode would raise.
py::list plan_images(const py::list& srcs, int threads, const std::optional<std::string>& mode,
                     const std::optional<std::string>& dtype, int scale_num, int scale_den, int min_width,
                     int min_height, const std::optional<std::tuple<int, int, int, int>>& crop, bool orient,
                     bool strict, bool allow_truncated, std::uint64_t max_pixels, py::handle resize) {
    ImageRequest request = make_request(mode, dtype, orient, scale_num, scale_den, min_width, min_height, crop, strict,
                                        allow_truncated, max_pixels, resize);
    HeldSources held = hold(srcs);
    PlannedBatch planned;
    {
        py::gil_scoped_release nogil;
        planned = mediaview::plan_images(codecs(), held.sources, request, threads);
    }
    py::list result;
    for (std::size_t i = 0; i < held.sources.size(); ++i) {
        if (planned.errors[i]) {
            result.append(exception_object(planned.errors[i]));
            continue;
        }
        py::tuple shape(planned.plans[i].shape.size());
        for (std::size_t k = 0; k < planned.plans[i].shape.size(); ++k) shape[k] = planned.plans[i].shape[k];
        result.append(py::make_tuple(shape, std::string(dtype_name(planned.plans[i].dtype))));
    }
    return result;
}

py::object read_audios(const py::list& srcs, int threads, const std::string& dtype, std::int64_t start,
                       std::optional<std::int64_t> stop, std::optional<std::int64_t> frames, const std::string& layout,
                       bool always_2d, std::optional<bool> mmap, std::uint64_t max_samples, py::handle hints, bool pad,
                       std::optional<std::int64_t> pad_to, int samplerate, int channels, py::handle mix,
                       const std::string& quality, bool strict, bool allow_truncated) {
    AudioReadRequest rq = audio_request(dtype, start, stop, frames, layout, always_2d, mmap, max_samples, samplerate,
                                        channels, mix, quality, strict, allow_truncated);
    AudioHints shared_hints = hints_from(hints);
    // Paths stay paths (the workers open them); bytes-likes are held, file objects read, here.
    std::vector<std::unique_ptr<AudioInput>> inputs;
    std::vector<AudioSource> sources;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < srcs.size(); ++i) {
        py::handle src = srcs[i];
        std::string index = "srcs[" + std::to_string(i) + "]";
        if (auto path = path_of(src, index.c_str())) {
            names.push_back(py::str(py::module_::import("os").attr("fspath")(src)));
        } else if (py::hasattr(src, "read") && !PyObject_CheckBuffer(src.ptr())) {
            py::object name = py::getattr(src, "name", py::none());
            names.push_back(name.is_none() ? index + " (file object)" : std::string(py::str(py::repr(name))));
        } else {
            names.push_back(index + " (" + Py_TYPE(src.ptr())->tp_name + ")");
        }
        inputs.push_back(std::make_unique<AudioInput>(src, shared_hints));
        sources.push_back(inputs.back()->source());
    }
    for (AudioSource& source : sources) source.policy = {strict, allow_truncated, false};  // for codecs that apply it
    AudioPadding padding{pad || pad_to.has_value(), pad_to.value_or(-1)};
    AudioBatch batch;
    {
        py::gil_scoped_release nogil;
        batch = mediaview::read_audios(codecs(), sources, names, rq, padding, threads);
    }
    std::vector<bool> failed(sources.size(), false);
    for (const BatchFailure& failure : batch.failures) failed[failure.index] = true;
    Diagnostics named;  // each warning names its clip
    for (std::size_t i = 0; i < sources.size(); ++i)
        if (!failed[i])
            for (const std::string& message : batch.diagnostics[i].warnings) named.warn(names[i] + ": " + message);
    emit_warnings(named);
    py::object result;
    if (padding.enabled) {
        py::object view = py::none();
        if (batch.padded.storage()) {
            PyObject* v = memoryview_of(batch.padded, ViewDescription{{}, batch.samplerate, {}, {}});
            if (!v) throw py::error_already_set();
            view = py::reinterpret_steal<py::object>(v);
        }
        result = py::make_tuple(view, py::cast(batch.lengths), batch.samplerate);
    } else {
        py::list clips;
        for (std::size_t i = 0; i < sources.size(); ++i) {
            if (failed[i]) {
                clips.append(py::none());
                continue;
            }
            PyObject* v = memoryview_of(std::move(batch.reads[i].samples),
                                        ViewDescription{{}, batch.reads[i].samplerate, {}, {}});
            if (!v) throw py::error_already_set();
            clips.append(py::make_tuple(py::reinterpret_steal<py::object>(v), batch.reads[i].samplerate));
        }
        result = clips;
    }
    if (!batch.failures.empty()) {
        py::list failures;
        for (const BatchFailure& failure : batch.failures)
            failures.append(py::make_tuple(failure.index, srcs[failure.index], exception_object(failure.error)));
        std::string message = std::to_string(batch.failures.size()) + " of " + std::to_string(sources.size()) +
                              " clips failed; the first, " + names[batch.failures.front().index] + ": " +
                              std::string(py::str(failures[0].cast<py::tuple>()[2]));
        raise_batch_error(message, failures, result);
    }
    return result;
}

}  // namespace

void bind_batch(py::module_& m) {
    m.def("decode_images", &decode_images, py::arg("srcs"), py::arg("threads"), py::arg("stack"),
          py::arg("mode").none(true), py::arg("dtype").none(true), py::arg("scale_num"), py::arg("scale_den"),
          py::arg("min_width"), py::arg("min_height"), py::arg("crop").none(true), py::arg("orient"),
          py::arg("strict"), py::arg("allow_truncated"), py::arg("max_pixels"), py::arg("resize").none(true),
          py::arg("out").none(true));
    m.def("plan_images", &plan_images, py::arg("srcs"), py::arg("threads"), py::arg("mode").none(true),
          py::arg("dtype").none(true), py::arg("scale_num"), py::arg("scale_den"), py::arg("min_width"),
          py::arg("min_height"), py::arg("crop").none(true), py::arg("orient"), py::arg("strict"),
          py::arg("allow_truncated"), py::arg("max_pixels"), py::arg("resize").none(true));
    m.def("read_audios", &read_audios, py::arg("srcs"), py::arg("threads"), py::arg("dtype"), py::arg("start"),
          py::arg("stop").none(true), py::arg("frames").none(true), py::arg("layout"), py::arg("always_2d"),
          py::arg("mmap").none(true), py::arg("max_samples"), py::arg("hints").none(true), py::arg("pad"),
          py::arg("pad_to").none(true), py::arg("samplerate"), py::arg("channels"), py::arg("mix").none(true),
          py::arg("quality"), py::arg("strict"), py::arg("allow_truncated"));
    m.def("usable_cores", &WorkerPool::usable_cores, "The CPUs this process may run on: decode_images' default threads.");
}

}  // namespace mediaview::python
