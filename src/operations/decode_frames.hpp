// Decoding every frame of an animation into one (T, H, W, C) block: the
// policy around ImageCodec::decode_frames (which codec, the allocation).
#pragma once

#include <vector>

#include "src/codec_table.hpp"

namespace mediaview {

struct DecodedFrames {
    StridedArray frames;            // (T, H, W, C), or (T, H, W) for one channel
    ImageMeta meta;
    std::vector<int> durations_ms;  // one per frame
    int loop_count = 0;             // 0: forever
};

// The frames in the stored frame (no orientation: a viewer shows animations
// as stored). Warnings go to `diagnostics`. Runs without Python: call it
// with the GIL released.
DecodedFrames decode_frames(const CodecTable& codecs, ByteSpan data, const ImageRequest& request,
                            Diagnostics& diagnostics);

}  // namespace mediaview
