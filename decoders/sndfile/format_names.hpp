// libsndfile's format constants under the names python-soundfile uses, so
// both libraries describe a file the same way.
#pragma once

#include <string>
#include <string_view>

namespace mediaview::sndfile {

std::string major_name(int format);    // "WAV", "FLAC", ... ("MP3" for SF_FORMAT_MPEG)
std::string subtype_name(int format);  // "PCM_16", "VORBIS", ...
std::string endian_name(int format);   // "FILE", "LITTLE", "BIG", "CPU"

// Inverse lookups; 0 (or -1 for endian) when the name is unknown.
int major_from_name(std::string_view name);
int subtype_from_name(std::string_view name);
int endian_from_name(std::string_view name);

}  // namespace mediaview::sndfile
