#include "stderr_filter.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <vector>

namespace mediaview {
namespace {

std::mutex scope_mutex;
int depth = 0;
int saved_stderr = -1;
std::thread reader;
// The noise of every active scope (one entry per scope), read by the
// reader under its own lock (the scopes' lock is held while the reader is
// joined).
std::mutex noise_mutex;
std::vector<StderrNoise> active_noise;

void write_all(int fd, const char* data, std::size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, data, n);
        if (w < 0) return;
        data += w;
        n -= static_cast<std::size_t>(w);
    }
}

bool is_noise(const std::string& line) {
    std::lock_guard<std::mutex> lock(noise_mutex);
    for (StderrNoise noise : active_noise)
        if (noise(line)) return true;
    return false;
}

// Forwards whole lines from the pipe to the real stderr, except noise.
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
            if (!is_noise(line)) write_all(to, line.data(), line.size());
        }
    }
    if (!pending.empty() && !is_noise(pending)) write_all(to, pending.data(), pending.size());
    ::close(from);
}

// A child forked while a filter runs (a DataLoader worker, a Dask process)
// must not keep the pipe's write end as its fd 2: the parent's reader would
// wait for the child to close it before the parent could stop filtering.
// The child gets its real stderr back and a filter state of its own: no
// reader thread exists there, and locks other threads held at the fork are
// made anew (the parent's copies are left, never destroyed, in the child).
void child_after_fork() {
    if (saved_stderr >= 0) {
        ::dup2(saved_stderr, 2);
        ::close(saved_stderr);
    }
    saved_stderr = -1;
    depth = 0;
    new (&scope_mutex) std::mutex();
    new (&noise_mutex) std::mutex();
    new (&reader) std::thread();
    new (&active_noise) std::vector<StderrNoise>();
}

bool start_filter() {
    static const bool fork_handled = ::pthread_atfork(nullptr, nullptr, child_after_fork) == 0;
    (void)fork_handled;
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

StderrFilter::StderrFilter(bool active, StderrNoise noise) : active_(active), noise_(noise) {
#ifdef MEDIAVIEW_UNFILTERED_STDERR
    active_ = false;  // the fuzz build: see CMakeLists.txt
#endif
    if (!active_) return;
    std::lock_guard<std::mutex> lock(scope_mutex);
    if (depth == 0 && !start_filter()) {
        active_ = false;  // no pipe: decoding still works, only unfiltered
        return;
    }
    ++depth;
    std::lock_guard<std::mutex> noise_lock(noise_mutex);
    active_noise.push_back(noise_);
}

StderrFilter::~StderrFilter() {
    if (!active_) return;
    std::lock_guard<std::mutex> lock(scope_mutex);
    // The last scope drains the pipe (lines still judged by its noise)
    // before its noise goes.
    if (--depth == 0) stop_filter();
    std::lock_guard<std::mutex> noise_lock(noise_mutex);
    active_noise.erase(std::find(active_noise.begin(), active_noise.end(), noise_));
}

}  // namespace mediaview
