// audio_info, read_audio, AudioStream and write_audio: argument handling
// around the audio codec. Every libsndfile call runs with the GIL released.
#include <pybind11/stl.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>

#include "audio_input.hpp"
#include "bindings.hpp"
#include "error_translation.hpp"
#include "exporter.hpp"
#include "src/audio_read.hpp"

namespace py = pybind11;

namespace mediaview::python {
namespace {

// ---- shapes -------------------------------------------------------------------

enum class Layout { Interleaved, Planar };

Layout layout_from_name(const std::string& name) {
    if (name == "interleaved") return Layout::Interleaved;
    if (name == "planar") return Layout::Planar;
    throw py::value_error("layout must be 'interleaved' or 'planar', not '" + name + "'");
}

DType audio_dtype(const std::string& name) {
    DType t = dtype_from_name(name);
    if (t != DType::I16 && t != DType::I32 && t != DType::F32 && t != DType::F64)
        throw py::value_error("audio dtype must be int16, int32, float32 or float64, not " + name);
    return t;
}

// `frames` (frames, channels) interleaved samples as the caller asked to see
// them: planar is the transposed view of the same memory, mono drops the
// channel axis unless always_2d.
StridedArray shaped(const StridedArray& frames, Layout layout, bool always_2d) {
    if (frames.shape()[1] == 1 && !always_2d)
        return StridedArray(frames.storage(), frames.dtype(), {frames.shape()[0]}, {frames.strides()[0]},
                            frames.offset());
    return layout == Layout::Planar ? frames.permuted({1, 0}) : frames;
}

// The first `n` frames of an interleaved (frames, channels) array.
StridedArray first_frames(const StridedArray& a, Index n) {
    return StridedArray(a.storage(), a.dtype(), {n, a.shape()[1]}, a.strides(), a.offset());
}

py::object to_memoryview(StridedArray a) {
    PyObject* view = memoryview_of(std::move(a));
    if (!view) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(view);
}

// ---- ranges -------------------------------------------------------------------

struct Range {
    std::int64_t start = 0;
    std::int64_t frames = 0;
    bool to_end = false;  // no stop or frame count given: read to the real end
};

// python-soundfile's rules: start and stop index like a Python slice
// (negative from the end, clamped), `frames` counts from start, and only one
// of stop and frames may be given.
Range resolve_range(std::int64_t total, std::int64_t start, std::optional<std::int64_t> stop,
                    std::optional<std::int64_t> frames) {
    if (stop && frames) throw py::value_error("give only one of stop and frames");
    if (frames && *frames < 0) throw py::value_error("frames must not be negative");
    Range r;
    r.to_end = !stop && !frames;
    if (total < 0) {  // unknown length: positions count from the start only
        if (start < 0 || (stop && *stop < 0))
            throw py::value_error("the length of this audio is unknown: start and stop must not be negative");
        r.start = start;
        std::int64_t end = stop ? *stop : frames ? start + *frames : start;
        r.frames = std::max<std::int64_t>(0, end - start);
        return r;
    }
    auto clamp_index = [total](std::int64_t i) { return std::clamp<std::int64_t>(i < 0 ? i + total : i, 0, total); };
    r.start = clamp_index(start);
    std::int64_t end = stop ? clamp_index(*stop) : frames ? std::min(total, r.start + *frames) : total;
    r.frames = std::max<std::int64_t>(0, end - r.start);
    return r;
}

// ---- out= ---------------------------------------------------------------------

// The caller's buffer as the interleaved (frames, channels) array the
// decoder writes, after checking it has the shape and format read_audio
// would return and interleaved memory (a C-contiguous interleaved array, or
// the planar view of one).
StridedArray caller_frames(const Py_buffer& v, const std::shared_ptr<Storage>& storage, DType dtype, Index frames,
                           Index channels, Layout layout, bool always_2d) {
    if (dtype_of_buffer(v) != dtype)
        throw py::value_error(std::string("out must hold ") + std::string(dtype_name(dtype)) + " elements (format '" +
                              format_code(dtype) + "'), not format '" + (v.format ? v.format : "B") + "'");
    Index item = static_cast<Index>(itemsize(dtype));
    if (frames > std::numeric_limits<Index>::max() / (channels * item))
        throw py::value_error("out cannot hold the " + std::to_string(frames) + " frames of this read");
    // The shape and strides read_audio would return, worked out on a
    // scratch array before anything touches the caller's memory.
    auto scratch = std::make_shared<Storage>();
    scratch->size = static_cast<std::size_t>(frames * channels * item);
    StridedArray wanted = shaped(StridedArray(scratch, dtype, {frames, channels}, {item * channels, item}), layout,
                                 always_2d);
    std::vector<Index> shape(v.shape, v.shape + v.ndim), strides(v.strides, v.strides + v.ndim);
    if (shape != wanted.shape())
        throw py::value_error("out has shape " + describe_shape(shape) + " but the audio read has shape " +
                              describe_shape(wanted.shape()));
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] > 1 && strides[i] != wanted.strides()[i])
            throw py::value_error("out must be interleaved memory: a C-contiguous array (or, for layout='planar', "
                                  "the transposed view of one)");
    }
    return StridedArray(storage, dtype, {frames, channels}, {item * channels, item},
                        static_cast<std::uint8_t*>(v.buf) - storage->data);
}

