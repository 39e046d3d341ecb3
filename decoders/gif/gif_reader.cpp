#include "gif_reader.hpp"

#include "lzw.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

namespace mediaview::gif {
namespace {

int read_source(GifFileType* gif, GifByteType* out, int wanted) {
    auto* source = static_cast<MemorySource*>(gif->UserData);
    std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(std::max(wanted, 0)), source->size - source->at);
    std::memcpy(out, source->data + source->at, n);
    source->at += n;
    return static_cast<int>(n);
}

void fill_palette(Palette& p, const ColorMapObject* map) {
    for (int i = 0; i < 256; ++i) p.rgb[i * 3] = p.rgb[i * 3 + 1] = p.rgb[i * 3 + 2] = static_cast<std::uint8_t>(i);
    p.entries = 0;
    p.grey_ramp = true;
    if (!map || !map->Colors || map->ColorCount <= 0) return;
    p.entries = std::min(map->ColorCount, 256);
    for (int i = 0; i < p.entries; ++i) {
        p.rgb[i * 3] = map->Colors[i].Red;
        p.rgb[i * 3 + 1] = map->Colors[i].Green;
        p.rgb[i * 3 + 2] = map->Colors[i].Blue;
    }
    p.grey_ramp = is_grey_ramp(p.rgb.data(), p.entries);
}

// giflib's interlaced row order: every 8th row from 0, every 8th from 4,
// every 4th from 2, every 2nd from 1.
std::vector<int> display_rows(int height, bool interlaced) {
    std::vector<int> rows;
    rows.reserve(static_cast<std::size_t>(height));
    if (!interlaced) {
        for (int y = 0; y < height; ++y) rows.push_back(y);
        return rows;
    }
    static const int start[] = {0, 4, 2, 1}, step[] = {8, 8, 4, 2};
    for (int pass = 0; pass < 4; ++pass)
        for (int y = start[pass]; y < height; y += step[pass]) rows.push_back(y);
    return rows;
}

}  // namespace

bool is_grey_ramp(const std::uint8_t* rgb, int entries) {
    for (int i = 0; i < entries; ++i)
        if (rgb[i * 3] != i || rgb[i * 3 + 1] != i || rgb[i * 3 + 2] != i) return false;
    return true;
}

LzwEngine default_lzw_engine() {
    const char* env = std::getenv("MEDIAVIEW_GIF_LZW");
    return env && std::strcmp(env, "giflib") == 0 ? LzwEngine::giflib : LzwEngine::own;
}

Reader::Reader(ByteSpan data, LzwEngine engine) : source_{data.data, data.size, 0}, engine_(engine) {
    int error = 0;
    gif_ = DGifOpen(&source_, read_source, &error);
    if (!gif_) {
        if (error == D_GIF_ERR_NOT_ENOUGH_MEM) throw std::bad_alloc();
        if (error == D_GIF_ERR_NOT_GIF_FILE) throw DecodeError("not a GIF file (no GIF87a/GIF89a signature)");
        if (source_.at >= source_.size) throw Truncated("GIF header is truncated");
        throw DecodeError("GIF header is damaged");
    }
    fill_palette(global_, gif_->SColorMap);
    if (gif_->SWidth <= 0 || gif_->SHeight <= 0) {
        DGifCloseFile(gif_, &error);
        gif_ = nullptr;
        throw DecodeError("GIF logical screen has no pixels (0 width or height)");
    }
}

Reader::~Reader() {
    int error = 0;
    if (gif_) DGifCloseFile(gif_, &error);
}

int Reader::width() const { return gif_->SWidth; }
int Reader::height() const { return gif_->SHeight; }
int Reader::background() const { return has_global_palette() ? gif_->SBackGroundColor : 0; }
std::string Reader::version() const {
    return std::string(reinterpret_cast<const char*>(source_.data) + 3, 3);  // "87a" or "89a"; DGifOpen checked it
}

void Reader::fail(const char* what) const {
    if (gif_->Error == D_GIF_ERR_NOT_ENOUGH_MEM) throw std::bad_alloc();
    if (source_.at >= source_.size) throw Truncated(std::string("GIF data is truncated (") + what + ")");
    throw DecodeError(std::string("GIF data is damaged (") + what + ")");
}

