// Reading many clips on every core (mediaview.read_audios and
// mediaview.dask.read_audio_files): each clip through read_audio on one
// worker, a failure losing one clip, not the batch; optionally padded into
// one (N, frames[, channels]) array.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/codec_table.hpp"
#include "src/operations/read_audio.hpp"
#include "src/worker_pool.hpp"

namespace mediaview {

struct AudioBatch {
    std::vector<AudioRead> reads;          // per source; empty samples for a failure (or when padded)
    StridedArray padded;                   // with padding: (N, frames[, channels]), zeros after each clip
    std::vector<std::int64_t> lengths;     // with padding: the frames of each clip in it (0 for a failure)
    int samplerate = 0;                    // with padding: the clips' one rate
    std::vector<BatchFailure> failures;
    std::vector<Diagnostics> diagnostics;  // per source: damage the policy allowed
};

// Padding of read_audios: none, to a number of frames, or to the longest clip.
struct AudioPadding {
    bool enabled = false;
    std::int64_t frames = -1;  // -1: the longest clip's
};

// Reads every clip with `request` in the worker pool (each clip on one
// worker). With padding every clip must have the same channels and sample
// rate (std::invalid_argument naming the first that differs); longer clips
// are cut at the padded length. `names` name the sources in messages.
AudioBatch read_audios(const CodecTable& codecs, const std::vector<AudioSource>& sources,
                       const std::vector<std::string>& names, const AudioReadRequest& request, AudioPadding padding,
                       int threads, const InterruptPoll* interrupted = nullptr);

}  // namespace mediaview
