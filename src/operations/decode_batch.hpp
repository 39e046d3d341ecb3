// Decoding many images into one array on every core: the policy of a batch
// (one output planned from the headers before any pixel is decoded, each
// image written straight into its slot, one failure losing one slot, not the
// batch). Generic over the codec table: each image goes through decode_image.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "src/caller_buffer.hpp"
#include "src/codec_table.hpp"
#include "src/operations/decode_image.hpp"
#include "src/operations/read_audio.hpp"

namespace mediaview {

// One input: bytes already in memory (held by the caller for the whole
// batch), or a path the worker reads itself.
struct BatchSource {
    ByteSpan bytes;
    std::string path;  // non-empty: read this file
    std::string name;  // how messages name the source ("photo.jpg", "srcs[3] (bytes)")
};

struct BatchFailure {
    std::size_t index;
    std::exception_ptr error;
};

struct DecodedBatch {
    // stack: one (N, H, W[, C]) array (empty when every source failed and no
    // out= was given); else one array per source (empty for a failure).
    StridedArray stacked;
    std::vector<StridedArray> images;
    std::vector<ImageMeta> metas;            // per source (default for a failure)
    // What the stacked array says of itself: the first decoded image's
    // metadata (its mode is every image's; default when all failed).
    ImageMeta stacked_meta;
    std::vector<int> orientations;           // per source: the EXIF orientation found (1 for a failure)
    std::vector<Diagnostics> diagnostics;    // per source
    std::vector<BatchFailure> failures;      // in index order; their slots are zeroed
};

// What every source will decode to, from its header alone (no pixel is
// decoded): the first phase of a stacked batch, and what a lazy array
// (mediaview.dask) needs up front. errors[i] is set where plans[i] is not.
struct PlannedBatch {
    std::vector<PlannedImage> plans;
    std::vector<std::exception_ptr> errors;
};
PlannedBatch plan_images(const CodecTable& codecs, const std::vector<BatchSource>& sources,
                         const ImageRequest& request, int threads);

// The one shape and element type a stacked batch takes: the index of the
// first source planned without error (nullopt when none was). A source
// planned to another shape or type is an ArgumentError naming both sources
// and the option that would make them agree (size=, dtype= or mode=);
// `who` names the caller ("decode_images(stack=True)", "read_images").
std::optional<std::size_t> common_plan(const PlannedBatch& planned, const std::vector<BatchSource>& sources,
                                       const std::string& who);

// `threads`: workers (0: every usable core). `out` (stack only): the
// caller's (N, H, W[, C]) buffer. With `stack`, a source whose planned shape
// differs from the first good one's is std::invalid_argument naming it,
// thrown before any pixel is decoded. Runs without Python: call it with the
// GIL released.
DecodedBatch decode_images(const CodecTable& codecs, const std::vector<BatchSource>& sources,
                           const ImageRequest& request, bool stack, const CallerBuffer* out, int threads);

// ---- audio ------------------------------------------------------------------

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
                       int threads);

}  // namespace mediaview
