#include "audio_input.hpp"

#include <pybind11/stl.h>

#include "src/codec_table.hpp"

namespace py = pybind11;

namespace mediaview::python {

AudioHints hints_from(py::handle hints) {
    AudioHints h;
    if (hints.is_none()) return h;
    py::dict d = py::reinterpret_borrow<py::dict>(hints);
    auto text = [&](const char* key, std::string& field) {
        if (d.contains(key) && !d[key].is_none()) field = py::str(d[key]);
    };
    auto number = [&](const char* key, int& field) {
        if (d.contains(key) && !d[key].is_none()) field = d[key].cast<int>();
    };
    text("format", h.format);
    text("subtype", h.subtype);
    text("endian", h.endian);
    number("samplerate", h.samplerate);
    number("channels", h.channels);
    return h;
}

AudioInput::AudioInput(py::handle src, AudioHints hints) {
    source_.hints = std::move(hints);
    if (auto path = path_of(src)) {
        source_.path = *path;
        return;
    }
    encoded_ = std::make_unique<EncodedSource>(src);
    source_.bytes = encoded_->span();
}

namespace {

py::dict tags_dict(const AudioInfo& i) {
    py::dict tags;
    for (const auto& [key, value] : i.tags) tags[py::str(key)] = value;
    return tags;
}

py::dict info_dict(const AudioInfo& i) {
    py::dict d;
    d["samplerate"] = i.samplerate;
    d["channels"] = i.channels;
    d["frames"] = i.frames;
    d["duration"] = i.duration();
    d["format"] = i.format;
    d["subtype"] = i.subtype;
    d["endian"] = i.endian;
    d["format_info"] = i.format_info;
    d["subtype_info"] = i.subtype_info;
    d["seekable"] = i.seekable;
    d["exact_length"] = i.exact_length;
    d["tags"] = tags_dict(i);
    return d;
}

}  // namespace

void bind_audio_info(py::module_& m) {
    py::class_<AudioInfo>(m, "AudioInfo", "What an audio file holds, read from its header.")
        .def_readonly("samplerate", &AudioInfo::samplerate)
        .def_readonly("channels", &AudioInfo::channels)
        .def_readonly("frames", &AudioInfo::frames, "Frames in the file (an estimate when exact_length is False).")
        .def_property_readonly("duration", &AudioInfo::duration, "Seconds: frames / samplerate.")
        .def_readonly("format", &AudioInfo::format)
        .def_readonly("subtype", &AudioInfo::subtype)
        .def_readonly("endian", &AudioInfo::endian)
        .def_readonly("format_info", &AudioInfo::format_info)
        .def_readonly("subtype_info", &AudioInfo::subtype_info)
        .def_readonly("seekable", &AudioInfo::seekable)
        .def_readonly("exact_length", &AudioInfo::exact_length)
        .def_property_readonly("tags", &tags_dict, "Text tags present in the file, e.g. {'title': ...}.")
        .def("as_dict", &info_dict)
        .def("__repr__", [](const AudioInfo& i) {
            return "AudioInfo(samplerate=" + std::to_string(i.samplerate) + ", channels=" + std::to_string(i.channels) +
                   ", frames=" + std::to_string(i.frames) + ", format='" + i.format + "', subtype='" + i.subtype +
                   "', exact_length=" + (i.exact_length ? "True" : "False") + ")";
        });
}

}  // namespace mediaview::python
