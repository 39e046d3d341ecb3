// libFuzzer target: GIF probe (the header walk), decode of one composited
// frame and decode_frames, with options drawn from the input (see
// image_frames_harness.hpp for the layout and the invariants).
#include "decoders/gif/gif_codec.hpp"
#include "image_frames_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mediaview::fuzzing::frames_one_input(mediaview::gif::codec(), data, size);
    return 0;
}
