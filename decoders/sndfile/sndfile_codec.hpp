// Audio through libsndfile (1.2): every container and codec the system's
// library was built with (WAV/WAVEX/RF64/W64, AIFF/AIFC, AU, CAF, FLAC, Ogg
// Vorbis and Opus, MP3 through mpg123/LAME, and the rest it lists), read from
// paths or, through libsndfile's virtual I/O, from memory we own.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "src/audio_codec.hpp"

namespace mediaview::sndfile {

const AudioCodec& codec();

// libsndfile keeps the error of a failed open in one global: sf_open*, and
// sf_error/sf_strerror(NULL) after it, must run under this lock.
std::mutex& global_error_mutex();

// One entry per major format libsndfile reports (SFC_GET_FORMAT_MAJOR).
struct MajorFormat {
    int code = 0;
    std::string name;       // our (and python-soundfile's) name, e.g. "WAV", "MP3"
    std::string long_name;  // libsndfile's, e.g. "WAV (Microsoft)"
    std::string extension;  // libsndfile's, e.g. "wav"
};
const std::vector<MajorFormat>& major_formats();

// Names <-> SF_FORMAT_* codes, as python-soundfile spells them.
std::string major_name(int code);
std::string subtype_name(int code);
std::vector<std::string> subtype_names();  // every subtype we name, in libsndfile's order
std::string endian_name(int code);
int major_code(const std::string& name);    // throws std::invalid_argument
int subtype_code(const std::string& name);  // throws std::invalid_argument
int endian_code(const std::string& name);   // throws std::invalid_argument

// Where the first sample byte of an uncompressed WAV/WAVEX/RF64/W64/AIFF file
// lies, from its chunk headers (offset 0 when no data chunk is found), and
// whether its samples are big-endian (RIFX, AIFF other than AIFC 'sowt').
struct DataLocation {
    std::uint64_t offset = 0;
    bool big_endian = false;
};
DataLocation find_data(int major, const std::uint8_t* file, std::size_t size);

// Whether an MPEG audio stream starts with a Xing/Info/VBRI header, which
// makes its length exact (without one, mpg123 estimates it), and the
// stream's size in bytes that header states (0: not stated), counted from
// the first frame (after an ID3v2 tag).
struct MpegLengthHeader {
    bool present = false;
    std::uint64_t stream_start = 0;
    std::uint64_t stream_bytes = 0;
};
MpegLengthHeader mpeg_length_header(const std::uint8_t* head, std::size_t size);

}  // namespace mediaview::sndfile
