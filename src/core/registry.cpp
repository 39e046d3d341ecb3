#include "registry.hpp"

#include "decoders/jpeg/jpeg_decoder.hpp"
#include "decoders/sndfile/sndfile_decoder.hpp"

namespace mediaview {

// Every codec, in sniffing order. Adding a codec: one folder under decoders/
// and one line here.
const std::vector<const Decoder*>& decoder_table() {
    static const std::vector<const Decoder*> table = {
        &jpeg::decoder(),
        &sndfile::decoder(),
    };
    return table;
}

const ImageDecoder* find_image_decoder(ByteSpan head) {
    for (const Decoder* d : decoder_table()) {
        if (d->kind() == MediaKind::Image && d->sniff(head)) return static_cast<const ImageDecoder*>(d);
    }
    return nullptr;
}

const AudioDecoder& audio_decoder() {
    for (const Decoder* d : decoder_table()) {
        if (d->kind() == MediaKind::Audio) return *static_cast<const AudioDecoder*>(d);
    }
    throw UnsupportedFormatError("no audio codec is registered");
}

const Decoder* find_decoder_by_name(std::string_view name) {
    for (const Decoder* d : decoder_table()) {
        if (d->name() == name) return d;
    }
    return nullptr;
}

}  // namespace mediaview
