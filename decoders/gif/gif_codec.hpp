// GIF through giflib 5.2: still images and animations, frames composited
// as Pillow shows them (compositor.hpp), the frame count from a walk over
// the records that skips the compressed pixels.
#pragma once

#include "src/image_codec.hpp"

namespace mediaview::gif {

const ImageCodec& codec();

}  // namespace mediaview::gif
