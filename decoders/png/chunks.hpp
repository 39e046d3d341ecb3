// A walk over a PNG's chunk list before libspng sees it. libspng discards an
// ancillary chunk with a bad CRC without saying so, and needs every chunk
// whole, so a file cut inside its image data gives no rows at all; this walk
// finds both, and for allow_truncated builds a shortened, well-formed copy
// from which libspng decodes every row the surviving data holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "src/codec.hpp"

namespace mediaview::png {

struct ChunkScan {
    bool signature_ok = false;
    bool iend = false;            // an IEND chunk was reached
    bool cut = false;             // the data ends inside a chunk (or before IEND)
    std::size_t complete_end = 8; // end of the last whole chunk (or of the signature)
    std::vector<std::string> bad_ancillary_crc;  // types of ancillary chunks whose CRC is wrong
    bool image_data_started = false;  // an IDAT chunk (whole or cut) was reached
    // cICP (PNG 3rd edition; libspng 0.7 does not read it): primaries,
    // transfer, matrix, full range, from a whole chunk with a good CRC before IDAT.
    bool has_cicp = false;
    std::uint8_t cicp[4] = {0, 0, 0, 0};
};

ChunkScan scan_chunks(ByteSpan data);

// The data up to the last whole chunk, plus what survives of a cut IDAT chunk
// (its length field rewritten, its CRC recomputed), closed with an IEND.
std::vector<std::uint8_t> repaired_copy(ByteSpan data, const ChunkScan& scan);

std::uint32_t crc32_of(const std::uint8_t* data, std::size_t size, std::uint32_t crc = 0);


}  // namespace mediaview::png
