#include "libtiff_messages.hpp"

#include <tiffio.h>

#include <cstdio>

namespace mediaview::tiff {

void silence_libtiff_global_handlers() {
    static const bool done = [] {
        TIFFSetErrorHandler(nullptr);
        TIFFSetWarningHandler(nullptr);
        return true;
    }();
    (void)done;
}

std::string libtiff_message(const char* module, const char* fmt, va_list ap) {
    char text[512];
    std::vsnprintf(text, sizeof text, fmt, ap);
    return module && *module ? std::string(module) + ": " + text : std::string(text);
}

}  // namespace mediaview::tiff
