// libFuzzer target: our GIF LZW decoder against giflib's on the same input
// (same rows, or the same error). See gif_lzw_harness.hpp for the layout.
#include "gif_lzw_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mediaview::fuzzing::gif_lzw_one_input(data, size);
    return 0;
}
