// The table of every codec (decoders/table.cpp), for the layers above.
#pragma once

#include "src/codec_table.hpp"

namespace mediaview {

const CodecTable& codecs();

}  // namespace mediaview
