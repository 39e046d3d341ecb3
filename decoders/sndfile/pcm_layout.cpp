// Finding the sample data of uncompressed containers, for memory mapping.
// libsndfile does not say where the samples start, so the chunk headers are
// walked here; every read is bounds-checked.
#include <cstring>
#include <stdexcept>
#include <string>

#include "sndfile_decoder.hpp"

namespace mediaview::sndfile {
namespace {

std::uint32_t le32(const std::uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16 | std::uint32_t(p[3]) << 24; }
std::uint32_t be32(const std::uint8_t* p) { return std::uint32_t(p[0]) << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
std::uint64_t le64(const std::uint8_t* p) { return le32(p) | std::uint64_t(le32(p + 4)) << 32; }

[[noreturn]] void cannot(const std::string& why) { throw std::invalid_argument(why); }

// RIFF, RIFX and RF64: 12-byte header, then chunks of id, 32-bit size, data,
// padded to even length.
std::uint64_t riff_data_offset(const std::uint8_t* f, std::size_t size, bool big) {
    std::size_t at = 12;
    while (at + 8 <= size) {
        std::uint32_t length = big ? be32(f + at + 4) : le32(f + at + 4);
        if (std::memcmp(f + at, "data", 4) == 0) return at + 8;
        at += 8 + static_cast<std::size_t>(length) + (length & 1);
    }
    cannot("no data chunk found");
}

// Sony Wave64: 16-byte GUIDs, 64-bit sizes that include the 24-byte chunk
// header, chunks aligned to 8 bytes.
std::uint64_t w64_data_offset(const std::uint8_t* f, std::size_t size) {
    std::size_t at = 40;
    while (at + 24 <= size) {
        std::uint64_t length = le64(f + at + 16);
        if (std::memcmp(f + at, "data", 4) == 0) return at + 24;
        if (length < 24) break;
        at += static_cast<std::size_t>((length + 7) & ~std::uint64_t{7});
    }
    cannot("no data chunk found");
}

// AIFF/AIFC: big-endian chunks; SSND holds an offset and block size first.
PcmLayout aiff_layout(const std::uint8_t* f, std::size_t size) {
    bool aifc = std::memcmp(f + 8, "AIFC", 4) == 0;
    bool little = false;
    std::uint64_t data = 0;
    std::size_t at = 12;
    while (at + 8 <= size) {
        std::uint32_t length = be32(f + at + 4);
        if (std::memcmp(f + at, "COMM", 4) == 0 && aifc && at + 8 + 22 <= size)
            little = std::memcmp(f + at + 8 + 18, "sowt", 4) == 0;  // compression type after 18 bytes
        if (std::memcmp(f + at, "SSND", 4) == 0 && at + 16 <= size) data = at + 16 + be32(f + at + 8);
        at += 8 + static_cast<std::size_t>(length) + (length & 1);
    }
    if (!data) cannot("no SSND chunk found");
    return {data, little};
}

}  // namespace

PcmLayout pcm_layout(const std::uint8_t* f, std::size_t size, const AudioInfo& info) {
    if (info.format == "RAW") return {0, info.endian != "BIG"};
    if (size < 40) cannot("the file is too short for its header");
    if (std::memcmp(f, "RIFF", 4) == 0 || std::memcmp(f, "RF64", 4) == 0) return {riff_data_offset(f, size, false), true};
    if (std::memcmp(f, "RIFX", 4) == 0) return {riff_data_offset(f, size, true), false};
    if (std::memcmp(f, "riff", 4) == 0) return {w64_data_offset(f, size), true};
    if (std::memcmp(f, "FORM", 4) == 0) return aiff_layout(f, size);
    cannot(info.format + " files are not a plain run of samples");
}

}  // namespace mediaview::sndfile
