// What the image codec tests share: the bundled samples as bytes, and a
// decode into a fresh buffer of the size the codec asks for.
#pragma once

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "src/image_codec.hpp"

namespace mediaview::test_samples {

inline std::vector<std::uint8_t> sample(const std::string& name) {
    std::ifstream f(std::string(MEDIAVIEW_SOURCE_DIR) + "/samples/" + name, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline ByteSpan span(const std::vector<std::uint8_t>& v) { return {v.data(), v.size()}; }

struct Decoded {
    StridedArray pixels;
    ImageDecodeResult result;
    Diagnostics diagnostics;
};

inline Decoded decode_with(const ImageCodec& codec, const std::vector<std::uint8_t>& data,
                           const ImageRequest& request) {
    Decoded d;
    auto provide = [&d](const OutputShape& s) {
        d.pixels = StridedArray::allocate(s.dtype, {s.height, s.width, s.channels});
        return PixelTarget{d.pixels.data(), d.pixels.strides()[0], d.pixels.strides()[1]};
    };
    d.result = codec.decode(span(data), request, provide, d.diagnostics);
    return d;
}

}  // namespace mediaview::test_samples
