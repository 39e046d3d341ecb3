// What the image codec tests share: the bundled samples (and other files)
// as bytes, the files of a kind in some folders, and a decode into a fresh
// buffer of the size the codec asks for.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <vector>

#include "src/image_codec.hpp"

namespace mediaview::test_samples {

inline std::vector<std::uint8_t> file_bytes(const std::filesystem::path& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline std::vector<std::uint8_t> sample(const std::string& name) {
    return file_bytes(std::filesystem::path(MEDIAVIEW_SOURCE_DIR) / "samples" / name);
}

// The files ending in `extension` (".gif") in those of `folders` that
// exist, sorted.
inline std::vector<std::filesystem::path> files_ending(std::initializer_list<std::filesystem::path> folders,
                                                       const std::string& extension) {
    std::vector<std::filesystem::path> files;
    for (const std::filesystem::path& folder : folders) {
        if (!std::filesystem::is_directory(folder)) continue;
        for (const auto& entry : std::filesystem::directory_iterator(folder))
            if (entry.path().extension() == extension) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
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
