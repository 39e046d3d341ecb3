// libmpg123, as Debian's libsndfile 1.2.0 uses it, prints decoder complaints
// ("[src/libmpg123/layer3.c:...] error: ...") straight to stderr, and
// libsndfile offers no way to set MPG123_QUIET on its handle. While any
// MPEG handle works, a scope of this type routes file descriptor 2 through
// a pipe whose reader drops libmpg123's lines (those naming libmpg123, and
// lines starting "Note: ", "Warning: " or "Error: ", its unprefixed form)
// and forwards everything else, so other output of the process is kept.
#pragma once

namespace mediaview::sndfile {

class QuietMpg123 {
public:
    explicit QuietMpg123(bool active);
    ~QuietMpg123();
    QuietMpg123(const QuietMpg123&) = delete;
    QuietMpg123& operator=(const QuietMpg123&) = delete;

private:
    bool active_;
};

}  // namespace mediaview::sndfile
