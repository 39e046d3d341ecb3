// FLAC and Ogg FLAC through libFLAC (1.4): every stream libFLAC decodes (4 to
// 32 bits per sample, 1 to 8 channels, any block size, with or without a
// total-samples field, a stream that starts at a frame header), with
// libFLAC's sample-exact seek, the STREAMINFO MD5 check on request, and a
// damage policy: a bad frame in the middle is returned as silence with a
// warning naming the frames lost (as `flac -F` does), a stream that ends
// early is an error unless truncation is allowed (AudioSource::policy).
//
// Samples come out as libsndfile converts them, so values equal
// python-soundfile's wherever it reads the file: every sample is first
// left-justified to 32 bits; int16 keeps the top 16 bits (an arithmetic shift,
// no rounding), int32 is the left-justified value, float32/float64 divide it
// by 2^31 (= the raw sample divided by 2^(bits-1)).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "src/audio_codec.hpp"

namespace mediaview::flac {

const AudioCodec& codec();

// Whether the bytes start with a FLAC frame header (sync 0xFFF8/0xFFF9, no
// reserved codes, a sample rate and sample size of its own rather than
// "from STREAMINFO") whose CRC-8 is right: a stream that starts at a frame.
bool is_frame_header(const std::uint8_t* p, std::size_t size);

// Whether the bytes start with an Ogg page whose first packet is a FLAC
// mapping header ("\x7fFLAC").
bool is_ogg_flac(const std::uint8_t* p, std::size_t size);

// The subtype name for a sample size: python-soundfile's names where
// libsndfile has one (8 bits "PCM_S8", "PCM_16", "PCM_24", "PCM_32"), and
// "PCM_<bits>" for the others ("PCM_12", "PCM_20", ...).
std::string subtype_for_bits(unsigned bits);

}  // namespace mediaview::flac
