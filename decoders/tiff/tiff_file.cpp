#include "tiff_file.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstring>

#include "libtiff_messages.hpp"

namespace mediaview::tiff {
namespace {

constexpr int kMaxPages = 65536;

MemorySource& source_of(thandle_t h) { return *static_cast<MemorySource*>(h); }

tmsize_t read_proc(thandle_t h, void* out, tmsize_t n) {
    MemorySource& s = source_of(h);
    if (n <= 0 || s.at >= s.size) return 0;
    std::uint64_t k = std::min<std::uint64_t>(static_cast<std::uint64_t>(n), s.size - s.at);
    std::memcpy(out, s.data + s.at, k);
    s.at += k;
    return static_cast<tmsize_t>(k);
}

tmsize_t write_proc(thandle_t, void*, tmsize_t) { return -1; }

toff_t seek_proc(thandle_t h, toff_t offset, int whence) {
    MemorySource& s = source_of(h);
    std::uint64_t base = whence == SEEK_CUR ? s.at : whence == SEEK_END ? s.size : 0;
    std::uint64_t to = base + offset;
    if (to < base) return static_cast<toff_t>(-1);  // overflow
    s.at = to;                                      // past the end reads nothing
    return to;
}

int close_proc(thandle_t) { return 0; }
toff_t size_proc(thandle_t h) { return source_of(h).size; }

int map_proc(thandle_t h, void** base, toff_t* size) {
    MemorySource& s = source_of(h);
    *base = const_cast<std::uint8_t*>(s.data);
    *size = s.size;
    return 1;
}
void unmap_proc(thandle_t, void*, toff_t) {}

int on_error(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
    static_cast<File*>(user)->errors.push_back(libtiff_message(module, fmt, ap));
    return 1;  // handled: libtiff's global handler (stderr) is never reached
}

int on_warning(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
    static_cast<File*>(user)->warnings.push_back(libtiff_message(module, fmt, ap));
    return 1;
}

struct Options {
    TIFFOpenOptions* opts = TIFFOpenOptionsAlloc();
    ~Options() { TIFFOpenOptionsFree(opts); }
};

}  // namespace

File::File(ByteSpan data, std::uint64_t max_alloc) : source_{data.data, data.size, 0} {
    silence_libtiff_global_handlers();
    if (data.size < 8) throw DecodeError("TIFF header is truncated");
    Options options;
    if (!options.opts) throw std::bad_alloc();
    TIFFOpenOptionsSetErrorHandlerExtR(options.opts, on_error, this);
    TIFFOpenOptionsSetWarningHandlerExtR(options.opts, on_warning, this);
    TIFFOpenOptionsSetMaxSingleMemAlloc(options.opts, static_cast<tmsize_t>(max_alloc));
    // "O": strip and tile offsets are read on demand, so a directory
    // claiming millions of them allocates nothing until one is used.
    tif_ = TIFFClientOpenExt("TIFF", "rO", &source_, read_proc, write_proc, seek_proc, close_proc, size_proc,
                             map_proc, unmap_proc, options.opts);
    if (!tif_) throw DecodeError("TIFF is damaged or truncated (libtiff cannot read its first directory)");
}

File::~File() {
    if (tif_) TIFFClose(tif_);
}

int File::pages() {
    if (pages_ >= 0) return pages_;
    tdir_t current = TIFFCurrentDirectory(tif_);
    tdir_t n = TIFFNumberOfDirectories(tif_);  // stops at an IFD loop
    pages_ = std::clamp<int>(static_cast<int>(n), 1, kMaxPages);
    if (TIFFCurrentDirectory(tif_) != current) TIFFSetDirectory(tif_, current);
    return pages_;
}

void File::select(int page) {
    if (page < 0) throw std::invalid_argument("page must be 0 or more, not " + std::to_string(page));
    if (static_cast<int>(TIFFCurrentDirectory(tif_)) == page) return;
    if (page >= pages())
        throw std::invalid_argument("page " + std::to_string(page) + " does not exist: the TIFF has " +
                                    std::to_string(pages()) + " page(s)");
    if (!TIFFSetDirectory(tif_, static_cast<tdir_t>(page)))
        throw DecodeError("TIFF page " + std::to_string(page) + " is damaged (its directory cannot be read)");
}

std::vector<std::string> File::take_errors() {
    std::vector<std::string> out;
    out.swap(errors);
    return out;
}

std::vector<std::string> File::take_warnings() {
    std::vector<std::string> out;
    out.swap(warnings);
    return out;
}

}  // namespace mediaview::tiff
