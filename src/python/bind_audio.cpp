// audio_info(), read_audio(), the block reader behind stream_audio(), and
// write_audio(): argument handling around the audio codec.
#include <pybind11/stl.h>

#include <cstring>
#include <optional>
#include <string>

#include "bindings.hpp"
#include "decoders/sndfile/sndfile_decoder.hpp"
#include "error_translation.hpp"
#include "exporter.hpp"
#include "mapped_file.hpp"
#include "registry.hpp"
#include "source.hpp"

namespace py = pybind11;

namespace mediaview::python {
namespace {

// Encoded audio as the codec wants it: a path that libsndfile opens itself,
// or bytes in memory (a bytes-like object's export, or a file object's read()).
class AudioInput {
public:
    explicit AudioInput(py::handle src) {
        if (auto path = path_of(src)) {
            source_.path = *path;
            return;
        }
        bytes_ = std::make_unique<EncodedSource>(src);
        source_.memory = bytes_->span();
        if (source_.memory.size == 0) throw UnsupportedFormatError("empty input: no audio data");
    }
    const AudioSource& source() const { return source_; }

private:
    std::unique_ptr<EncodedSource> bytes_;
    AudioSource source_;
};

AudioHints make_hints(const std::optional<std::string>& format, std::optional<int> samplerate,
                      std::optional<int> channels, const std::optional<std::string>& subtype,
                      const std::optional<std::string>& endian) {
    AudioHints h;
    h.format = format.value_or("");
    h.subtype = subtype.value_or("");
    h.endian = endian.value_or("");
    h.samplerate = samplerate.value_or(0);
    h.channels = channels.value_or(0);
    return h;
}

DType audio_dtype(const std::string& name) {
    DType t = dtype_from_name(name);
    if (t != DType::I16 && t != DType::I32 && t != DType::F32 && t != DType::F64)
        throw std::invalid_argument("audio dtype must be int16, int32, float32 or float64, not " + name);
    return t;
}

// How a frames x channels interleaved block is shown to Python.
struct Layout {
    bool planar = false;
    bool always_2d = false;

