// libFuzzer target: our PNG decode path against libspng's on the same input
// (same pixels and warnings, or both refuse alike). See png_fast_harness.hpp.
#include "png_fast_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mediaview::fuzzing::png_fast_one_input(data, size);
    return 0;
}
