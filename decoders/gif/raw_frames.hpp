// GIF frames as stored, not composited (frames="raw", and mode="P"): each
// frame's own pixels, looked up in its own colour table (or its palette
// indices with mode P), drawn at its rectangle on a screen-sized target
// whose other pixels are a fill. Pillow cannot give these: it composites.
//
// Why a screen-sized stack rather than one array per frame: the T frames
// stay one buffer (one allocation, one view numpy, torch and DLPack take
// whole), every frame's own rectangle is a zero-copy slice of it
// (view[t, y:y+h, x:x+w] with the rectangle from view.obj.frames), and a
// frame is at the place on the screen where it is shown.
#pragma once

#include <cstdint>
#include <string>

#include "gif_reader.hpp"
#include "src/image_codec.hpp"

namespace mediaview::gif {

// The pixel a frame's index `i` becomes in `mode` (P: the index itself).
// Transparent pixels have alpha 0 in RGBA/BGRA/LA.
struct RawLookup {
    RawLookup(const FrameHeader& frame, PixelMode mode);
    std::uint8_t px[256][4];
    int channels;
};

// Draws the current frame (its header read, its rows not yet) into `to`,
// the `crop` of the screen: pixels outside the frame's rectangle are
// `fill` (every channel) . Rows are counted in `rows_done` as they arrive,
// so that a Truncated thrown by the reader says how far it got.
void draw_raw(Reader& reader, const FrameHeader& frame, int screen_w, int screen_h, const CropRect& crop,
              PixelMode mode, std::uint8_t fill, const PixelTarget& to, int& rows_done);

// The colour table as the palette of mode P: `entries` RGB entries (256 of
// the grey ramp without a table), RGBA (alpha 0 at the transparent index)
// when the frame has one; and its channel count.
std::string palette_bytes(const FrameHeader& frame, bool with_alpha, int& channels);

// What view.obj.frames says of a frame.
Fields frame_fields(const FrameHeader& frame);

}  // namespace mediaview::gif
