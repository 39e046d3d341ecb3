// A walk over a GIF's records through giflib: the screen, then one frame
// header after another (its graphic control extension, rectangle and colour
// table), with the pixels either decoded row by row or skipped without LZW
// decoding (the probe's frame count). giflib reports failures as codes and
// prints nothing; each becomes a typed exception here.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <gif_lib.h>

#include "src/codec.hpp"
#include "src/errors.hpp"

namespace mediaview::gif {

// 256 RGB entries: a colour table shorter than 256 is padded with Pillow's
// default palette (the grey ramp i, i, i), which is what Pillow shows for
// indices past the table's end.
struct Palette {
    std::array<std::uint8_t, 256 * 3> rgb{};
    int entries = 0;         // how many the file gave (0: none, a grey ramp)
    bool grey_ramp = false;  // the table is index i = grey i: Pillow reads such GIFs as L
};

struct FrameHeader {
    int x = 0, y = 0, width = 0, height = 0;  // on the logical screen
    bool interlaced = false;
    Palette palette;        // the local table, else the global one
    int transparency = -1;  // the transparent index, -1: none
    int disposal = 0;       // as stored: 0 unspecified, 1 keep, 2 background, 3 previous
    int delay_ms = 0;
    bool has_control = false;  // a graphic control extension came before it
};

// Data ended before a frame (or the trailer) was complete.
struct Truncated : DecodeError {
    using DecodeError::DecodeError;
};

// giflib's input: the bytes and how far it has read.
struct MemorySource {
    const std::uint8_t* data;
    std::size_t size;
    std::size_t at = 0;
};

class LzwRows;

// Who decodes the image data: our LZW decoder (lzw.hpp), or giflib's
// DGifGetLine, kept as the reference for the differential tests and the fuzz
// target and chosen with MEDIAVIEW_GIF_LZW=giflib (read at each Reader).
enum class LzwEngine { own, giflib };
LzwEngine default_lzw_engine();

class Reader {
public:
    explicit Reader(ByteSpan data, LzwEngine engine = default_lzw_engine());
    ~Reader();
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    int width() const;
    int height() const;
    const Palette& global_palette() const { return global_; }
    bool has_global_palette() const { return global_.entries > 0; }
    int background() const;
    // The NETSCAPE2.0 loop count as stored (0: forever); -1 until one is seen.
    int loop_count() const { return loop_count_; }
    std::string version() const;

    // The next frame's header, or false at the trailer. Throws Truncated
    // when the data ends first (including a file without its trailer).
    bool next_frame(FrameHeader& frame);
    // The current frame's rows, each given to `row(y, indices)` with y
    // counted from the frame's top (interlaced rows in their display order).
    void read_rows(const FrameHeader& frame, const std::function<void(int, const std::uint8_t*)>& row);
    // Passes over the current frame's compressed data without decoding it.
    void skip_rows();

private:
    [[noreturn]] void fail(const char* what) const;
    [[noreturn]] void fail_image_data() const;
    void read_extension();
    void read_rows_giflib(const FrameHeader& frame, const std::function<void(int, const std::uint8_t*)>& row);
    void read_rows_own(const FrameHeader& frame, const std::function<void(int, const std::uint8_t*)>& row);

    MemorySource source_;
    GifFileType* gif_ = nullptr;
    Palette global_;
    int loop_count_ = -1;
    FrameHeader pending_;  // the graphic control fields for the next image
    LzwEngine engine_;
    int code_size_ = 0;  // the current frame's LZW minimum code size
    std::unique_ptr<LzwRows> lzw_;
};

// Pillow's test of a colour table that only restates the indices as greys.
bool is_grey_ramp(const std::uint8_t* rgb, int entries);

}  // namespace mediaview::gif
