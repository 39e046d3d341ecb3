// The fast PNG decode path: our own walk over the image data chunks (CRC by
// libdeflate), the zlib stream inflated by libdeflate in one call, rows
// unfiltered in place with SIMD (unfilter.hpp) and Adam7 passes placed.
// It hands on the image's rows in libspng's SPNG_FMT_PNG layout (samples
// packed as stored, 16-bit in host order), which rows.cpp then expands and
// converts.
//
// It never reports an error itself: on anything it does not vouch for it
// returns false, and the caller decodes with libspng, whose errors,
// warnings and partial rows are the reference. What falls back:
//   - a file cut short, or without IEND (allow_truncated's "rows so far");
//   - a bad CRC on an IDAT or IEND chunk, any chunk other than IEND after
//     the image data, or a chunk between two IDAT chunks;
//   - a zlib stream libdeflate refuses, or one that is not exactly the
//     image's size, has bytes after it, or declares a window smaller than
//     both 32 KiB and the image;
//   - a row filter type above 4.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "rows.hpp"
#include "src/codec.hpp"

namespace mediaview::png {

// Rows in SPNG_FMT_PNG layout (samples packed as stored, 16-bit in host
// order), handed on one at a time from the top: `raw` is valid only during
// the call.
using RowSink = std::function<void(std::uint32_t y, const std::uint8_t* raw)>;

// The image's rows, from a filtered buffer of the decoder's own (Adam7: the
// passes, gathered one row at a time). False, maybe after some rows were
// handed on, on anything it does not vouch for (the list above).
bool fast_decode_rows(ByteSpan data, const RawFormat& format, std::uint32_t width, std::uint32_t height,
                      bool interlaced, const RowSink& sink);

// Decoding into the output's own block (issue 20's memory target: no second
// image-sized buffer). The filtered rows are inflated into the tail of a
// block that starts with the output, then row y is unfiltered where it lies
// and handed to `sink` (in SPNG_FMT_PNG layout, host order), which writes
// output row y at block + y * out_row_bytes, forwards. The block must be
// in_place_bytes() long; see png_fast.cpp for why no write meets an unread
// byte. For non-interlaced images (decode_adam7 in png_fast.cpp says why).
// The room beyond the output is one filtered row (plus one byte per row when
// the rows are equally long) when the output rows are at least as long as
// the raw rows; when they are shorter (16-bit read as uint8, alpha dropped,
// colour read as grey) the block is the filtered stream plus a row.
std::size_t in_place_bytes(std::uint32_t height, std::size_t out_row_bytes, std::size_t raw_row_bytes);

// False, maybe after some rows were handed on, where fast_decode_rows is.
bool fast_decode_in_place(ByteSpan data, const RawFormat& format, std::uint32_t width, std::uint32_t height,
                          std::uint8_t* block, std::size_t block_bytes, std::size_t out_row_bytes,
                          const RowSink& sink);

std::uint32_t fast_crc32(const std::uint8_t* data, std::size_t size, std::uint32_t crc = 0);

}  // namespace mediaview::png
