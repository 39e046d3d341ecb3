// Frames composited as Pillow shows them (PIL.GifImagePlugin, read with
// LOADING_STRATEGY RGB_AFTER_FIRST, Pillow's default), so that every frame
// equals Pillow's. What that means, rule by rule:
// - Frame 0 is a palette image: the screen outside the frame's rectangle
//   holds the transparent index when the frame has one, else index 0; every
//   pixel of the rectangle is written, transparent ones included.
// - From frame 1 on the canvas is RGB, or RGBA when frame 0 had a
//   transparent index; a frame's transparent pixels keep the canvas, the
//   others replace it (opaque).
// - A frame's disposal applies when the next frame is drawn: 2 fills its
//   rectangle with the transparent colour (alpha 0) when the frame has one,
//   else with the background colour; 3 and above restore the rectangle as it
//   was before the frame was drawn (for frame 0: the transparent colour, or
//   nothing). An unspecified disposal (0, or no control extension) keeps the
//   previous frame's method, as Pillow does.
// - A palette that only restates the indices as greys makes Pillow read the
//   GIF as L: the pixels are the same, and the alpha of the L image's
//   transparency (frame 0's index as a grey) is given for LA/RGBA.
// Frames reaching outside the logical screen are clipped to it (browsers
// do so; Pillow grows the image instead).
#pragma once

#include <cstdint>
#include <vector>

#include "gif_reader.hpp"
#include "src/image_codec.hpp"

namespace mediaview::gif {

class Compositor {
public:
    explicit Compositor(Reader& reader);

    // Draws the next frame onto the canvas; false at the trailer. Throws
    // Truncated (rows_done() says how far the frame got) or DecodeError.
    bool next();
    int frames_done() const { return frames_done_; }
    int rows_done() const { return rows_done_; }
    const FrameHeader& frame() const { return frame_; }

    // Whether the frames carry alpha as Pillow shows them.
    bool has_alpha() const { return first_transparency_ >= 0; }
    bool grey() const { return grey_; }
    // Copies `crop` of the canvas into `to`, laid out as `mode`.
    void write(const CropRect& crop, PixelMode mode, const PixelTarget& to) const;

private:
    struct Dispose {
        bool active = false;
        int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        bool restore = false;              // saved pixels instead of one colour
        std::uint8_t colour[4] = {0, 0, 0, 0};
        std::vector<std::uint8_t> saved;  // (y1-y0) rows of (x1-x0) RGBA pixels
    };
    void apply_dispose();
    void plan_dispose(int x0, int y0, int x1, int y1);
    void fill(int x0, int y0, int x1, int y1, const std::uint8_t* rgba);
    std::uint8_t* at(int x, int y) { return canvas_.data() + (static_cast<std::size_t>(y) * width_ + x) * 4; }
    std::uint8_t alpha_of(const std::uint8_t* pixel) const;
    template <class Put>
    void each_pixel(const CropRect& crop, const PixelTarget& to, Put put) const;

    Reader& reader_;
    int width_, height_;
    std::vector<std::uint8_t> canvas_;  // RGBA
    FrameHeader frame_;
    int frames_done_ = 0;
    int rows_done_ = 0;
    int disposal_ = 0;  // sticky, as Pillow keeps it
    int first_transparency_ = -1;
    bool grey_ = false;
    Dispose dispose_;
};

}  // namespace mediaview::gif
