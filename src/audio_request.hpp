// What a caller asks of an audio read: one plain struct with its defaults
// and the one table of its options (audio_request_options()), read by the
// Python bindings (keywords) and usable by any front end. read_audio,
// read_audios, stream_audio and mediaview.dask.read_audio_files all take it,
// so an option means the same and fails the same way in each; every check
// of a value is in the table's setters or in finish_request().
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "audio_codec.hpp"
#include "request_option.hpp"
#include "resample.hpp"

namespace mediaview {

enum class SampleLayout { Interleaved, Planar };
SampleLayout sample_layout_from_name(std::string_view name);  // throws std::invalid_argument

struct AudioShape {
    SampleLayout layout = SampleLayout::Interleaved;
    bool always_2d = false;  // keep the channel axis of mono audio
};

struct AudioReadRequest {
    DType dtype = DType::F32;
    std::int64_t start = 0;
    std::optional<std::int64_t> stop, frames;  // at most one
    AudioShape shape;
    int threads = 1;
    // nullopt: map the file's samples when possible (never into out=);
    // true: map or raise saying why; false: always decode.
    std::optional<bool> mmap = false;
    std::uint64_t max_samples = 0;  // for a buffer allocated here; 0 = no limit
    // The output (librosa's sr=, TorchCodec's sample_rate=/num_channels=):
    // 0 keeps the source's. A range (start/stop/frames) counts source frames.
    int samplerate = 0;
    int channels = 0;
    // librosa's offset=/duration= in seconds of the source, instead of
    // start and stop/frames (rounded to the nearest source frame).
    std::optional<double> offset, duration;
    // An explicit mix: mix_rows rows of one weight per source channel
    // (row c makes output channel c); empty: ChannelMix::standard.
    std::vector<double> mix;
    int mix_rows = 0;
    ResampleQuality quality = ResampleQuality::High;
    // The damage policy. A read that ends before the frames the header
    // promises (exact_length) raises DecodeError unless allow_truncated, which
    // returns the frames decoded and a warning; strict turns every warning
    // into DecodeError.
    bool strict = false;
    bool allow_truncated = false;
    // Check the decoded audio against the stream's own checksum (FLAC's MD5).
    bool verify = false;
    // What the caller says the input is: format= (checked against the
    // content), or raw= for headerless RAW.
    AudioHints hints;
    // The damage policy as a codec applies it (AudioSource::policy).
    AudioReadPolicy policy() const { return {strict, allow_truncated, verify}; }
};

// Every option of an AudioReadRequest, in the order the docs list them.
const std::vector<RequestOption<AudioReadRequest>>& audio_request_options();

// Sets one option by name (unknown: ArgumentTypeError listing the options).
void set_audio_option(AudioReadRequest& request, std::string_view name, const OptionInput& value);

// After the options are set: what only their combination decides (stop and
// frames, offset and a range, raw and format, mix and channels).
void finish_request(AudioReadRequest& request);

}  // namespace mediaview
