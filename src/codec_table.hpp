// Lookups over the table of codecs. The core never names a codec: the table
// itself is built in decoders/table.cpp (the one place that lists them) and
// handed to every operation, so the core depends on no codec.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audio_codec.hpp"
#include "image_codec.hpp"

namespace mediaview {

class CodecTable {
public:
    // `codecs` in sniffing order: the first that recognises a file gets it.
    explicit CodecTable(std::vector<const Codec*> codecs) : codecs_(std::move(codecs)) {}

    const std::vector<const Codec*>& all() const { return codecs_; }
    const Codec* named(std::string_view name) const;

    // The first image codec whose sniff() accepts the bytes; throws
    // UnsupportedFormatError (naming what was seen) when none does.
    const ImageCodec& image_codec_for(ByteSpan head) const;
    // The image codec that writes files with this extension (lower case,
    // no dot) or of this codec name; nullptr when none does.
    const ImageCodec* image_writer_for(std::string_view ext_or_name) const;

    // The audio codec for a source: the first whose sniff() accepts its first
    // bytes; else (headerless RAW, formats known only by their extension, or
    // input described by hints) the codec whose is_fallback() says so.
    const AudioCodec& audio_codec_for(const AudioSource& source) const;
    // The codec and format that write files with this extension (lower case,
    // no dot) or of this format name ("WAV", "OGG"); {nullptr, {}} when none.
    std::pair<const AudioCodec*, AudioFormat> audio_writer_for(std::string_view ext_or_name) const;

private:
    std::vector<const Codec*> codecs_;
};

}  // namespace mediaview
