// Writing audio: which codec and format (from the extension or a name),
// which subtype, and checked samples. Where the file goes is the caller's:
// mediaview writes through a temporary beside the target (python/mediaview/
// _atomic.py), so `path` here is that temporary and `name` the user's path.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "src/codec_table.hpp"

namespace mediaview {

// What a file is written as. write_audio takes channels and dtype from its
// samples; a file written block by block (open_audio_writer) is told them
// up front.
struct AudioWriteHeader {
    std::string path;     // where the bytes go
    std::string name;     // the user's path: its extension picks the format
    std::string format;   // empty: from the extension
    std::string subtype;  // empty: what the extension implies, else the format's default
    int samplerate = 0;
    int channels = 0;
    DType dtype = DType::F32;
    std::vector<std::pair<std::string, std::string>> tags;
};

// Opens `header.path` for blocks of samples (append_audio), after the same
// checks as write_audio; close() the writer to finish the file. Memory is
// that of one block, whatever the length.
std::unique_ptr<AudioWriter> open_audio_writer(const CodecTable& codecs, const AudioWriteHeader& header);
// Appends (frames,) or (frames, channels) samples of the writer's dtype.
void append_audio(AudioWriter& writer, const StridedArray& samples);

// Runs without Python. Throws UnsupportedFormatError for an unknown format,
// ArgumentTypeError for samples of a type no codec takes,
// std::invalid_argument for other bad arguments.
// `samples`: (frames,) or (frames, channels), any strides; they set the
// header's channels and dtype.
void write_audio(const CodecTable& codecs, AudioWriteHeader header, const StridedArray& samples);

// How to convert audio stored as `source_subtype` into `target` (an
// extension or format name), with `subtype` asked for or empty: the subtype
// that keeps the samples exactly where the target stores it (so a lossless
// conversion stays lossless), else the format's default; and the dtype to
// read in so the written values are right.
struct AudioConversion {
    std::string format;
    std::string subtype;
    DType dtype = DType::F32;
    bool lossy = false;
};
// With `samplerate` and `channels` (the audio to be written; 0: not
// checked), what the target cannot store is a std::invalid_argument saying
// why, before anything is decoded.
AudioConversion plan_audio_conversion(const CodecTable& codecs, std::string_view target,
                                      const std::string& source_subtype, const std::string& subtype,
                                      int samplerate = 0, int channels = 0);

}  // namespace mediaview
