#include "libjpeg_errors.hpp"

namespace mediaview::jpeg {
namespace {

void print_nothing(j_common_ptr) {}

}  // namespace

jpeg_error_mgr* LibjpegErrors::install(void (*on_warning)(j_common_ptr, int)) {
    jpeg_std_error(&mgr);
    mgr.error_exit = jump_to_guard;
    mgr.emit_message = on_warning;
    mgr.output_message = print_nothing;
    return &mgr;
}

void jump_to_guard(j_common_ptr cinfo) {
    auto* errors = reinterpret_cast<LibjpegErrors*>(cinfo->err);
    errors->error_code = cinfo->err->msg_code;
    cinfo->err->format_message(cinfo, errors->message);
    std::longjmp(errors->jump, 1);
}

}  // namespace mediaview::jpeg
