// Audio in MP4/M4A/MOV (AAC, ALAC, ...), ADTS AAC, ASF (WMA), AC-3, E-AC-3
// and Matroska/WebM (the audio of video files too) through FFmpeg 5.1's
// libavformat and libavcodec, opened at run time with dlopen (libav.hpp):
// never linked, never bundled. When they are absent these formats raise
// UnsupportedFormatError naming the library and the Debian package.
//
// Only what libsndfile and libFLAC do not read comes here: the table asks
// this codec after libFLAC and before libsndfile, and it recognises only
// the containers listed in demuxer_for(). libavformat is held to that list:
// the demuxer is chosen by us (no probing), the format and codec whitelists
// name only these, the bytes come through our own AVIOContext (a path read
// with pread, or memory), and opening any further resource (a reference to
// another file or URL) is refused: no network protocols, no concat, no
// image demuxers.
//
// Read-only: it writes no format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "src/audio_codec.hpp"

namespace mediaview::ffmpeg {

const AudioCodec& codec();

// The libavformat demuxer for these first bytes ("mov", "aac", "asf",
// "ac3", "eac3", "matroska"), or nullptr when they are none of our
// containers: an ISO-BMFF/QuickTime box ('ftyp', or 'moov'/'mdat'/'wide'
// first), an ADTS header (sync 0xFFF, layer 0), an ASF header GUID, an AC-3
// or E-AC-3 sync frame (0x0B77, told apart by bsid), an EBML header.
const char* demuxer_for(const std::uint8_t* head, std::size_t size);

// Our name of the container these first bytes hold, once demuxer_for()
// accepted them: "M4A", "MP4", "MOV", "AAC", "ASF", "AC3", "EAC3",
// "MATROSKA" or "WEBM".
std::string container_name(const std::uint8_t* head, std::size_t size);

}  // namespace mediaview::ffmpeg
