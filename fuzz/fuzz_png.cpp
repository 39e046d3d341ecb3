// libFuzzer target: PNG probe and decode with options drawn from the input
// (mode, dtype, crop, orientation, strictness, truncation, target layout,
// limits, an encode round trip). See png_harness.hpp.
#include "png_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mediaview::fuzzing::png_one_input(data, size);
    return 0;
}