// ---- reading ------------------------------------------------------------------

struct ReadRequest {
    DType dtype = DType::F32;
    std::int64_t start = 0;
    std::optional<std::int64_t> stop, frames;
    int threads = 1;
    int mmap = -1;  // -1 when possible, 0 never, 1 required
    std::uint64_t max_samples = 0;  // for the buffer allocated here; 0 = no limit
};

// Decodes (or maps) with the GIL released. Returns (frames, channels).
StridedArray read_frames_nogil(const AudioSource& source, const ReadRequest& rq, const Py_buffer* out_view,
                               const std::shared_ptr<Storage>& out_storage, Layout layout, bool always_2d,
                               int& samplerate) {
    const AudioCodec& decoder = audio_decoder();
    std::unique_ptr<AudioHandle> handle = decoder.open(source);
    const AudioInfo& info = handle->info();
    samplerate = info.samplerate;
    Range r = resolve_range(info.frames, rq.start, rq.stop, rq.frames);
    if (rq.mmap != 0 && !out_view) {
        std::string why;
        if (auto mapped = map_pcm(decoder, source, *handle, r.start, r.frames, rq.dtype, why)) return *mapped;
        if (rq.mmap == 1) throw py::value_error("mmap=True: cannot map the samples: " + why);
    }
    // A mapped file and the caller's out= bound themselves; only memory
    // allocated here on the header's word is held to the limit.
    if (!out_view) check_sample_limit(r.frames, info.channels, rq.max_samples);
    StridedArray frames = out_view ? caller_frames(*out_view, out_storage, rq.dtype, r.frames, info.channels, layout, always_2d)
                                   : StridedArray::allocate(rq.dtype, {r.frames, info.channels});
    std::int64_t got = read_frames(decoder, source, *handle, r.start, r.frames, rq.dtype, frames.data(), rq.threads);
    frames = first_frames(frames, got);
    if (r.to_end && !info.exact_length && !out_view && got == r.frames)
        frames = append_rest(*handle, frames, rq.dtype, rq.max_samples);
    return frames;
}

py::tuple read_audio(py::handle src, const std::string& dtype, std::int64_t start, std::optional<std::int64_t> stop,
                     std::optional<std::int64_t> frames, const std::string& layout_name, bool always_2d,
                     py::handle out, int threads, std::optional<bool> mmap, std::uint64_t max_samples,
                     py::handle hints) {
    ReadRequest rq{audio_dtype(dtype), start, stop, frames, threads, mmap ? int(*mmap) : -1, max_samples};
    Layout layout = layout_from_name(layout_name);
    if (threads < 1) throw py::value_error("threads must be at least 1");
    if (mmap.value_or(false) && !out.is_none()) throw py::value_error("mmap=True cannot write into out=");
    AudioInput input(src, hints_from(hints));
    std::shared_ptr<Storage> out_storage;
    std::shared_ptr<const Py_buffer> out_view;
    if (!out.is_none()) out_view = acquire_out_buffer(out, out_storage);
    int samplerate = 0;
    StridedArray result;
    {
        py::gil_scoped_release nogil;
        result = read_frames_nogil(input.source(), rq, out_view.get(), out_storage, layout, always_2d, samplerate);
    }
    return py::make_tuple(to_memoryview(shaped(result, layout, always_2d)), samplerate);
}

AudioInfo audio_info(py::handle src, py::handle hints) {
    AudioInput input(src, hints_from(hints));
    py::gil_scoped_release nogil;
    return audio_decoder().open(input.source())->info();
}

// ---- streaming ----------------------------------------------------------------

// Blocks of `blocksize` frames, each overlapping the previous by `overlap`
// (python-soundfile's blocks()). One handle, one seek at the start. A block
// buffer is reused only when nothing outside holds its exporter or an export
// of it; otherwise the next block gets a fresh buffer.
class AudioStream {
public:
    AudioStream(py::handle src, std::int64_t blocksize, std::int64_t overlap, const std::string& dtype,
                std::int64_t start, std::optional<std::int64_t> stop, const std::string& layout, bool always_2d)
        : input_(src, AudioHints{}), blocksize_(blocksize), overlap_(overlap), dtype_(audio_dtype(dtype)),
          layout_(layout_from_name(layout)), always_2d_(always_2d) {
        if (blocksize <= 0) throw py::value_error("blocksize must be positive");
        if (overlap < 0 || overlap >= blocksize) throw py::value_error("overlap must be at least 0 and less than blocksize");
        py::gil_scoped_release nogil;
        handle_ = audio_decoder().open(input_.source());
        // A block's byte count must be representable (it is allocated when
        // the stream's length is unknown); a stream of known length
        // allocates no more than it holds, whatever the blocksize.
        if (blocksize > std::numeric_limits<std::int64_t>::max() / static_cast<std::int64_t>(frame_bytes()))
            throw py::value_error("blocksize " + std::to_string(blocksize) + " frames is too large");
        Range r = resolve_range(handle_->info().frames, start, stop, std::nullopt);
        remaining_ = r.frames;
        to_end_ = !stop && !handle_->info().exact_length;  // an estimated or unknown length
        handle_->seek(r.start);
    }