void Reader::read_extension() {
    int code = 0;
    GifByteType* block = nullptr;
    if (DGifGetExtension(gif_, &code, &block) != GIF_OK) fail("extension");
    bool netscape = false;
    bool first = true;
    while (block) {
        std::size_t length = block[0];
        if (code == GRAPHICS_EXT_FUNC_CODE && first && length >= 4) {
            // Read here, as Pillow does, from any block of 4 bytes or more
            // (giflib's DGifExtensionToGCB takes exactly 4 and leaves its
            // output unset otherwise).
            const GifByteType* g = block + 1;
            pending_.has_control = true;
            pending_.transparency = (g[0] & 1) ? g[3] : -1;
            pending_.disposal = (g[0] >> 2) & 7;
            pending_.delay_ms = (g[1] | g[2] << 8) * 10;
        } else if (code == APPLICATION_EXT_FUNC_CODE && first) {
            netscape = length >= 11 && std::memcmp(block + 1, "NETSCAPE2.0", 11) == 0;
        } else if (netscape && length >= 3 && block[1] == 1) {
            loop_count_ = block[2] | block[3] << 8;
            netscape = false;
        }
        first = false;
        if (DGifGetExtensionNext(gif_, &block) != GIF_OK) fail("extension");
    }
}

bool Reader::next_frame(FrameHeader& frame) {
    pending_ = FrameHeader{};
    for (;;) {
        GifRecordType type;
        if (DGifGetRecordType(gif_, &type) != GIF_OK) fail("record");
        switch (type) {
            case EXTENSION_RECORD_TYPE: read_extension(); break;
            case IMAGE_DESC_RECORD_TYPE: {
                if (DGifGetImageDesc(gif_) != GIF_OK) fail("image descriptor");
                // DGifGetImageDesc ends by reading the LZW minimum code size
                // (and refuses one above 8): the byte just read.
                code_size_ = source_.data[source_.at - 1];
                const GifImageDesc& d = gif_->Image;
                frame = pending_;
                frame.x = d.Left;
                frame.y = d.Top;
                frame.width = d.Width;
                frame.height = d.Height;
                frame.interlaced = d.Interlace;
                if (d.ColorMap)
                    fill_palette(frame.palette, d.ColorMap);
                else
                    frame.palette = global_;
                return true;
            }
            case TERMINATE_RECORD_TYPE: return false;
            default: throw DecodeError("GIF data is damaged (unknown record)");
        }
    }
}

void Reader::fail_image_data() const {
    if (source_.at >= source_.size) throw Truncated("GIF data is truncated (image data)");
    throw DecodeError("GIF data is damaged (image data)");
}

void Reader::read_rows(const FrameHeader& frame, const std::function<void(int, const std::uint8_t*)>& row) {
    if (frame.width <= 0 || frame.height <= 0) return skip_rows();
    if (engine_ == LzwEngine::giflib) return read_rows_giflib(frame, row);
    read_rows_own(frame, row);
}

void Reader::read_rows_own(const FrameHeader& frame, const std::function<void(int, const std::uint8_t*)>& row) {
    if (!lzw_) lzw_ = std::make_unique<LzwRows>();
    lzw_->start(source_, code_size_, frame.width, frame.height);
    for (int y : display_rows(frame.height, frame.interlaced)) {
        const std::uint8_t* line = lzw_->next_row();
        if (!line) fail_image_data();
        row(y, line);
    }
}

void Reader::read_rows_giflib(const FrameHeader& frame, const std::function<void(int, const std::uint8_t*)>& row) {
    std::vector<std::uint8_t> line(static_cast<std::size_t>(frame.width));
    for (int y : display_rows(frame.height, frame.interlaced)) {
        if (DGifGetLine(gif_, line.data(), frame.width) != GIF_OK) fail("image data");
        row(y, line.data());
    }
}

void Reader::skip_rows() {
    int code_size = 0;
    GifByteType* block = nullptr;
    if (DGifGetCode(gif_, &code_size, &block) != GIF_OK) fail("image data");
    while (block)
        if (DGifGetCodeNext(gif_, &block) != GIF_OK) fail("image data");
}

}  // namespace mediaview::gif
