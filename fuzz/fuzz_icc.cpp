// libFuzzer target: colour conversion (src/colour.hpp) from a hostile
// profile; the harness and its input layout: fuzz/icc_harness.hpp.
#include "icc_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mediaview::fuzz::run_icc_input(data, size);
    return 0;
}
