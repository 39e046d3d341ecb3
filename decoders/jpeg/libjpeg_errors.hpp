// libjpeg's error handling, shared by the decoder and the encoder. libjpeg
// reports fatal errors by calling error_exit, which must not return: it
// longjmps back to the guard frame of the step that failed, which then
// throws. No C++ exception ever unwinds through libjpeg's C frames, and the
// guarded steps are lambdas that own nothing with a destructor (longjmp
// would skip it). Nothing is ever printed.
#pragma once

#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE

#include <jpeglib.h>

namespace mediaview::jpeg {

struct LibjpegErrors {
    jpeg_error_mgr mgr;  // first member: libjpeg hands back a pointer to it
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX] = {};
    int error_code = 0;

    // Sets up `mgr` for a compress or decompress struct: fatal errors jump
    // to the running guard, warnings go to `on_warning`.
    jpeg_error_mgr* install(void (*on_warning)(j_common_ptr cinfo, int level));
};

// Records libjpeg's current message and jumps to the running guard.
[[noreturn]] void jump_to_guard(j_common_ptr cinfo);

// Runs one libjpeg step; when it fails, `fail` (which must throw) runs in
// this frame after the longjmp.
template <typename Fail, typename Step>
void run_guarded(LibjpegErrors& errors, Fail&& fail, Step&& step) {
    if (setjmp(errors.jump) != 0) fail();
    step();
}

}  // namespace mediaview::jpeg
