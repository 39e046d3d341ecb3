// libFuzzer target: TIFF probe, decode of one page and decode_frames over
// every page, with options drawn from the input (see
// image_frames_harness.hpp): IFD loops, huge tile counts, offsets past the
// end and libtiff's own codecs all run under ASan with capped allocations.
#include "decoders/tiff/tiff_codec.hpp"
#include "image_frames_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mediaview::fuzzing::frames_one_input(mediaview::tiff::codec(), data, size);
    return 0;
}
