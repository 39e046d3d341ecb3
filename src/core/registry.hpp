// The one table of codecs (see registry.cpp) and lookups over it.
#pragma once

#include <string_view>
#include <vector>

#include "decoder.hpp"

namespace mediaview {

const std::vector<const Decoder*>& decoder_table();

// The first image codec whose sniff() accepts the bytes, else nullptr.
const ImageDecoder* find_image_decoder(ByteSpan head);
const Decoder* find_decoder_by_name(std::string_view name);

}  // namespace mediaview
