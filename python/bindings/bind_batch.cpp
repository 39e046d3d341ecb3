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
#include "pillow_codec.hpp"
#include "exporter.hpp"
#include "audio_input.hpp"
#include "interrupt.hpp"
#include "requests.hpp"
#include "source.hpp"
#include "src/operations/decode_batch.hpp"
#include "src/operations/read_audios.hpp"
#include "src/worker_pool.hpp"

namespace py = pybind11;

namespace mediaview::python {
namespace {

// What keeps the batch's inputs alive while the workers read them: paths
// stay paths (each worker reads its own), everything else is held in place
// or read now, by the one EncodedSource every entry point uses.
struct HeldSources {
    std::vector<BatchSource> sources;
    std::vector<std::unique_ptr<EncodedSource>> held;
};

HeldSources hold(const py::list& srcs) {
    HeldSources held;
    held.sources.reserve(srcs.size());
    for (std::size_t i = 0; i < srcs.size(); ++i) {
        std::string index = "srcs[" + std::to_string(i) + "]";
        ClassifiedSource classified = classify_source(srcs[i], index.c_str());
        BatchSource source;
        source.name = source_name(srcs[i], classified, index);
        if (classified.kind == SourceKind::Path) {
            source.path = classified.path;
        } else {
            held.held.push_back(std::make_unique<EncodedSource>(srcs[i], classified, index.c_str()));
            source.bytes = held.held.back()->span();
        }
        held.sources.push_back(std::move(source));
    }
    return held;
}

// Warnings of the sources that did not fail, each naming its source (a
// failed source's exception says it all, as a single decode raises
// without warning).
void emit_named_warnings(const std::vector<Diagnostics>& diagnostics, const std::vector<BatchFailure>& failures,
                         const std::vector<std::string>& names) {
    std::vector<bool> failed(names.size(), false);
    for (const BatchFailure& failure : failures) failed[failure.index] = true;
    Diagnostics named;
    for (std::size_t i = 0; i < names.size(); ++i)
        if (!failed[i])
            for (const std::string& message : diagnostics[i].warnings) named.warn(names[i] + ": " + message);
    emit_warnings(named);
}

std::vector<std::string> names_of(const std::vector<BatchSource>& sources) {
    std::vector<std::string> names;
    for (const BatchSource& source : sources) names.push_back(source.name);
    return names;
}

py::object decode_images(const py::list& srcs, const ImageRequest& request, int threads, bool stack, py::handle out) {
    HeldSources held = hold(srcs);
    std::optional<CallerBuffer> out_buffer;
    if (!out.is_none()) out_buffer = caller_buffer(out, true, "out");
    DecodedBatch batch;
    SignalPoll signals;
    try {
        py::gil_scoped_release nogil;
        batch = mediaview::decode_images(image_codecs(), held.sources, request, stack, out_buffer ? &*out_buffer : nullptr,
                                         threads, signals.poll());
    } catch (const Interrupted&) {
        signals.raise();
    }
    std::vector<std::string> names = names_of(held.sources);
    emit_named_warnings(batch.diagnostics, batch.failures, names);
    py::object result;
    if (stack) {
        // None when every source failed its plan and no out= was given.
        result = batch.stacked.storage() ? image_view(batch.stacked, batch.stacked_meta) : py::none();
    } else {
        py::list views;
        for (std::size_t i = 0; i < held.sources.size(); ++i)
            views.append(batch.images[i].storage() ? image_view(batch.images[i], batch.metas[i]) : py::none());
        result = views;
    }
    raise_if_failed(batch.failures, srcs, names, "images", result);
    return result;
}

// What each source decodes to, from its header, in the worker pool: a list
// of (shape, dtype name) or, for a source that cannot be planned, the
// exception its decode would raise.
py::list plan_images(const py::list& srcs, const ImageRequest& request, int threads,
                     const std::optional<std::string>& stacked_by) {
    HeldSources held = hold(srcs);
    PlannedBatch planned;
    SignalPoll signals;
    try {
        py::gil_scoped_release nogil;
        planned = mediaview::plan_images(image_codecs(), held.sources, request, threads, signals.poll());
    } catch (const Interrupted&) {
        signals.raise();
    }
    if (stacked_by) common_plan(planned, held.sources, *stacked_by);
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

py::object read_audios(const py::list& srcs, const AudioReadRequest& request, int threads, bool pad,
                       std::optional<std::int64_t> pad_to) {
    const AudioHints& shared_hints = request.hints;
    std::vector<std::unique_ptr<AudioInput>> inputs;
    std::vector<AudioSource> sources;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < srcs.size(); ++i) {
        std::string index = "srcs[" + std::to_string(i) + "]";
        ClassifiedSource classified = classify_source(srcs[i], index.c_str());
        names.push_back(source_name(srcs[i], classified, index));
        inputs.push_back(std::make_unique<AudioInput>(srcs[i], classified, shared_hints, index.c_str()));
        sources.push_back(inputs.back()->source());
    }
    for (AudioSource& source : sources) source.policy = request.policy();  // for codecs that apply it
    AudioPadding padding{pad || pad_to.has_value(), pad_to.value_or(-1)};
    AudioBatch batch;
    SignalPoll signals;
    try {
        py::gil_scoped_release nogil;
        batch = mediaview::read_audios(codecs(), sources, names, request, padding, threads, signals.poll());
    } catch (const Interrupted&) {
        signals.raise();
    }
    emit_named_warnings(batch.diagnostics, batch.failures, names);
    std::vector<bool> failed(sources.size(), false);
    for (const BatchFailure& failure : batch.failures) failed[failure.index] = true;
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
    raise_if_failed(batch.failures, srcs, names, "clips", result);
    return result;
}

}  // namespace

void bind_batch(py::module_& m) {
    m.def("decode_images", &decode_images, py::arg("srcs"), py::arg("request"), py::arg("threads"), py::arg("stack"),
          py::arg("out").none(true));
    m.def("plan_images", &plan_images, py::arg("srcs"), py::arg("request"), py::arg("threads"),
          py::arg("stacked_by").none(true) = py::none(),
          "Per source (shape, dtype) or the exception its decode would raise; with stacked_by (the caller's "
          "name), the ValueError a stacked batch raises when two sources plan to different shapes.");
    m.def("batch_error", &batch_error, py::arg("failures"), py::arg("count"), py::arg("noun"), py::arg("result"),
          "The BatchError for (index, source, exception) failures out of `count` (not raised).");
    m.def("read_audios", &read_audios, py::arg("srcs"), py::arg("request"), py::arg("threads"), py::arg("pad"),
          py::arg("pad_to").none(true));
    m.def("usable_cores", &WorkerPool::usable_cores, "The CPUs this process may run on: decode_images' default threads.");
}

}  // namespace mediaview::python
