// A minimal EXIF reader: just enough TIFF to find tag 0x0112 (Orientation) in
// IFD0, and to rewrite it. Every offset is bounds-checked because the payload
// is untrusted.
#include "exif.hpp"

#include <cstring>

namespace mediaview {
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

namespace {

// The byte offset of IFD0's orientation value (a SHORT), or 0 when absent
// or malformed.
std::size_t orientation_value_at(const std::uint8_t* tiff, std::size_t tiff_size) {
    if (tiff_size < 8) return 0;
    bool big_endian;
    if (tiff[0] == 'I' && tiff[1] == 'I') big_endian = false;
    else if (tiff[0] == 'M' && tiff[1] == 'M') big_endian = true;
    else return 0;
    TiffReader r(tiff, tiff_size, big_endian);
    std::uint16_t magic, count;
    std::uint32_t ifd0;
    if (!r.u16(2, magic) || magic != 42 || !r.u32(4, ifd0) || !r.u16(ifd0, count)) return 0;
    for (std::uint32_t i = 0; i < count; ++i) {
        std::size_t entry = static_cast<std::size_t>(ifd0) + 2 + 12 * static_cast<std::size_t>(i);
        std::uint16_t tag, type, value;
        std::uint32_t n;
        if (!r.u16(entry, tag)) return 0;
        if (tag != kOrientationTag) continue;
        if (!r.u16(entry + 2, type) || type != kTypeShort || !r.u32(entry + 4, n) || n < 1 ||
            !r.u16(entry + 8, value))
            return 0;
        return entry + 8;
    }
    return 0;
}

bool big_endian_tiff(const std::uint8_t* tiff) { return tiff[0] == 'M'; }

}  // namespace

int tiff_orientation(const std::uint8_t* tiff, std::size_t size) {
    std::size_t at = orientation_value_at(tiff, size);
    if (at == 0) return 1;
    std::uint16_t value;
    TiffReader(tiff, size, big_endian_tiff(tiff)).u16(at, value);
    return (value >= 1 && value <= 8) ? value : 1;
}

std::string with_tiff_orientation(std::string tiff, int orientation) {
    auto* data = reinterpret_cast<std::uint8_t*>(tiff.data());
    std::size_t at = orientation_value_at(data, tiff.size());
    if (at == 0) return tiff;
    const auto v = static_cast<std::uint16_t>(orientation);
    data[at] = static_cast<std::uint8_t>(big_endian_tiff(data) ? v >> 8 : v & 0xff);
    data[at + 1] = static_cast<std::uint8_t>(big_endian_tiff(data) ? v & 0xff : v >> 8);
    return tiff;
}

}  // namespace mediaview
