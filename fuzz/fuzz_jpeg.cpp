// libFuzzer target: JPEG probe and decode with options drawn from the input
// (mode, scale, crop, orientation, strictness, truncation, target layout,
// limits). See jpeg_harness.hpp for the input layout and the invariants.
#include "jpeg_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mediaview::fuzzing::jpeg_one_input(data, size);
    return 0;
}
