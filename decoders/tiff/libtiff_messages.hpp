// libtiff's messages, for the reader (tiff_file.cpp) and the writer
// (tiff_write.cpp): never printed, only kept where the caller can word them.
#pragma once

#include <cstdarg>
#include <string>

namespace mediaview::tiff {

// Sends the messages libtiff gives without a handle (before one exists) to
// nowhere instead of stderr; once a process, from the first open.
void silence_libtiff_global_handlers();

// "module: text" of a libtiff message (the module left out when empty).
std::string libtiff_message(const char* module, const char* fmt, va_list ap);

}  // namespace mediaview::tiff
