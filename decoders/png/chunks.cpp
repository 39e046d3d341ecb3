#include "chunks.hpp"

#include <algorithm>
#include <cstring>

#include <libdeflate.h>


namespace mediaview::png {
namespace {

constexpr std::uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

std::uint32_t be32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
           static_cast<std::uint32_t>(p[2]) << 8 | p[3];
}

void put_be32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

bool is_ancillary(const std::uint8_t* type) { return (type[0] & 0x20) != 0; }

}  // namespace

std::uint32_t crc32_of(const std::uint8_t* data, std::size_t size, std::uint32_t crc) {
    return libdeflate_crc32(crc, data, size);
}

ChunkScan scan_chunks(ByteSpan data) {
    ChunkScan scan;
    if (data.size < 8 || std::memcmp(data.data, kSignature, 8) != 0) return scan;
    scan.signature_ok = true;
    std::size_t pos = 8;
    while (true) {
        if (data.size - pos < 12) {  // not even an empty chunk fits
            scan.cut = true;
            if (data.size - pos >= 8 && std::memcmp(data.data + pos + 4, "IDAT", 4) == 0) scan.image_data_started = true;
            return scan;
        }
        std::uint32_t length = be32(data.data + pos);
        const std::uint8_t* type = data.data + pos + 4;
        // A length above 2^31-1 is invalid; libspng reports it in its own words.
        if (length > 0x7FFFFFFFu) return scan;
        if (data.size - pos - 12 < length) {
            scan.cut = true;
            if (std::memcmp(type, "IDAT", 4) == 0) scan.image_data_started = true;
            return scan;
        }
        if (is_ancillary(type)) {
            std::uint32_t stored = be32(data.data + pos + 8 + length);
            if (crc32_of(type, 4 + static_cast<std::size_t>(length)) != stored)
                scan.bad_ancillary_crc.emplace_back(reinterpret_cast<const char*>(type), 4);
        }
        if (length == 4 && !scan.image_data_started && std::memcmp(type, "cICP", 4) == 0 &&
            crc32_of(type, 8) == be32(data.data + pos + 12)) {
            scan.has_cicp = true;
            std::memcpy(scan.cicp, data.data + pos + 8, 4);
        }
        pos += 12 + static_cast<std::size_t>(length);
        scan.complete_end = pos;
        if (std::memcmp(type, "IDAT", 4) == 0) scan.image_data_started = true;
        if (std::memcmp(type, "IEND", 4) == 0) {
            scan.iend = true;
            return scan;
        }
    }
}

std::vector<std::uint8_t> repaired_copy(ByteSpan data, const ChunkScan& scan) {
    std::vector<std::uint8_t> out(data.data, data.data + scan.complete_end);
    std::size_t pos = scan.complete_end;
    if (data.size - pos >= 8 && std::memcmp(data.data + pos + 4, "IDAT", 4) == 0) {
        std::size_t length = be32(data.data + pos);
        std::size_t kept = std::min(length, data.size - pos - 8);
        if (kept > 0) {
            put_be32(out, static_cast<std::uint32_t>(kept));
            out.insert(out.end(), data.data + pos + 4, data.data + pos + 8 + kept);
            put_be32(out, crc32_of(data.data + pos + 4, 4 + kept));
        }
    }
    static const std::uint8_t kIend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
    out.insert(out.end(), kIend, kIend + 12);
    return out;
}

}  // namespace mediaview::png
