// The descriptive text tags of an EXIF block's IFD0 (Make, Model, DateTime,
// Software, Artist, Copyright, ImageDescription), read from the TIFF
// structure a view carries so the TIFF writer can store them in the page's
// own IFD, as Pillow's TIFF writer did.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mediaview::tiff {

// (tag, text without its NUL) for each of those tags found in IFD0, in the
// order found; empty for a block that is malformed or has none. Every offset
// and count is checked against `size`.
std::vector<std::pair<std::uint16_t, std::string>> exif_text_tags(const std::uint8_t* exif, std::size_t size);

// The names of the sub-IFDs IFD0 points to ("Exif", "GPS", "Interop"),
// which the writer does not store.
std::vector<std::string> exif_sub_ifds(const std::uint8_t* exif, std::size_t size);

}  // namespace mediaview::tiff