    const AudioInfo& info() const { return handle_->info(); }

    // The next block, or None at the end.
    py::object next_block() {
        std::lock_guard<std::mutex> lock(busy_);  // one caller at a time while the GIL is released
        if (finished_) return py::none();
        std::int64_t kept = first_ ? 0 : std::min(overlap_, last_frames_);
        std::int64_t wanted = blocksize_ - kept;
        if (!to_end_) wanted = std::min(wanted, remaining_);
        if (wanted <= 0) return finish();
        std::shared_ptr<Storage> storage = block_storage(kept, wanted);
        std::int64_t got = 0;
        {
            py::gil_scoped_release nogil;
            got = read_fully(*handle_, dtype_, storage->data + kept * frame_bytes(), wanted);
        }
        if (got == 0) return finish();
        remaining_ -= got;
        if (got < wanted) finished_ = true;
        first_ = false;
        last_frames_ = kept + got;
        storage_ = storage;
        return hand_out(storage, last_frames_);
    }

private:
    std::size_t frame_bytes() const { return itemsize(dtype_) * static_cast<std::size_t>(handle_->info().channels); }

    py::object finish() {
        finished_ = true;
        return py::none();
    }

    bool reusable(std::size_t bytes) const {
        if (!exporter_ || storage_->size < bytes) return false;
        // Our reference is the only one and no buffer export is alive: no
        // view, array or exporter of the previous block exists any more.
        return Py_REFCNT(exporter_.ptr()) == 1 && exporter_export_count(exporter_.ptr()) == 0;
    }

    // The buffer for the next block, `kept` overlap frames of the previous
    // block already at its start, with room for `wanted` more: a blocksize
    // far beyond what a stream of known length holds allocates only that.
    std::shared_ptr<Storage> block_storage(std::int64_t kept, std::int64_t wanted) {
        const std::size_t bytes = static_cast<std::size_t>(kept + wanted) * frame_bytes();
        const std::uint8_t* tail = storage_ ? storage_->data + (last_frames_ - kept) * frame_bytes() : nullptr;
        if (reusable(bytes)) {
            std::memmove(storage_->data, tail, kept * frame_bytes());
            exporter_ = py::object();
            return storage_;
        }
        std::shared_ptr<Storage> fresh = Storage::allocate(bytes);
        if (kept) std::memcpy(fresh->data, tail, kept * frame_bytes());
        return fresh;
    }

    py::object hand_out(const std::shared_ptr<Storage>& storage, std::int64_t frames) {
        Index item = static_cast<Index>(itemsize(dtype_)), channels = handle_->info().channels;
        StridedArray block(storage, dtype_, {frames, channels}, {item * channels, item});
        PyObject* ex = new_exporter(shaped(block, layout_, always_2d_));
        if (!ex) throw py::error_already_set();
        exporter_ = py::reinterpret_steal<py::object>(ex);
        PyObject* view = PyMemoryView_FromObject(ex);
        if (!view) throw py::error_already_set();
        return py::reinterpret_steal<py::object>(view);
    }

    AudioInput input_;
    std::unique_ptr<AudioHandle> handle_;
    std::int64_t blocksize_, overlap_;
    DType dtype_;
    Layout layout_;
    bool always_2d_;
    std::int64_t remaining_ = 0;
    bool to_end_ = false;
    bool first_ = true;
    bool finished_ = false;
    std::int64_t last_frames_ = 0;
    std::shared_ptr<Storage> storage_;
    py::object exporter_;
    std::mutex busy_;
};

}  // namespace

void bind_audio(py::module_& m) {
    bind_audio_info(m);
    bind_audio_writer(m);
    m.def("audio_info", &audio_info, py::arg("src"), py::arg("hints").none(true));
    m.def("read_audio", &read_audio, py::arg("src"), py::arg("dtype"), py::arg("start"), py::arg("stop").none(true),
          py::arg("frames").none(true), py::arg("layout"), py::arg("always_2d"), py::arg("out").none(true),
          py::arg("threads"), py::arg("mmap").none(true), py::arg("max_samples"),
          py::arg("hints").none(true));
    py::class_<AudioStream>(m, "AudioStream", "Blocks of an audio source, decoded one at a time.")
        .def(py::init<py::handle, std::int64_t, std::int64_t, const std::string&, std::int64_t,
                      std::optional<std::int64_t>, const std::string&, bool>(),
             py::arg("src"), py::arg("blocksize"), py::arg("overlap"), py::arg("dtype"), py::arg("start"),
             py::arg("stop").none(true), py::arg("layout"), py::arg("always_2d"))
        .def_property_readonly("samplerate", [](const AudioStream& s) { return s.info().samplerate; })
        .def_property_readonly("channels", [](const AudioStream& s) { return s.info().channels; })
        .def("next_block", &AudioStream::next_block);
}

}  // namespace mediaview::python
