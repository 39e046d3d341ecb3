// Decoded FFmpeg frames (any of libavcodec's planar or packed sample
// formats) to interleaved samples of one of our dtypes, written straight into
// the caller's buffer. The rules are the project's own, as the core's
// converter and libsndfile apply them: float to int16/int32 is scaled by
// 2^15/2^31, rounded to nearest and saturated; int16/int32 to float divides
// by 2^15/2^31; int32 to int16 keeps the top 16 bits, int16 to int32 shifts
// left by 16; unsigned 8-bit is first centred and shifted to 16 bits.
#pragma once

#include <cstdint>

extern "C" {
#include <libavutil/frame.h>
}

#include "src/dtype.hpp"

namespace mediaview::ffmpeg {

// Whether frames of this AVSampleFormat can be converted.
bool convertible(int sample_format);

// Frames [from, from + count) of `frame` (its first `channels` channels) as
// `dtype`, interleaved, to `dst`.
void convert_frames(const AVFrame& frame, int channels, int from, int count, DType dtype, std::uint8_t* dst);

}  // namespace mediaview::ffmpeg
