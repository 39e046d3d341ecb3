// EXIF's TIFF structure (as JPEG's APP1 after "Exif\\0\\0", PNG's eXIf and
// WebP's EXIF chunk hold it): the orientation tag, read and rewritten.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace mediaview {

// IFD0's Orientation (1-8); 1 when absent, invalid or malformed.
int tiff_orientation(const std::uint8_t* tiff, std::size_t size);

// A copy with IFD0's Orientation set to `orientation` (a view made upright
// says 1), or unchanged when it has no such tag.
std::string with_tiff_orientation(std::string tiff, int orientation);

}  // namespace mediaview
