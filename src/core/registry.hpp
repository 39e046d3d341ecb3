// The one table of codecs (see registry.cpp) and lookups over it.
#pragma once

#include <string_view>
#include <vector>

#include "audio_decoder.hpp"
#include "decoder.hpp"

namespace mediaview {

const std::vector<const Decoder*>& decoder_table();

// The first image codec whose sniff() accepts the bytes, else nullptr.
const ImageDecoder* find_image_decoder(ByteSpan head);
const Decoder* find_decoder_by_name(std::string_view name);

// The audio codec. libsndfile recognises its formats itself (and headerless
// RAW has nothing to sniff), so audio goes to the first audio codec.
const AudioDecoder& audio_decoder();

}  // namespace mediaview
