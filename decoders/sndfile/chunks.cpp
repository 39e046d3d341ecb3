// Finding the sample data in uncompressed containers by walking their chunk
// headers, for the zero-copy path: libsndfile knows the offset but has no
// API that reports it, so we find it ourselves and the caller verifies the
// result against samples libsndfile decodes.
#include <sndfile.h>

#include <cstring>

#include "sndfile_codec.hpp"

namespace mediaview::sndfile {
namespace {

std::uint64_t le(const std::uint8_t* p, int n) {
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

std::uint64_t be(const std::uint8_t* p, int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
    return v;
}

bool tag(const std::uint8_t* p, const char* id) { return std::memcmp(p, id, 4) == 0; }

// RIFF, RIFX, RF64 and BW64: 8-byte chunk headers after a 12-byte preamble,
// chunks padded to an even size. RF64 keeps 0xFFFFFFFF in the data size.
DataLocation riff_data(const std::uint8_t* h, std::size_t size) {
    if (size < 12 || !tag(h + 8, "WAVE")) return {};
    bool big = tag(h, "RIFX");
    std::uint64_t pos = 12;
    while (pos + 8 <= size) {
        if (tag(h + pos, "data")) return {pos + 8, big};
        std::uint64_t len = big ? be(h + pos + 4, 4) : le(h + pos + 4, 4);
        pos += 8 + len + (len & 1);
    }
    return {};
}

// Sony Wave64: 16-byte GUID ids whose first four bytes spell the RIFF id,
// 64-bit sizes that include the 24-byte header, chunks aligned to 8 bytes.
DataLocation w64_data(const std::uint8_t* h, std::size_t size) {
    if (size < 40 || !tag(h, "riff") || !tag(h + 24, "wave")) return {};
    std::uint64_t pos = 40;
    while (pos + 24 <= size) {
        if (tag(h + pos, "data")) return {pos + 24, false};
        std::uint64_t len = le(h + pos + 16, 8);
        if (len < 24) return {};
        pos += (len + 7) / 8 * 8;
    }
    return {};
}

// AIFF/AIFC: big-endian sizes, even padding; samples start after the SSND
// chunk's own offset and block-size fields plus its declared offset. Samples
// are big-endian except in AIFC with the 'sowt' compression type, whose id
// follows the 18 bytes of classic COMM fields.
DataLocation aiff_data(const std::uint8_t* h, std::size_t size) {
    if (size < 12 || !(tag(h + 8, "AIFF") || tag(h + 8, "AIFC"))) return {};
    bool big = true;
    std::uint64_t pos = 12;
    while (pos + 8 <= size) {
        std::uint64_t len = be(h + pos + 4, 4);
        if (tag(h + pos, "COMM") && tag(h + 8, "AIFC") && len >= 22 && pos + 30 <= size)
            big = !tag(h + pos + 26, "sowt");
        if (tag(h + pos, "SSND")) return pos + 16 <= size ? DataLocation{pos + 16 + be(h + pos + 8, 4), big} : DataLocation{};
        pos += 8 + len + (len & 1);
    }
    return {};
}

}  // namespace

DataLocation find_data(int major, const std::uint8_t* head, std::size_t size) {
    switch (major & SF_FORMAT_TYPEMASK) {
        case SF_FORMAT_WAV:
        case SF_FORMAT_WAVEX:
        case SF_FORMAT_RF64: return riff_data(head, size);
        case SF_FORMAT_W64: return w64_data(head, size);
        case SF_FORMAT_AIFF: return aiff_data(head, size);
        default: return {};
    }
}

MpegLengthHeader mpeg_length_header(const std::uint8_t* head, std::size_t size) {
    MpegLengthHeader found;
    std::size_t pos = 0;
    // An ID3v2 tag: 10-byte header, synchsafe size, optional 10-byte footer.
    if (size >= 10 && std::memcmp(head, "ID3", 3) == 0) {
        std::size_t len = (head[6] & 0x7f) << 21 | (head[7] & 0x7f) << 14 | (head[8] & 0x7f) << 7 | (head[9] & 0x7f);
        pos = 10 + len + ((head[5] & 0x10) ? 10 : 0);
    }
    // The first frame sync; the Xing/Info tag sits after the side info and
    // VBRI 32 bytes after the header, both well inside the first 200 bytes.
    while (pos + 1 < size && !(head[pos] == 0xff && (head[pos + 1] & 0xe0) == 0xe0)) ++pos;
    found.stream_start = pos;
    std::size_t end = pos + 200 < size ? pos + 200 : size;
    for (std::size_t i = pos; i + 4 <= end; ++i) {
        if (tag(head + i, "Xing") || tag(head + i, "Info")) {
            found.present = true;
            // Flags, then the frame count (flag 1) and the stream's bytes (flag 2).
            if (i + 16 > size) return found;
            std::uint32_t flags = static_cast<std::uint32_t>(be(head + i + 4, 4));
            std::size_t at = i + 8 + ((flags & 1) ? 4 : 0);
            if ((flags & 2) && at + 4 <= size) found.stream_bytes = be(head + at, 4);
            return found;
        }
        if (tag(head + i, "VBRI")) {
            found.present = true;
            // Version, delay and quality (2 bytes each), then the bytes.
            if (i + 14 <= size) found.stream_bytes = be(head + i + 10, 4);
            return found;
        }
    }
    return found;
}

}  // namespace mediaview::sndfile
