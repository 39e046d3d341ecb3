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
#include "src/worker_pool.hpp"

namespace mediaview {

// One input: bytes already in memory (held by the caller for the whole
// batch), or a path the worker reads itself.
struct BatchSource {
    ByteSpan bytes;
    std::string path;  // non-empty: read this file
    std::string name;  // how messages name the source ("photo.jpg", "srcs[3] (bytes)")
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
                         const ImageRequest& request, int threads, const InterruptPoll* interrupted = nullptr);

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
// GIL released. `interrupted` (optional): asked while the caller waits;
// when it says stop, no further image starts and Interrupted is thrown once
// the images being decoded are done (every batch function alike).
DecodedBatch decode_images(const CodecTable& codecs, const std::vector<BatchSource>& sources,
                           const ImageRequest& request, bool stack, const CallerBuffer* out, int threads,
                           const InterruptPoll* interrupted = nullptr);

}  // namespace mediaview
