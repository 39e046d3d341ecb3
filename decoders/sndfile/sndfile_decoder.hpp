// Audio through libsndfile 1.2: every format the library reads, from a path
// or from memory (virtual I/O), with libsndfile's own sample conversions.
// Also the writer and the PCM memory map that share its format knowledge.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "src/core/audio_decoder.hpp"

namespace mediaview::sndfile {

const AudioDecoder& decoder();

// libsndfile keeps the error of a failed sf_open in global state: open and
// read that error under this one lock, so threads never see each other's.
std::mutex& global_error_mutex();

struct WriteRequest {
    std::string path;
    const void* interleaved = nullptr;  // frames x channels, C order
    DType dtype = DType::F32;           // I16, I32, F32 or F64
    std::int64_t frames = 0;
    int channels = 0;
    int samplerate = 0;
    std::string format;   // major format name, e.g. "WAV", "FLAC", "OGG", "MP3"
    std::string subtype;  // empty: the format's default (as python-soundfile)
    std::map<std::string, std::string> tags;
};

// Writes a complete file at `path` (the caller picks a temporary name and
// renames it). Throws std::invalid_argument for formats libsndfile cannot
// write, mediaview::Error for I/O failures.
void write_file(const WriteRequest& request);

// The default subtype python-soundfile uses for a major format ("" if none).
std::string default_subtype(const std::string& format);

// Where the samples of an uncompressed file lie, for a zero-copy map.
struct PcmLayout {
    std::uint64_t data_offset = 0;  // from the start of the file
    bool little_endian = true;
};

// Parses the container (RIFF/RIFX WAV, RF64, W64, AIFF/AIFC, headerless RAW)
// and returns where the sample data starts. Throws std::invalid_argument
// with the reason when the file cannot be mapped.
PcmLayout pcm_layout(const std::uint8_t* file, std::size_t size, const AudioInfo& info);

}  // namespace mediaview::sndfile
