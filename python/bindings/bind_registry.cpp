// decoders() and formats(): what the table holds, so that the Python package
// and the CLI ask instead of knowing.
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "decoders/table.hpp"
#include "pillow_codec.hpp"

namespace py = pybind11;

namespace mediaview::python {
namespace {

const char* kind_name(MediaKind kind) { return kind == MediaKind::Image ? "image" : "audio"; }

const char* option_kind(OptionSpec::Kind kind) {
    switch (kind) {
        case OptionSpec::Kind::Int: return "int";
        case OptionSpec::Kind::Bool: return "bool";
        case OptionSpec::Kind::Text: return "str";
    }
    return "str";
}

py::list options_list(const std::vector<OptionSpec>& specs) {
    py::list out;
    for (const OptionSpec& s : specs) {
        py::dict o;
        o["name"] = s.name;
        o["type"] = option_kind(s.kind);
        o["doc"] = s.doc;
        o["choices"] = s.choices;
        if (s.min < s.max) o["range"] = py::make_tuple(s.min, s.max);
        else o["range"] = py::none();
        out.append(o);
    }
    return out;
}

py::list names_of(const std::vector<PixelMode>& modes) {
    py::list out;
    for (PixelMode m : modes) out.append(std::string(pixel_mode_name(m)));
    return out;
}

py::dict image_format(const ImageCodec& c) {
    py::dict f;
    f["name"] = std::string(c.name());
    f["kind"] = "image";
    f["codec"] = std::string(c.name());
    f["extensions"] = c.extensions();
    f["can_read"] = true;
    f["can_write"] = c.can_encode();
    f["lossy"] = c.lossy();
    f["options"] = options_list(c.encode_options());
    // What it writes: nothing for a codec that only reads.
    f["modes"] = names_of(c.can_encode() ? c.encode_modes() : std::vector<PixelMode>{});
    py::list dtypes;
    if (c.can_encode())
        for (DType t : c.encode_dtypes()) dtypes.append(std::string(dtype_name(t)));
    f["dtypes"] = dtypes;
    // What it reads, where the codec states it.
    f["read_modes"] = names_of(c.decode_modes());
    py::list read_dtypes;
    for (DType t : c.decode_dtypes()) read_dtypes.append(std::string(dtype_name(t)));
    f["read_dtypes"] = read_dtypes;
    py::list scales;
    for (auto [num, den] : c.scales()) scales.append(py::make_tuple(num, den));
    f["scales"] = scales;
    f["via"] = py::none();  // our own codec; "Pillow" for the formats read through it
    // Who writes it: our codec, or None when it only reads (write_image
    // then goes through Pillow where Pillow writes the format).
    f["writer"] = c.can_encode() ? py::object(py::str(std::string(c.name()))) : py::object(py::none());
    f["pages"] = c.encodes_pages();  // several images as pages of one file (encode_pages)
    return f;
}

py::dict audio_format(const AudioCodec& c, const AudioFormat& af, bool writes) {
    py::dict f;
    f["name"] = af.name;
    f["kind"] = "audio";
    f["codec"] = std::string(c.name());
    f["description"] = af.description;
    f["extensions"] = af.extensions;
    f["can_read"] = true;
    f["can_write"] = writes;
    f["requires"] = af.requires_library.empty() ? py::object(py::none()) : py::object(py::str(af.requires_library));
    f["available"] = af.available;
    f["lossy"] = !af.lossy_subtypes.empty() && af.lossy_subtypes.size() == af.subtypes.size();
    f["default_subtype"] = af.default_subtype;
    f["subtypes"] = af.subtypes;
    f["lossy_subtypes"] = af.lossy_subtypes;
    f["samplerates"] = af.samplerates;
    f["max_channels"] = af.max_channels ? py::object(py::int_(af.max_channels)) : py::object(py::none());
    return f;
}

}  // namespace

void bind_registry(py::module_& m) {
    m.def(
        "decoders",
        [] {
            py::list out;
            for (const Codec* d : image_codecs().all()) {
                py::dict entry;
                entry["name"] = std::string(d->name());
                entry["kind"] = kind_name(d->kind());
                entry["description"] = d->description();
                entry["extensions"] = d->extensions();
                entry["library_version"] = d->library_version();
                out.append(entry);
            }
            return out;
        },
        "One dict per codec in the table: name, kind, description, extensions, library_version.");
    m.def(
        "formats",
        [] {
            py::list out;
            for (const Codec* c : codecs().all()) {
                if (c->kind() == MediaKind::Image) {
                    out.append(image_format(*static_cast<const ImageCodec*>(c)));
                    continue;
                }
                auto* audio = static_cast<const AudioCodec*>(c);
                for (const AudioFormat& af : audio->write_formats()) out.append(audio_format(*audio, af, true));
                for (const AudioFormat& af : audio->read_only_formats()) out.append(audio_format(*audio, af, false));
            }
            append_pillow_formats(out);
            return out;
        },
        "One dict per format the codecs read or write: name, kind, codec, extensions, can_read, can_write, "
        "lossy, and what it takes or stores (image: options, modes, dtypes (what it writes), writer (the codec "
        "that writes it, \"pillow\" where Pillow does, None when nothing does), pages (several images as the "
        "pages of one file), read_modes, "
        "read_dtypes (what it decodes to, where the codec states it), scales, and via: \"Pillow\" for the "
        "formats read through Pillow, one copy more, else None; audio: subtypes, "
        "lossy_subtypes, default_subtype, samplerates, max_channels, and requires: the library a format needs "
        "installed, loaded at run time, or None, with available: whether it is).");
    m.def("sniff", [](py::bytes head) -> py::object {
        std::string bytes = head;
        ByteSpan span{reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()};
        for (const Codec* c : image_codecs().all())
            if (c->sniff(span)) return py::make_tuple(std::string(c->name()), kind_name(c->kind()));
        return py::none();
    }, py::arg("head"), "(codec name, kind) of the first codec that recognises these first bytes, else None.");
}

}  // namespace mediaview::python
