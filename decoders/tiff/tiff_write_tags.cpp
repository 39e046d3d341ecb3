#include "tiff_write_tags.hpp"

#include <algorithm>
#include <iterator>

namespace mediaview::tiff {
namespace {

constexpr std::uint16_t kTextTags[] = {0x010E /* ImageDescription */, 0x010F /* Make */, 0x0110 /* Model */,
                                       0x0131 /* Software */,         0x0132 /* DateTime */, 0x013B /* Artist */,
                                       0x8298 /* Copyright */};
constexpr std::uint16_t kAscii = 2;
constexpr std::size_t kMaxEntries = 1000;

struct Reader {
    const std::uint8_t* data;
    std::size_t size;
    bool big;
    std::uint32_t u16(std::size_t at) const {
        return big ? (data[at] << 8) | data[at + 1] : data[at] | (data[at + 1] << 8);
    }
    std::uint32_t u32(std::size_t at) const {
        return big ? (std::uint32_t{data[at]} << 24) | (data[at + 1] << 16) | (data[at + 2] << 8) | data[at + 3]
                   : data[at] | (data[at + 1] << 8) | (data[at + 2] << 16) | (std::uint32_t{data[at + 3]} << 24);
    }
};

}  // namespace

namespace {

// Calls `visit(reader, entry offset)` for each entry of IFD0 within bounds;
// nothing for a block that is not a TIFF structure.
template <typename Visit>
void each_ifd0_entry(const std::uint8_t* exif, std::size_t size, Visit visit) {
    if (!exif || size < 8) return;
    const bool big = exif[0] == 'M' && exif[1] == 'M';
    if (!big && !(exif[0] == 'I' && exif[1] == 'I')) return;
    const Reader r{exif, size, big};
    if (r.u16(2) != 42) return;
    const std::size_t ifd = r.u32(4);
    if (ifd > size - 2) return;
    const std::size_t count = std::min<std::size_t>(r.u16(ifd), kMaxEntries);
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t entry = ifd + 2 + 12 * i;
        if (entry > size - 12) break;
        visit(r, entry);
    }
}

}  // namespace

std::vector<std::pair<std::uint16_t, std::string>> exif_text_tags(const std::uint8_t* exif, std::size_t size) {
    std::vector<std::pair<std::uint16_t, std::string>> found;
    each_ifd0_entry(exif, size, [&](const Reader& r, std::size_t entry) {
        const auto tag = static_cast<std::uint16_t>(r.u16(entry));
        if (r.u16(entry + 2) != kAscii) return;
        if (std::find(std::begin(kTextTags), std::end(kTextTags), tag) == std::end(kTextTags)) return;
        const std::size_t n = r.u32(entry + 4);
        const std::size_t at = n <= 4 ? entry + 8 : r.u32(entry + 8);
        if (n == 0 || at > size || n > size - at) return;
        std::string text(reinterpret_cast<const char*>(exif + at), n);
        text.resize(text.find('\0') == std::string::npos ? text.size() : text.find('\0'));
        if (!text.empty()) found.emplace_back(tag, std::move(text));
    });
    return found;
}

std::vector<std::string> exif_sub_ifds(const std::uint8_t* exif, std::size_t size) {
    std::vector<std::string> names;
    each_ifd0_entry(exif, size, [&](const Reader& r, std::size_t entry) {
        switch (r.u16(entry)) {
            case 0x8769: names.push_back("Exif"); break;
            case 0x8825: names.push_back("GPS"); break;
            case 0xA005: names.push_back("Interop"); break;
            default: break;
        }
    });
    return names;
}

}  // namespace mediaview::tiff
