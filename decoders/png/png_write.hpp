// The PNG writer: rows filtered with an adaptive per-row choice (the filter
// whose output has the smallest sum of absolute signed bytes, the heuristic
// libpng and Pillow use), the stream deflated by libdeflate in one call at
// levels 0 to 12, chunks written and CRC'd here. Level 0 stores: every row
// unfiltered, deflate's stored blocks.
#pragma once

#include "src/image_codec.hpp"

namespace mediaview::png {

constexpr int kMaxCompressLevel = 12;
constexpr int kDefaultCompressLevel = 6;

// `pixels` are (H, W) or (H, W, C) of U8 or U16 with C = the channels of
// `color_type` (0, 2, 4 or 6), already checked by the caller.
EncodedBytes write_png(const StridedArray& pixels, const ImageMeta& meta, int color_type, int level);

}  // namespace mediaview::png
