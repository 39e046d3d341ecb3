// Our GIF LZW decoder, in place of giflib's DGifGetLine (which was ~78% of a
// composited decode). Each code's string is written backwards straight into
// the row buffer from a prefix/suffix table that also keeps each code's
// first byte and length, so there is no per-pixel stack and no per-row call
// into giflib. giflib still walks the container (extensions, descriptors,
// colour tables); this reads only the image data sub-blocks, from the same
// in-memory source and at the same moments giflib would, so that a damaged
// or cut file gives the same rows and the same error as giflib does.
//
// What is kept of giflib 5.2's behaviour, on purpose (dgif_lib.c):
// - its counters: a code is read with RunningBits bits, RunningCode goes up
//   by one per code read (clear and end codes included) until 4097, the
//   width grows when RunningCode passes MaxCode1 (the deferred increase), up
//   to 12 bits; a full table is kept as it is and decoding goes on with
//   12-bit codes (no entry added until a clear);
// - bytes are pulled one at a time and a sub-block is read whole the first
//   time one of its bytes is needed: a cut sub-block fails exactly where
//   giflib fails; a zero-length sub-block before the rows are done is damage;
// - the end code before the last pixel is an error; after the last pixel the
//   rest of the data (end code, anything after it) is skipped sub-block by
//   sub-block, and a cut there fails the frame's last row, as in giflib;
// - codes that are not yet in the table: the one being defined (KwKwK) is
//   the previous string plus its first byte; one beyond it gives the
//   previous string plus byte 2 (giflib's NO_SUCH_CODE 4098 stored in a
//   byte), and that is the entry added. Entries whose prefix chain is not a
//   plain chain down to a pixel (made from such codes) are decoded by an
//   exact copy of giflib's stack walk, trip-wire and errors included (slow,
//   only damaged files reach it); tests/test_gif_lzw.py and
//   fuzz/fuzz_gif_lzw.cpp check all of this against giflib.
#pragma once

#include <cstdint>
#include <vector>

#include "gif_reader.hpp"

namespace mediaview::gif {

class LzwRows {
public:
    // `source` is just past the frame's LZW minimum code size byte (which
    // giflib's DGifGetImageDesc reads); `code_size` is that byte (0..8).
    void start(MemorySource& source, int code_size, int width, int rows);
    // The next row of `width` indices, in stream order, or nullptr when the
    // data is damaged or ends first (the caller turns that into the error).
    const std::uint8_t* next_row();

private:
    bool fill_row();
    bool next_byte(std::uint8_t& byte);
    bool skip_to_end();
    bool slow_code(int code, int next_slot, std::uint8_t* out, int& length);
    int prefix_of(int code) const;
    int first_byte_of(int code) const;  // giflib's DGifGetPrefixChar
    void clear();

    MemorySource* source_ = nullptr;
    int width_ = 0, rows_left_ = 0;
    int filled_ = 0;  // indices already in line_ for the row being made
    int carry_ = 0;   // indices past the row's end, the next row's start
    std::vector<std::uint8_t> line_;  // width + room for one whole string
    // giflib's decoder state.
    int bits_per_pixel_ = 0, clear_code_ = 0, end_code_ = 0;
    int running_code_ = 0, running_bits_ = 0, max_code1_ = 0, last_code_ = 0;
    int defined_end_ = 0;  // the codes end_code_ < c < defined_end_ have a prefix
    int last_length_ = 0, last_first_ = 0;  // the previous code's string when a plain chain, else length 0
    std::uint64_t shift_ = 0;
    int shift_bits_ = 0;
    const std::uint8_t* block_ = nullptr;
    int block_left_ = 0;
    // The table: giflib's Prefix/Suffix, plus each code's length (0: not a
    // plain chain, take slow_code) and first byte.
    std::uint16_t prefix_[4096] = {};
    std::uint8_t suffix_[4096] = {};
    std::uint16_t length_[4096] = {};
    std::uint8_t first_[4096] = {};
};

}  // namespace mediaview::gif
