// libFuzzer target: the heif codec's probe, decode and decode_frames with
// options drawn from the input, plus a re-encode round trip where the codec
// writes. See modern_harness.hpp for the input layout and the invariants.
#include "decoders/heif/heif_codec.hpp"
#include "modern_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mediaview::fuzzing::modern_one_input(mediaview::heif::codec(), data, size);
    return 0;
}