    std::vector<Index> shape(Index frames, int channels) const {
        if (channels == 1 && !always_2d) return {frames};
        return planar ? std::vector<Index>{channels, frames} : std::vector<Index>{frames, channels};
    }
    // The interleaved array (frames, channels) as the caller sees it.
    StridedArray view(const StridedArray& interleaved) const {
        Index frames = interleaved.shape()[0];
        int channels = static_cast<int>(interleaved.shape()[1]);
        if (channels == 1 && !always_2d)
            return StridedArray(interleaved.storage(), interleaved.dtype(), {frames}, {interleaved.strides()[0]},
                                interleaved.offset());
        return planar ? interleaved.permuted({1, 0}) : interleaved;
    }
};

Layout make_layout(const std::string& layout, bool always_2d) {
    if (layout != "interleaved" && layout != "planar")
        throw std::invalid_argument("layout must be 'interleaved' or 'planar', not '" + layout + "'");
    return {layout == "planar", always_2d};
}

// The first `frames` frames of an interleaved array (a short read).
StridedArray first_frames(const StridedArray& a, Index frames) {
    auto shape = a.shape();
    shape[0] = frames;
    return StridedArray(a.storage(), a.dtype(), shape, a.strides(), a.offset());
}

py::object as_memoryview(StridedArray array) {
    PyObject* view = memoryview_of(std::move(array));
    if (!view) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(view);
}

bool format_matches(const Py_buffer& v, DType dtype) {
    std::string f = v.format ? v.format : "B";
    if (!f.empty() && (f[0] == '<' || f[0] == '=' || f[0] == '@')) f = f.substr(1);
    return f.size() == 1 && f[0] == format_code(dtype) && v.itemsize == static_cast<Py_ssize_t>(itemsize(dtype));
}

// The caller's out= buffer as the interleaved (frames, channels) array the
// decoder fills: it must have the returned view's shape, and its memory must
// be laid out as interleaved frames (for planar, e.g. numpy's empty((n, c)).T).
StridedArray interleaved_out(const Py_buffer& v, const std::shared_ptr<Storage>& storage, DType dtype,
                             Index frames, int channels, const Layout& layout) {
    if (!format_matches(v, dtype))
        throw std::invalid_argument(std::string("out must hold ") + std::string(dtype_name(dtype)) + " elements");
    std::vector<Index> shape(v.shape, v.shape + v.ndim), strides(v.strides, v.strides + v.ndim);
    if (shape != layout.shape(frames, channels))
        throw std::invalid_argument("out has the wrong shape for " + std::to_string(frames) + " frames of " +
                                    std::to_string(channels) + " channels");
    Index item = static_cast<Index>(itemsize(dtype));
    Index offset = static_cast<std::uint8_t*>(v.buf) - storage->data;
    StridedArray interleaved(storage, dtype, {frames, channels}, {item * channels, item}, offset);
    StridedArray expected = layout.view(interleaved);
    for (std::size_t i = 0; i < strides.size(); ++i)
        if (shape[i] > 1 && strides[i] != expected.strides()[i])
            throw std::invalid_argument("out must be laid out as interleaved frames (C order for 'interleaved', "
                                        "the transpose of a C-order (frames, channels) array for 'planar')");
    return interleaved;
}

// Reads to the end of a stream whose length is unknown or estimated, in
// chunks; the samples are copied once into an exactly sized block.
StridedArray read_to_end(AudioStream& stream, DType dtype, FrameRange range) {
    int channels = stream.info().channels;
    std::size_t frame_bytes = itemsize(dtype) * channels;
    std::vector<std::uint8_t> collected;
    constexpr std::int64_t kChunk = 1 << 16;
    stream.seek(range.start);
    std::int64_t wanted = range.stop >= 0 ? range.stop - range.start : -1;
    std::int64_t total = 0;
    while (wanted < 0 || total < wanted) {
        std::int64_t ask = wanted < 0 ? kChunk : std::min(kChunk, wanted - total);
        collected.resize((total + ask) * frame_bytes);
        std::int64_t got = stream.read(dtype, collected.data() + total * frame_bytes, ask);
        total += got;
        if (got < ask) break;
    }
    StridedArray out = StridedArray::allocate(dtype, {total, channels});
    if (total) std::memcpy(out.data(), collected.data(), total * frame_bytes);
    return out;
}

// Why the samples of this file cannot be served straight from a memory map,
// or "" when they can (then `offset` is where frame 0 starts).
std::string mmap_obstacle(const AudioInfo& info, DType dtype, const Storage& file, std::uint64_t& offset) {
    static const std::map<std::string, DType> native = {
        {"PCM_16", DType::I16}, {"PCM_32", DType::I32}, {"FLOAT", DType::F32}, {"DOUBLE", DType::F64}};
    auto stored = native.find(info.subtype);
    if (stored == native.end()) return "its samples are " + info.subtype + ", not plain PCM or float";
    if (stored->second != dtype)
        return "its samples are " + info.subtype + ", not " + std::string(dtype_name(dtype));
    sndfile::PcmLayout layout;
    try {
        layout = sndfile::pcm_layout(file.data, file.size, info);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    if (!layout.little_endian) return "its samples are big-endian and this machine is little-endian";
    if (layout.data_offset % itemsize(dtype) != 0)
        return "its sample data starts at byte " + std::to_string(layout.data_offset) + ", not aligned to " +
               std::to_string(itemsize(dtype)) + " bytes";
    std::uint64_t needed = layout.data_offset + static_cast<std::uint64_t>(info.frames) * info.channels * itemsize(dtype);
    if (needed > file.size) return "the file is shorter than its header says";
    offset = layout.data_offset;
    return "";
}

std::optional<StridedArray> try_mmap(const AudioSource& source, const AudioInfo& info, DType dtype,
                                     FrameRange range, std::optional<bool> mmap) {
    if (mmap.has_value() && !*mmap) return std::nullopt;
    std::string why;
    if (source.path.empty()) why = "it is not read from a path";
    else if (!info.exact_length) why = "its length is not exact";
    std::shared_ptr<Storage> file;
    std::uint64_t offset = 0;
    if (why.empty()) {
        file = map_file(source.path);
        why = mmap_obstacle(info, dtype, *file, offset);
    }
    if (!why.empty()) {
        if (mmap.value_or(false)) throw std::invalid_argument("cannot memory-map this audio: " + why);
        return std::nullopt;
    }
    Index item = static_cast<Index>(itemsize(dtype));
    Index frame = item * info.channels;
    return StridedArray(file, dtype, {range.frames(), info.channels}, {frame, item},
                        static_cast<Index>(offset) + range.start * frame);
}

struct ReadOptions {
    DType dtype;
    std::int64_t start;
    std::optional<std::int64_t> stop, frames;
    Layout layout;
    int threads;
    std::optional<bool> mmap;
};

py::tuple read_audio(py::handle src, const std::string& dtype_text, std::int64_t start,
                     std::optional<std::int64_t> stop, std::optional<std::int64_t> frames,
                     const std::string& layout_text, bool always_2d, py::handle out, int threads,
                     std::optional<std::string> format, std::optional<int> samplerate, std::optional<int> channels,
                     std::optional<std::string> subtype, std::optional<std::string> endian, std::optional<bool> mmap) {
    ReadOptions o{audio_dtype(dtype_text), start, stop, frames, make_layout(layout_text, always_2d), threads, mmap};
    if (threads < 1) throw std::invalid_argument("threads must be at least 1");
    if (!out.is_none() && mmap.value_or(false)) throw std::invalid_argument("mmap=True cannot write into out=");
    AudioHints hints = make_hints(format, samplerate, channels, subtype, endian);
    AudioInput input(src);
    std::shared_ptr<Storage> out_storage;
    std::shared_ptr<const Py_buffer> out_view;
    if (!out.is_none()) out_view = acquire_out_buffer(out, out_storage);

    StridedArray result;
    int rate = 0;
    {
        py::gil_scoped_release nogil;
        const AudioDecoder& decoder = audio_decoder();
        std::unique_ptr<AudioStream> stream = decoder.open(input.source(), hints);
        const AudioInfo& info = stream->info();
        rate = info.samplerate;
        if (!info.seekable && o.start != 0) throw std::invalid_argument("start needs a seekable source");
        if (!info.exact_length) {
            // The length is unknown or estimated: read to the real end.
            if (o.start < 0 || (o.stop && *o.stop < 0))
                throw std::invalid_argument("negative positions need a known length");
            FrameRange r{o.start, o.stop ? *o.stop : (o.frames && *o.frames >= 0 ? o.start + *o.frames : -1)};
            if (o.stop && o.frames) throw std::invalid_argument("pass only one of stop and frames");
            result = read_to_end(*stream, o.dtype, r);
            if (out_view) {
                StridedArray target = interleaved_out(*out_view, out_storage, o.dtype, result.shape()[0],
                                                      info.channels, o.layout);
                std::memcpy(target.data(), result.data(), result.nbytes());
                result = target;
            }
        } else {
            FrameRange range = resolve_range(info.frames, o.start, o.stop, o.frames);
            std::optional<StridedArray> mapped;
            if (!out_view) mapped = try_mmap(input.source(), info, o.dtype, range, o.mmap);
            if (mapped) {
                result = *mapped;
            } else {
                result = out_view ? interleaved_out(*out_view, out_storage, o.dtype, range.frames(), info.channels,
                                                    o.layout)
                                  : StridedArray::allocate(o.dtype, {range.frames(), info.channels});
                std::int64_t got = read_range(decoder, input.source(), hints, *stream, o.dtype, range, result.data(),
                                              o.threads);
                if (got < range.frames()) result = first_frames(result, got);  // the data ended early
            }
        }
    }
    return py::make_tuple(as_memoryview(o.layout.view(result)), rate);
}

py::dict info_dict(const AudioInfo& info) {
    py::dict d;
    d["samplerate"] = info.samplerate;
    d["channels"] = info.channels;
    d["frames"] = info.frames;
    d["duration"] = info.duration();
    d["format"] = info.format;
    d["subtype"] = info.subtype;
    d["endian"] = info.endian;
    d["seekable"] = info.seekable;
    d["exact_length"] = info.exact_length;
    d["tags"] = info.tags;
    return d;
}

py::dict audio_info(py::handle src, std::optional<std::string> format, std::optional<int> samplerate,
                    std::optional<int> channels, std::optional<std::string> subtype,
                    std::optional<std::string> endian) {
    AudioHints hints = make_hints(format, samplerate, channels, subtype, endian);
    AudioInput input(src);
    AudioInfo info;
    {
        py::gil_scoped_release nogil;
        info = audio_decoder().open(input.source(), hints)->info();
    }
    return info_dict(info);
}

// Yields consecutive blocks of a frame range, each `overlap` frames into the
// previous one, reading sequentially from one handle (one seek, at the start).
// A block's memory is reused for the next block only when Python no longer
// holds any view of it.
class BlockReader {
public:
    BlockReader(py::handle src, std::int64_t blocksize, std::int64_t overlap, const std::string& dtype_text,
                std::int64_t start, std::optional<std::int64_t> stop, const std::string& layout_text, bool always_2d,
                std::optional<std::string> format, std::optional<int> samplerate, std::optional<int> channels,
                std::optional<std::string> subtype, std::optional<std::string> endian)
        : input_(src), dtype_(audio_dtype(dtype_text)), layout_(make_layout(layout_text, always_2d)),
          blocksize_(blocksize), overlap_(overlap) {
        if (blocksize <= 0) throw std::invalid_argument("blocksize must be positive");
        if (overlap < 0 || overlap >= blocksize) throw std::invalid_argument("overlap must be in [0, blocksize)");
        AudioHints hints = make_hints(format, samplerate, channels, subtype, endian);
        py::gil_scoped_release nogil;
        stream_ = audio_decoder().open(input_.source(), hints);
        const AudioInfo& info = stream_->info();
        if (info.exact_length) {
            range_ = resolve_range(info.frames, start, stop, std::nullopt);
        } else {
            if (start < 0 || (stop && *stop < 0)) throw std::invalid_argument("negative positions need a known length");
            range_ = {start, stop ? *stop : -1};  // -1: until the data ends
        }
        if (range_.start != 0) {
            if (!info.seekable) throw std::invalid_argument("start needs a seekable source");
            stream_->seek(range_.start);
        }
        position_ = range_.start;
    }

    int samplerate() const { return stream_->info().samplerate; }

    py::object next() {
        if (finished_) throw py::stop_iteration();
        int channels = stream_->info().channels;
        std::size_t frame_bytes = itemsize(dtype_) * channels;
        Index carried = previous_.shape().empty() ? 0 : std::min<Index>(overlap_, previous_.shape()[0]);
        std::int64_t wanted = blocksize_ - carried;
        if (range_.stop >= 0) wanted = std::min<std::int64_t>(wanted, range_.stop - position_);
        StridedArray block = fresh_block(carried + wanted, channels);
        std::int64_t got = 0;
        {
            py::gil_scoped_release nogil;
            if (carried)  // the overlap: the previous block's last frames (memmove: maybe the same memory)
                std::memmove(block.data(), previous_.data() + (previous_.shape()[0] - carried) * frame_bytes,
                             carried * frame_bytes);
            while (got < wanted) {
                std::int64_t n = stream_->read(dtype_, block.data() + (carried + got) * frame_bytes, wanted - got);
                if (n <= 0) break;
                got += n;
            }
        }
        position_ += got;
        if (got < wanted || (range_.stop >= 0 && position_ >= range_.stop)) finished_ = true;
        if (got == 0) {
            finished_ = true;
            throw py::stop_iteration();
        }
        previous_ = first_frames(block, carried + got);
        owner_ = py::reinterpret_steal<py::object>(new_exporter(layout_.view(previous_)));
        if (!owner_) throw py::error_already_set();
        return py::reinterpret_steal<py::object>(PyMemoryView_FromObject(owner_.ptr()));
    }

private:
    // The previous block's memory when nothing outside holds it (our own
    // reference to its exporter is the only one, and no export is alive).
    StridedArray fresh_block(Index frames, int channels) {
        bool reusable = owner_ && Py_REFCNT(owner_.ptr()) == 1 && exporter_export_count(owner_.ptr()) == 0 &&
                        previous_.storage()->size >= static_cast<std::size_t>(frames) * channels * itemsize(dtype_);
        if (!reusable) return StridedArray::allocate(dtype_, {frames, channels});
        Index item = static_cast<Index>(itemsize(dtype_));
        return StridedArray(previous_.storage(), dtype_, {frames, channels}, {item * channels, item});
    }

    AudioInput input_;
    DType dtype_;
    Layout layout_;
    std::int64_t blocksize_, overlap_;
    std::unique_ptr<AudioStream> stream_;
    FrameRange range_;
    std::int64_t position_ = 0;
    bool finished_ = false;
    StridedArray previous_;
    py::object owner_;
};

void write_audio(const std::string& path, py::handle data, int samplerate, const std::string& format,
                 const std::string& subtype, const std::map<std::string, std::string>& tags, bool planar) {
    BufferExport held(data, PyBUF_RECORDS_RO);
    const Py_buffer& v = held.view();
    DType dtype = DType::U8;
    bool known = false;
    for (DType t : {DType::I16, DType::I32, DType::F32, DType::F64})
        if (format_matches(v, t)) dtype = t, known = true;
    if (!known)
        throw std::invalid_argument(std::string("audio data must be int16, int32, float32 or float64, not format '") +
                                    (v.format ? v.format : "B") + "'");
    if (v.ndim != 1 && v.ndim != 2) throw std::invalid_argument("audio data must be (frames,) or (frames, channels)");
    Index frames = v.ndim == 1 ? v.shape[0] : v.shape[planar ? 1 : 0];
    Index channels = v.ndim == 1 ? 1 : v.shape[planar ? 0 : 1];
    Index item = static_cast<Index>(itemsize(dtype));
    Index frame_stride = v.ndim == 1 ? v.strides[0] : v.strides[planar ? 1 : 0];
    Index channel_stride = v.ndim == 1 ? item : v.strides[planar ? 0 : 1];
    sndfile::WriteRequest request;
    request.path = path;
    request.dtype = dtype;
    request.frames = frames;
    request.channels = static_cast<int>(channels);
    request.samplerate = samplerate;
    request.format = format;
    request.subtype = subtype;
    request.tags = tags;
    py::gil_scoped_release nogil;
    // libsndfile takes interleaved frames: pass the caller's memory when it
    // is laid out so, else pack it once.
    StridedArray packed;
    bool interleaved = (channel_stride == item || channels == 1) && (frame_stride == item * channels || frames <= 1);
    if (interleaved) {
        request.interleaved = v.buf;
    } else {
        packed = StridedArray::allocate(dtype, {frames, channels});
        auto* dst = packed.data();
        auto* src = static_cast<const std::uint8_t*>(v.buf);
        for (Index f = 0; f < frames; ++f)
            for (Index c = 0; c < channels; ++c, dst += item)
                std::memcpy(dst, src + f * frame_stride + c * channel_stride, item);
        request.interleaved = packed.data();
    }
    sndfile::write_file(request);
}

}  // namespace

void bind_audio(py::module_& m) {
    m.def("read_audio", &read_audio, py::arg("src"), py::arg("dtype"), py::arg("start"), py::arg("stop").none(true),
          py::arg("frames").none(true), py::arg("layout"), py::arg("always_2d"), py::arg("out").none(true),
          py::arg("threads"), py::arg("format").none(true), py::arg("samplerate").none(true),
          py::arg("channels").none(true), py::arg("subtype").none(true), py::arg("endian").none(true),
          py::arg("mmap").none(true));
    m.def("audio_info", &audio_info, py::arg("src"), py::arg("format").none(true), py::arg("samplerate").none(true),
          py::arg("channels").none(true), py::arg("subtype").none(true), py::arg("endian").none(true));
    py::class_<BlockReader>(m, "BlockReader")
        .def(py::init<py::handle, std::int64_t, std::int64_t, const std::string&, std::int64_t,
                      std::optional<std::int64_t>, const std::string&, bool, std::optional<std::string>,
                      std::optional<int>, std::optional<int>, std::optional<std::string>, std::optional<std::string>>(),
             py::arg("src"), py::arg("blocksize"), py::arg("overlap"), py::arg("dtype"), py::arg("start"),
             py::arg("stop").none(true), py::arg("layout"), py::arg("always_2d"), py::arg("format").none(true),
             py::arg("samplerate").none(true), py::arg("channels").none(true), py::arg("subtype").none(true),
             py::arg("endian").none(true))
        .def_property_readonly("samplerate", &BlockReader::samplerate)
        .def("__iter__", [](py::object self) { return self; })
        .def("__next__", &BlockReader::next);
    m.def("write_audio", &write_audio, py::arg("path"), py::arg("data"), py::arg("samplerate"), py::arg("format"),
          py::arg("subtype"), py::arg("tags"), py::arg("planar"));
    m.def("default_subtype", &sndfile::default_subtype, py::arg("format"));
}

}  // namespace mediaview::python
