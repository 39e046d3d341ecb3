// libFuzzer target: WebP probe, decode and decode_frames with options drawn
// from the input (mode, scale, crop, orientation, strictness, truncation,
// target layout, limits, frame), plus a lossless re-encode round trip. See
// webp_harness.hpp for the input layout and the invariants.
#include "webp_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mediaview::fuzzing::webp_one_input(data, size);
    return 0;
}
