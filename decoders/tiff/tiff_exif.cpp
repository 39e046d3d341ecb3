#include "tiff_exif.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace mediaview::tiff {
namespace {

constexpr std::uint16_t kExifPointer = 0x8769;
constexpr std::uint16_t kInteropPointer = 0xA005;  // a nested IFD: its offset would dangle, left out
constexpr std::size_t kValueCap = 1 << 20;         // any one value (a maker note is rarely above 64 KB)

// IFD0's tags that EXIF readers show beside the EXIF IFD's (Pillow's getexif()).
constexpr std::uint16_t kDescriptive[] = {0x010E, 0x010F, 0x0110, 0x0112, 0x0131, 0x0132, 0x013B, 0x8298};

int type_size(std::uint16_t type) {
    switch (type) {
        case 1: case 2: case 6: case 7: return 1;     // BYTE ASCII SBYTE UNDEFINED
        case 3: case 8: return 2;                     // SHORT SSHORT
        case 4: case 9: case 11: return 4;            // LONG SLONG FLOAT
        case 5: case 10: case 12: return 8;           // RATIONAL SRATIONAL DOUBLE
        default: return 0;
    }
}

struct Entry {
    std::uint16_t tag, type;
    std::uint32_t count;
    std::string value;  // count * type_size bytes, in the file's byte order
};

class Bytes {
public:
    Bytes(ByteSpan data, bool big) : d_(data), big_(big) {}
    bool has(std::uint64_t at, std::uint64_t n) const { return at <= d_.size && n <= d_.size - at; }
    std::uint32_t get(std::uint64_t at, int n) const {
        std::uint32_t v = 0;
        for (int i = 0; i < n; ++i) {
            std::uint32_t b = d_.data[at + (big_ ? i : n - 1 - i)];
            v = v << 8 | b;
        }
        return v;
    }
    std::string slice(std::uint64_t at, std::uint64_t n) const {
        return std::string(reinterpret_cast<const char*>(d_.data + at), static_cast<std::size_t>(n));
    }

    // The entries of the IFD at `offset` (those whose value lies in the data).
    std::vector<Entry> ifd(std::uint64_t offset) const {
        std::vector<Entry> out;
        if (!has(offset, 2)) return out;
        std::uint32_t n = get(offset, 2);
        if (!has(offset + 2, std::uint64_t{n} * 12)) return out;
        for (std::uint32_t i = 0; i < n; ++i) {
            std::uint64_t e = offset + 2 + std::uint64_t{i} * 12;
            Entry entry{static_cast<std::uint16_t>(get(e, 2)), static_cast<std::uint16_t>(get(e + 2, 2)), get(e + 4, 4), {}};
            std::uint64_t size = std::uint64_t{entry.count} * type_size(entry.type);
            if (size == 0 || size > kValueCap) continue;
            std::uint64_t at = size <= 4 ? e + 8 : get(e + 8, 4);
            if (!has(at, size)) continue;
            entry.value = slice(at, size);
            out.push_back(std::move(entry));
        }
        return out;
    }

private:
    ByteSpan d_;
    bool big_;
};

class Writer {
public:
    explicit Writer(bool big) : big_(big) {}
    std::string out;
    void put(std::uint32_t v, int n) {
        for (int i = 0; i < n; ++i) out.push_back(static_cast<char>(v >> (8 * (big_ ? n - 1 - i : i)) & 0xFF));
    }
    // The IFD's size with its values (each long value padded to even).
    static std::size_t size_of(const std::vector<Entry>& entries) {
        std::size_t n = 2 + entries.size() * 12 + 4;
        for (const Entry& e : entries)
            if (e.value.size() > 4) n += (e.value.size() + 1) & ~std::size_t{1};
        return n;
    }
    // Writes the IFD at out.size(), its long values just after it.
    void ifd(const std::vector<Entry>& entries) {
        std::size_t data_at = out.size() + 2 + entries.size() * 12 + 4;
        put(static_cast<std::uint32_t>(entries.size()), 2);
        std::string values;
        for (const Entry& e : entries) {
            put(e.tag, 2);
            put(e.type, 2);
            put(e.count, 4);
            if (e.value.size() <= 4) {
                out += e.value;
                out.append(4 - e.value.size(), '\0');
                continue;
            }
            put(static_cast<std::uint32_t>(data_at + values.size()), 4);
            values += e.value;
            if (values.size() & 1) values.push_back('\0');
        }
        put(0, 4);  // no next IFD
        out += values;
    }

private:
    bool big_;
};

}  // namespace

std::string exif_block(TIFF* tif, ByteSpan data) {
    if (TIFFIsBigTIFF(tif) || data.size < 8) return {};
    toff_t exif_offset = 0;
    if (!TIFFGetField(tif, TIFFTAG_EXIFIFD, &exif_offset) || exif_offset == 0) return {};
    const bool big = data.data[0] == 'M';
    Bytes in(data, big);
    std::vector<Entry> exif = in.ifd(exif_offset);
    exif.erase(std::remove_if(exif.begin(), exif.end(), [](const Entry& e) { return e.tag == kInteropPointer; }),
               exif.end());
    if (exif.empty()) return {};
    std::vector<Entry> ifd0;
    for (const Entry& e : in.ifd(in.get(4, 4)))
        if (std::find(std::begin(kDescriptive), std::end(kDescriptive), e.tag) != std::end(kDescriptive))
            ifd0.push_back(e);
    ifd0.push_back(Entry{kExifPointer, 4, 1, std::string(4, '\0')});  // tags ascend: the pointer is the largest
    Writer w(big);
    w.out = big ? std::string("MM\0*", 4) : std::string("II*\0", 4);
    w.put(8, 4);
    std::uint32_t exif_at = static_cast<std::uint32_t>(8 + Writer::size_of(ifd0));
    Writer pointer(big);
    pointer.put(exif_at, 4);
    ifd0.back().value = pointer.out;
    w.ifd(ifd0);
    w.ifd(exif);
    return w.out;
}

}  // namespace mediaview::tiff
