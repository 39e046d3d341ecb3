#include "quiet_stderr.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

namespace mediaview::sndfile {
namespace {

std::mutex scope_mutex;
int depth = 0;
int saved_stderr = -1;
std::thread reader;

void write_all(int fd, const char* data, std::size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, data, n);
        if (w < 0) return;
        data += w;
        n -= static_cast<std::size_t>(w);
    }
}

// libmpg123's messages: "[src/libmpg123/...] error: ...", and notes and
// warnings it prints without a location ("Warning: Xing stream size off...").
bool from_mpg123(const std::string& line) {
    return line.find("libmpg123") != std::string::npos || line.rfind("Note: ", 0) == 0 ||
           line.rfind("Warning: ", 0) == 0 || line.rfind("Error: ", 0) == 0;
}

// Forwards whole lines from the pipe to the real stderr, except libmpg123's.
void forward(int from, int to) {
    std::string pending;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(from, buf, sizeof buf);
        if (n <= 0) break;
        pending.append(buf, static_cast<std::size_t>(n));
        std::size_t eol;
        while ((eol = pending.find('\n')) != std::string::npos) {
            std::string line = pending.substr(0, eol + 1);
            pending.erase(0, eol + 1);
            if (!from_mpg123(line)) write_all(to, line.data(), line.size());
        }
    }
    if (!pending.empty() && !from_mpg123(pending)) write_all(to, pending.data(), pending.size());
    ::close(from);
}

bool start_filter() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    std::fflush(stderr);
    saved_stderr = ::fcntl(2, F_DUPFD_CLOEXEC, 3);
    if (saved_stderr < 0 || ::dup2(fds[1], 2) < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        if (saved_stderr >= 0) ::close(saved_stderr);
        saved_stderr = -1;
        return false;
    }
    ::close(fds[1]);  // fd 2 is now the only write end: restoring it ends the reader
    reader = std::thread(forward, fds[0], saved_stderr);
    return true;
}

void stop_filter() {
    std::fflush(stderr);
    ::dup2(saved_stderr, 2);
    reader.join();
    ::close(saved_stderr);
    saved_stderr = -1;
}

}  // namespace

QuietMpg123::QuietMpg123(bool active) : active_(active) {
    if (!active_) return;
    std::lock_guard<std::mutex> lock(scope_mutex);
    if (depth == 0 && !start_filter()) {
        active_ = false;  // no pipe: decoding still works, only unfiltered
        return;
    }
    ++depth;
}

QuietMpg123::~QuietMpg123() {
    if (!active_) return;
    std::lock_guard<std::mutex> lock(scope_mutex);
    if (--depth == 0) stop_filter();
}

}  // namespace mediaview::sndfile
