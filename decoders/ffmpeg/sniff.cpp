// Which of our containers a file is, from its first bytes: the one place
// that decides what libavformat may be asked to read.
#include <cstring>

#include "ffmpeg_codec.hpp"

namespace mediaview::ffmpeg {
namespace {

bool at(const std::uint8_t* p, std::size_t size, std::size_t offset, const char* text) {
    std::size_t n = std::strlen(text);
    return size >= offset + n && std::memcmp(p + offset, text, n) == 0;
}

std::uint32_t big32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// An ISO base media / QuickTime file: its first box is 'ftyp', or (older
// QuickTime files) the movie, the media data or a 'wide' placeholder, with
// a box size that can be one (8 or more, or 1: a 64-bit size follows).
bool is_iso_media(const std::uint8_t* p, std::size_t size) {
    if (size < 12) return false;
    std::uint32_t box = big32(p);
    if (box != 1 && box < 8) return false;
    if (at(p, size, 4, "ftyp")) return box >= 12 || box == 1;
    return at(p, size, 4, "moov") || at(p, size, 4, "mdat") || at(p, size, 4, "wide");
}

// An ADTS header: 12 sync bits, layer 00 (MPEG audio, which libsndfile
// reads, never has layer 00), a sampling-frequency index that exists, and
// a frame length of at least the header.
bool is_adts(const std::uint8_t* p, std::size_t size) {
    if (size < 7 || p[0] != 0xFF || (p[1] & 0xF6) != 0xF0) return false;
    unsigned frequency_index = (p[2] >> 2) & 0x0F;
    unsigned frame_length = ((p[3] & 0x03u) << 11) | (unsigned{p[4]} << 3) | (p[5] >> 5);
    return frequency_index < 13 && frame_length >= 7;
}

constexpr std::uint8_t asf_header_guid[16] = {0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11,
                                              0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C};

// bsid of an AC-3 family sync frame: up to 10 AC-3, 11 to 16 E-AC-3.
int ac3_bsid(const std::uint8_t* p, std::size_t size) {
    if (size < 6 || p[0] != 0x0B || p[1] != 0x77) return -1;
    return p[5] >> 3;
}

}  // namespace

const char* demuxer_for(const std::uint8_t* p, std::size_t size) {
    if (is_iso_media(p, size)) return "mov";
    if (is_adts(p, size)) return "aac";
    if (size >= 16 && std::memcmp(p, asf_header_guid, 16) == 0) return "asf";
    int bsid = ac3_bsid(p, size);
    if (bsid >= 0 && bsid <= 10) return "ac3";
    if (bsid >= 11 && bsid <= 16) return "eac3";
    if (size >= 4 && p[0] == 0x1A && p[1] == 0x45 && p[2] == 0xDF && p[3] == 0xA3) return "matroska";
    return nullptr;
}

std::string container_name(const std::uint8_t* p, std::size_t size) {
    const char* demuxer = demuxer_for(p, size);
    if (!demuxer) return {};
    std::string d = demuxer;
    if (d == "mov") {
        if (at(p, size, 8, "M4A ") || at(p, size, 8, "M4B ") || at(p, size, 8, "M4P ")) return "M4A";
        if (at(p, size, 8, "qt  ") || !at(p, size, 4, "ftyp")) return "MOV";
        return "MP4";
    }
    if (d == "aac") return "AAC";
    if (d == "asf") return "ASF";
    if (d == "ac3") return "AC3";
    if (d == "eac3") return "EAC3";
    // The EBML header names its DocType within its first bytes.
    for (std::size_t i = 4; i + 4 <= size && i < 64; ++i)
        if (std::memcmp(p + i, "webm", 4) == 0) return "WEBM";
    return "MATROSKA";
}

}  // namespace mediaview::ffmpeg
