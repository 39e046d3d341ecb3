// A TIFF page's EXIF as the other codecs give it (view.obj.exif): a TIFF
// structure of its own, as JPEG's APP1 holds one, so that a writer can store
// it again. In a TIFF file the EXIF tags live in the file's own structure
// (IFD0's descriptive tags and the EXIF sub-IFD its tag 34665 points to), so
// the block is rebuilt: a header, an IFD0 of the descriptive tags and the
// pointer, and a copy of the EXIF IFD with each long value moved beside it.
#pragma once

#include <string>

#include <tiffio.h>

#include "src/codec.hpp"

namespace mediaview::tiff {

// The current page's EXIF block, empty when the page has no EXIF IFD (or it
// lies outside the data). Classic TIFF only: a BigTIFF's EXIF is left out.
std::string exif_block(TIFF* tif, ByteSpan data);

}  // namespace mediaview::tiff
