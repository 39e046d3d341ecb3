// libFuzzer target: the EXIF (TIFF) orientation reader on its own, an APP1
// payload as input. Whatever the bytes, it reads only inside them and
// returns an orientation in 1..8.
#include <cstdlib>

#include "decoders/jpeg/jpeg_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    int o = mediaview::jpeg::exif_orientation(data, size);
    if (o < 1 || o > 8) std::abort();
    return 0;
}
