// audio_info, read_audio, AudioStream and write_audio: convert arguments,
// release the GIL, call the core operation, wrap the result. Every codec
// call runs with the GIL released.
#include <pybind11/stl.h>

#include <map>
#include <mutex>
#include <string>

#include "audio_input.hpp"
#include "bindings.hpp"
#include "decoders/table.hpp"
#include "error_translation.hpp"
#include "exporter.hpp"
#include "records.hpp"
#include "src/operations/read_audio.hpp"
#include "src/operations/stream_audio.hpp"
#include "src/operations/write_audio.hpp"

namespace py = pybind11;

namespace mediaview::python {
namespace {

py::object audio_view(StridedArray samples, int samplerate) {
    PyObject* view = memoryview_of(std::move(samples), ViewDescription{{}, samplerate, {}, {}});
    if (!view) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(view);
}

py::tuple read_audio(py::handle src, const AudioReadRequest& request, py::handle out, int threads) {
    AudioReadRequest rq = request;
    rq.threads = threads;
    AudioInput input(src, rq.hints);
    AudioSource source = input.source();  // (its bytes stay input's)
    source.policy = rq.policy();
    std::optional<CallerBuffer> out_buffer;
    if (!out.is_none()) out_buffer = caller_buffer(out, true, "out");
    AudioRead result;
    Diagnostics diagnostics;
    {
        py::gil_scoped_release nogil;
        result = mediaview::read_audio(codecs(), source, rq, out_buffer ? &*out_buffer : nullptr, diagnostics);
    }
    emit_warnings(diagnostics);
    return py::make_tuple(audio_view(std::move(result.samples), result.samplerate), result.samplerate);
}

AudioInfo audio_info(py::handle src, const AudioReadRequest& request) {
    AudioInput input(src, request.hints);
    py::gil_scoped_release nogil;
    return mediaview::audio_info(codecs(), input.source());
}

// Python's side of AudioBlocks: a block's memory is reused only when nothing
// outside holds its exporter or an export of it; otherwise the next block
// gets a fresh buffer.
class AudioStream {
public:
    AudioStream(py::handle src, const AudioReadRequest& request, std::int64_t blocksize, std::int64_t overlap)
        : input_(src, request.hints) {
        AudioSource source = input_.source();  // (its bytes stay input_'s)
        source.policy = request.policy();      // for codecs that apply it themselves
        py::gil_scoped_release nogil;
        blocks_ = std::make_unique<AudioBlocks>(codecs(), source, blocksize, overlap, request);
    }

    const AudioInfo& info() const { return blocks_->info(); }
    int samplerate() const { return blocks_->samplerate(); }
    int channels() const { return blocks_->channels(); }

    // The next block, or None at the end.
    py::object next_block() {
        std::lock_guard<std::mutex> lock(busy_);  // one caller at a time while the GIL is released
        // Our reference is the only one and no buffer export is alive: no
        // view, array or exporter of the previous block exists any more.
        bool reuse = exporter_ && Py_REFCNT(exporter_.ptr()) == 1 && exporter_export_count(exporter_.ptr()) == 0;
        if (reuse) exporter_ = py::object();
        std::optional<StridedArray> block;
        {
            py::gil_scoped_release nogil;
            block = blocks_->next(reuse);
        }
        Diagnostics warnings;
        std::swap(warnings, blocks_->diagnostics());
        emit_warnings(warnings);
        if (!block) return py::none();
        PyObject* ex = new_exporter(std::move(*block), ViewDescription{{}, blocks_->samplerate(), {}, {}});
        if (!ex) throw py::error_already_set();
        exporter_ = py::reinterpret_steal<py::object>(ex);
        PyObject* view = PyMemoryView_FromObject(ex);
        if (!view) throw py::error_already_set();
        return py::reinterpret_steal<py::object>(view);
    }

private:
    AudioInput input_;
    std::unique_ptr<AudioBlocks> blocks_;
    py::object exporter_;
    std::mutex busy_;
};

// `path` is where the bytes go (a temporary beside the target), `name` the
// user's path, whose extension names the format.
// What write_audio and AudioFileWriter both are told (channels and dtype aside).
AudioWriteHeader write_header(py::handle path, py::handle name, int samplerate, const std::string& format,
                              const std::string& subtype, const std::map<std::string, std::string>& tags) {
    AudioWriteHeader header;
    header.path = *path_of(path);
    header.name = *path_of(name);
    header.format = format;
    header.subtype = subtype;
    header.samplerate = samplerate;
    header.tags.assign(tags.begin(), tags.end());
    return header;
}

void write_audio(py::handle path, py::handle name, py::handle data, int samplerate, const std::string& format,
                 const std::string& subtype, const std::map<std::string, std::string>& tags) {
    CallerBuffer buffer = caller_buffer(data, false, "data");
    if (!buffer.dtype())
        throw py::type_error("audio data must be int16, int32, float32 or float64 (format h, i, f, d), not format '" +
                             buffer.format_name() + "'");
    AudioWriteHeader header = write_header(path, name, samplerate, format, subtype, tags);
    py::gil_scoped_release nogil;
    mediaview::write_audio(codecs(), std::move(header), buffer.array());
}

// A file written block by block (mediaview's streaming conversions).
class AudioFileWriter {
public:
    AudioFileWriter(py::handle path, py::handle name, int samplerate, int channels, const std::string& dtype,
                    const std::string& format, const std::string& subtype,
                    const std::map<std::string, std::string>& tags) {
        AudioWriteHeader header = write_header(path, name, samplerate, format, subtype, tags);
        header.channels = channels;
        header.dtype = audio_dtype_from_name(dtype);
        py::gil_scoped_release nogil;
        writer_ = open_audio_writer(codecs(), header);
    }

