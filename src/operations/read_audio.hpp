// Reading one file's audio into one buffer: which codec, the buffer (a
// memory map, the caller's out=, or ours held to the sample limit), the
// thread split, and the shape the caller asked for. The range, the damage
// rules and the conversion are the pipeline's (audio_pipeline.hpp), shared
// with stream_audio.hpp and read_audios.hpp.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "src/caller_buffer.hpp"
#include "src/codec_table.hpp"
#include "src/errors.hpp"
#include "src/audio_request.hpp"
#include "src/operations/audio_pipeline.hpp"
#include "src/resample.hpp"

namespace mediaview {

struct AudioRead {
    StridedArray samples;  // shaped as asked
    int samplerate = 0;
};

// Runs without Python: call it with the GIL released. Warnings (a
// truncated read the policy allows, damage the codec survived under
// source.policy) go to `diagnostics`.
AudioRead read_audio(const CodecTable& codecs, const AudioSource& source, const AudioReadRequest& request,
                     const CallerBuffer* out, Diagnostics& diagnostics);

AudioInfo audio_info(const CodecTable& codecs, const AudioSource& source);

}  // namespace mediaview
