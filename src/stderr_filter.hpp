// Some C libraries print their complaints about damaged input straight to
// stderr with no run-time switch: libmpg123 as Debian's libsndfile 1.2.0
// uses it ("[src/libmpg123/layer3.c:...] error: ..."), and Debian's libjxl
// 0.7, built with JXL_DEBUG_ON_ERROR ("./lib/jxl/dec_frame.cc:644:
// JXL_FAILURE: ..."). Our errors say what went wrong in the user's terms, so
// while a decoder that calls such a library works, a scope of this type
// routes file descriptor 2 through a pipe whose reader drops the lines any
// active scope calls noise and forwards everything else, so other output of
// the process is kept. One pipe for all scopes (counted), whatever thread.
#pragma once

#include <string>

namespace mediaview {

// Whether a line (with its newline) is one of a library's complaints.
using StderrNoise = bool (*)(const std::string& line);

class StderrFilter {
public:
    // Inactive (no pipe, no cost) when `active` is false.
    StderrFilter(bool active, StderrNoise noise);
    ~StderrFilter();
    StderrFilter(const StderrFilter&) = delete;
    StderrFilter& operator=(const StderrFilter&) = delete;

private:
    bool active_;
    StderrNoise noise_;
};

}  // namespace mediaview
