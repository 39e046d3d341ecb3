// libFuzzer target: the JPEG encoder, with mode, size, quality, subsampling,
// progressive and the source's memory layout (padded, flipped, permuted,
// strided, broadcast; fenced by guard pages) drawn from the input, and every
// output decoded back. See encode_harness.hpp for the input layout and the
// invariants.
#include "encode_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mediaview::fuzzing::encode::encode_one_input(data, size);
    return 0;
}
