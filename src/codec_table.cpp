#include "codec_table.hpp"

#include <algorithm>
#include <cctype>

#include "file_bytes.hpp"

namespace mediaview {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool claims(const Codec& c, const std::string& ext) {
    std::vector<std::string> exts = c.extensions();
    return std::find(exts.begin(), exts.end(), ext) != exts.end();
}

// The first bytes of an audio source, for sniffing: enough for every magic.
std::vector<std::uint8_t> head_of(const AudioSource& source) {
    constexpr std::size_t n = 64;
    if (source.path.empty()) {
        std::size_t k = std::min(n, source.bytes.size);
        return {source.bytes.data, source.bytes.data + k};
    }
    return read_head(source.path, n);
}

}  // namespace

const Codec* CodecTable::named(std::string_view name) const {
    for (const Codec* c : codecs_)
        if (c->name() == name) return c;
    return nullptr;
}

const ImageCodec& CodecTable::image_codec_for(ByteSpan head) const {
    for (const Codec* c : codecs_)
        if (c->kind() == MediaKind::Image && c->sniff(head)) return *static_cast<const ImageCodec*>(c);
    if (head.size == 0) throw UnsupportedFormatError("empty input: no image data");
    throw UnsupportedFormatError("no image decoder recognises this data");
}

const ImageCodec* CodecTable::image_writer_for(std::string_view ext_or_name) const {
    std::string key = lower(ext_or_name);
    for (const Codec* c : codecs_) {
        if (c->kind() != MediaKind::Image) continue;
        auto* image = static_cast<const ImageCodec*>(c);
        if (image->can_encode() && (c->name() == key || claims(*c, key))) return image;
    }
    return nullptr;
}

const AudioCodec& CodecTable::audio_codec_for(const AudioSource& source) const {
    const AudioCodec* fallback = nullptr;
    for (const Codec* c : codecs_)
        if (c->kind() == MediaKind::Audio && static_cast<const AudioCodec*>(c)->is_fallback())
            fallback = static_cast<const AudioCodec*>(c);
    // Hints describe headerless or forced input in the fallback's terms.
    if (!source.hints.format.empty() && fallback) return *fallback;
    std::vector<std::uint8_t> head = head_of(source);
    for (const Codec* c : codecs_)
        if (c->kind() == MediaKind::Audio && c->sniff({head.data(), head.size()}))
            return *static_cast<const AudioCodec*>(c);
    if (!fallback) throw UnsupportedFormatError("no audio codec recognises this data");
    return *fallback;
}

std::pair<const AudioCodec*, AudioFormat> CodecTable::audio_writer_for(std::string_view ext_or_name) const {
    std::string key = lower(ext_or_name);
    for (const Codec* c : codecs_) {
        if (c->kind() != MediaKind::Audio) continue;
        auto* audio = static_cast<const AudioCodec*>(c);
        for (const AudioFormat& f : audio->write_formats()) {
            bool by_ext = std::find(f.extensions.begin(), f.extensions.end(), key) != f.extensions.end();
            if (by_ext || lower(f.name) == key) return {audio, f};
        }
    }
    return {nullptr, {}};
}

}  // namespace mediaview
