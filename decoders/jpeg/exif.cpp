// A minimal EXIF reader: just enough TIFF to find tag 0x0112 (Orientation) in
// IFD0. Every offset is bounds-checked because the payload is untrusted.
#include <cstdint>
#include <cstring>

#include "jpeg_codec.hpp"

namespace mediaview::jpeg {
namespace {

class TiffReader {
public:
    TiffReader(const std::uint8_t* data, std::size_t size, bool big_endian)
        : data_(data), size_(size), big_endian_(big_endian) {}

    bool u16(std::size_t at, std::uint16_t& value) const {
        if (at > size_ || size_ - at < 2) return false;
        value = big_endian_ ? static_cast<std::uint16_t>(data_[at] << 8 | data_[at + 1])
                            : static_cast<std::uint16_t>(data_[at + 1] << 8 | data_[at]);
        return true;
    }

    bool u32(std::size_t at, std::uint32_t& value) const {
        std::uint16_t hi, lo;
        if (!u16(at + (big_endian_ ? 0 : 2), hi) || !u16(at + (big_endian_ ? 2 : 0), lo)) return false;
        value = static_cast<std::uint32_t>(hi) << 16 | lo;
        return true;
    }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    bool big_endian_;
};

constexpr std::uint16_t kOrientationTag = 0x0112;
constexpr std::uint16_t kTypeShort = 3;

}  // namespace

int exif_orientation(const std::uint8_t* app1, std::size_t size) {
    static const std::uint8_t kExifHeader[6] = {'E', 'x', 'i', 'f', 0, 0};
    if (size < 14 || std::memcmp(app1, kExifHeader, 6) != 0) return 1;
    const std::uint8_t* tiff = app1 + 6;
    std::size_t tiff_size = size - 6;
    bool big_endian;
    if (tiff[0] == 'I' && tiff[1] == 'I') big_endian = false;
    else if (tiff[0] == 'M' && tiff[1] == 'M') big_endian = true;
    else return 1;
    TiffReader r(tiff, tiff_size, big_endian);
    std::uint16_t magic, count;
    std::uint32_t ifd0;
    if (!r.u16(2, magic) || magic != 42 || !r.u32(4, ifd0) || !r.u16(ifd0, count)) return 1;
    for (std::uint32_t i = 0; i < count; ++i) {
        std::size_t entry = static_cast<std::size_t>(ifd0) + 2 + 12 * static_cast<std::size_t>(i);
        std::uint16_t tag, type, value;
        std::uint32_t n;
        if (!r.u16(entry, tag)) return 1;
        if (tag != kOrientationTag) continue;
        if (!r.u16(entry + 2, type) || type != kTypeShort || !r.u32(entry + 4, n) || n < 1 ||
            !r.u16(entry + 8, value))
            return 1;
        return (value >= 1 && value <= 8) ? value : 1;
    }
    return 1;
}

}  // namespace mediaview::jpeg
