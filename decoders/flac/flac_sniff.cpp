// Recognising a FLAC stream by its first bytes (flac_codec.hpp): a stream
// that starts at a frame header, and Ogg FLAC.
#include <cstring>

#include "flac_codec.hpp"

namespace mediaview::flac {

namespace {

std::uint8_t crc8(const std::uint8_t* p, std::size_t n) {
    std::uint8_t crc = 0;  // polynomial x^8 + x^2 + x + 1, as in the FLAC frame header
    for (std::size_t i = 0; i < n; ++i) {
        crc ^= p[i];
        for (int b = 0; b < 8; ++b) crc = static_cast<std::uint8_t>(crc & 0x80 ? (crc << 1) ^ 0x07 : crc << 1);
    }
    return crc;
}

}  // namespace

bool is_frame_header(const std::uint8_t* p, std::size_t size) {
    if (size < 6 || p[0] != 0xFF || (p[1] & 0xFE) != 0xF8) return false;
    unsigned block_code = p[2] >> 4, rate_code = p[2] & 0x0F;
    unsigned channel_code = p[3] >> 4, size_code = (p[3] >> 1) & 7;
    // Reserved codes, and the codes meaning "as in STREAMINFO", which a
    // stream without one cannot use.
    if (block_code == 0 || rate_code == 0 || rate_code == 15) return false;
    if (channel_code > 10 || size_code == 0 || size_code == 3 || (p[3] & 1)) return false;
    std::size_t at = 4;
    // The frame or sample number, UTF-8 style: 1 to 7 bytes.
    unsigned lead = p[at];
    std::size_t extra = 0;
    if (lead < 0x80) extra = 0;
    else if ((lead & 0xE0) == 0xC0) extra = 1;
    else if ((lead & 0xF0) == 0xE0) extra = 2;
    else if ((lead & 0xF8) == 0xF0) extra = 3;
    else if ((lead & 0xFC) == 0xF8) extra = 4;
    else if ((lead & 0xFE) == 0xFC) extra = 5;
    else if (lead == 0xFE) extra = 6;
    else return false;
    if (size < at + 1 + extra) return false;
    for (std::size_t i = 1; i <= extra; ++i)
        if ((p[at + i] & 0xC0) != 0x80) return false;
    at += 1 + extra;
    if (block_code == 6) at += 1;
    if (block_code == 7) at += 2;
    if (rate_code == 12) at += 1;
    if (rate_code == 13 || rate_code == 14) at += 2;
    if (size < at + 1) return false;
    return crc8(p, at) == p[at];
}

bool is_ogg_flac(const std::uint8_t* p, std::size_t size) {
    if (size < 28 || std::memcmp(p, "OggS", 4) != 0) return false;
    std::size_t segments = p[26];
    std::size_t packet = 27 + segments;
    return size >= packet + 5 && std::memcmp(p + packet, "\x7F" "FLAC", 5) == 0;
}

}  // namespace mediaview::flac