    void write(py::handle data) {
        StridedArray samples = caller_buffer(data, false, "data").array();
        py::gil_scoped_release nogil;
        append_audio(*writer_, samples);
    }

    void close() {
        py::gil_scoped_release nogil;
        writer_->close();
    }

private:
    std::unique_ptr<AudioWriter> writer_;
};

py::dict plan_conversion(const std::string& target, const std::string& source_subtype, const std::string& subtype,
                         int samplerate, int channels) {
    AudioConversion plan = plan_audio_conversion(codecs(), target, source_subtype, subtype, samplerate, channels);
    py::dict d;
    d["format"] = plan.format;
    d["subtype"] = plan.subtype.empty() ? py::object(py::none()) : py::object(py::str(plan.subtype));
    d["dtype"] = std::string(dtype_name(plan.dtype));
    d["lossy"] = plan.lossy;
    return d;
}

}  // namespace

void bind_audio(py::module_& m) {
    bind_record<AudioInfo>(m, "AudioInfo", "What an audio file holds, read from its header.",
                           [](const AudioInfo& i, py::dict& d) {
                               py::dict tags;
                               for (const auto& [key, value] : i.tags) tags[py::str(key)] = value;
                               d["tags"] = tags;
                           })
        .def_property_readonly("tags", [](const AudioInfo& i) {
            py::dict tags;
            for (const auto& [key, value] : i.tags) tags[py::str(key)] = value;
            return tags;
        }, "Text tags present in the file, e.g. {'title': ...}.");
    py::list dtypes;
    for (DType t : audio_dtypes()) dtypes.append(std::string(dtype_name(t)));
    m.attr("AUDIO_DTYPES") = py::tuple(dtypes);
    m.def("audio_info", &audio_info, py::arg("src"), py::arg("request"));
    m.def("read_audio", &read_audio, py::arg("src"), py::arg("request"), py::arg("out").none(true),
          py::arg("threads"));
    py::class_<AudioStream>(m, "AudioStream", "Blocks of an audio source, decoded one at a time.")
        .def(py::init<py::handle, const AudioReadRequest&, std::int64_t, std::int64_t>(), py::arg("src"),
             py::arg("request"), py::arg("blocksize"), py::arg("overlap"))
        .def_property_readonly("samplerate", [](const AudioStream& s) { return s.samplerate(); })
        .def_property_readonly("channels", [](const AudioStream& s) { return s.channels(); })
        .def_property_readonly("source_samplerate", [](const AudioStream& s) { return s.info().samplerate; })
        .def_property_readonly("frames", [](const AudioStream& s) { return s.info().frames; })
        .def_property_readonly("subtype", [](const AudioStream& s) { return s.info().subtype; })
        .def("next_block", &AudioStream::next_block);
    m.def("write_audio", &write_audio, py::arg("path"), py::arg("name"), py::arg("data"), py::arg("samplerate"),
          py::arg("format"), py::arg("subtype"), py::arg("tags"));
    py::class_<AudioFileWriter>(m, "AudioFileWriter", "An audio file written block by block (GIL released).")
        .def(py::init<py::handle, py::handle, int, int, const std::string&, const std::string&, const std::string&,
                      const std::map<std::string, std::string>&>(),
             py::arg("path"), py::arg("name"), py::arg("samplerate"), py::arg("channels"), py::arg("dtype"),
             py::arg("format"), py::arg("subtype"), py::arg("tags"))
        .def("write", &AudioFileWriter::write, py::arg("data"))
        .def("close", &AudioFileWriter::close);
    m.def("plan_audio_conversion", &plan_conversion, py::arg("target"), py::arg("source_subtype"),
          py::arg("subtype"), py::arg("samplerate") = 0, py::arg("channels") = 0,
          "For converting audio stored as source_subtype into target (extension or format name): "
          "{'format', 'subtype' (None: the format's default), 'dtype' to read in, 'lossy'}; with samplerate and "
          "channels, ValueError saying why the target cannot store such audio.");
}

}  // namespace mediaview::python
