#include "stderr_filter.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <future>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <vector>

namespace mediaview {
namespace {

// Written by the scope that stops the filter, after fd 2 is restored: when
// the reader meets it, everything written while the filter ran has been
// judged (NUL bytes: no library's text contains them).
constexpr char drained_marker[] = "\0mediaview-stderr-drained\0";
constexpr std::size_t marker_size = sizeof drained_marker - 1;

std::mutex scope_mutex;
int depth = 0;
int saved_stderr = -1;  // the real stderr while a filter runs
int pipe_writer = -1;   // our own write end, for the marker
int pipe_reader = -1;   // the read end, owned by the reader thread
std::future<void> reader_drained;
// The noise of every active scope (one entry per scope), read by the
// readers under its own lock. Never destroyed: a reader still hearing a
// child may outlive static destruction.
std::mutex noise_mutex;
std::vector<StderrNoise>& active_noise = *new std::vector<StderrNoise>;

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

void forward_lines(std::string& pending, int to) {
    std::size_t eol;
    while ((eol = pending.find('\n')) != std::string::npos) {
        std::string line = pending.substr(0, eol + 1);
        pending.erase(0, eol + 1);
        if (!is_noise(line)) write_all(to, line.data(), line.size());
    }
}

// Forwards whole lines from the pipe to the real stderr, except noise. It
// owns both descriptors. Once the marker has come the filter has stopped,
// but the reader goes on until every write end is closed: a process that
// inherited the pipe as its stderr (a child started by fork or vfork while
// the filter ran) is still heard, and is never left writing to a pipe with
// no reader.
void forward(int from, int to, std::promise<void> drained) {
    std::string pending;
    bool marker_seen = false;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(from, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        pending.append(buf, static_cast<std::size_t>(n));
        std::size_t marker = marker_seen ? std::string::npos
                                         : pending.find(drained_marker, 0, marker_size);
        if (marker != std::string::npos) {
            pending.erase(marker, marker_size);
            std::string before = pending.substr(0, marker);
            pending.erase(0, marker);
            forward_lines(before, to);
            if (!before.empty() && !is_noise(before)) write_all(to, before.data(), before.size());
            marker_seen = true;
            drained.set_value();
        }
        forward_lines(pending, to);
    }
    if (!pending.empty() && !is_noise(pending)) write_all(to, pending.data(), pending.size());
    if (!marker_seen) drained.set_value();
    ::close(from);
    ::close(to);
}

// A child forked while a filter runs (a DataLoader worker, a Dask process)
// gets its real stderr back rather than the pipe, and a filter state of its
// own: no reader thread exists there, and the locks are made anew (the
// parent's copies are left, never destroyed, in the child). fork() waits
// for the scopes' lock, so the child never sees a filter half started or
// half stopped.
void before_fork() { scope_mutex.lock(); }

void parent_after_fork() { scope_mutex.unlock(); }

void child_after_fork() {
    if (saved_stderr >= 0) {
        ::dup2(saved_stderr, 2);
        ::close(saved_stderr);
        ::close(pipe_writer);
        ::close(pipe_reader);
    }
    saved_stderr = pipe_writer = pipe_reader = -1;
    depth = 0;
    new (&scope_mutex) std::mutex();
    new (&noise_mutex) std::mutex();
    new (&reader_drained) std::future<void>();
    new (&active_noise) std::vector<StderrNoise>();
}

bool start_filter() {
    static const bool fork_handled =
        ::pthread_atfork(before_fork, parent_after_fork, child_after_fork) == 0;
    (void)fork_handled;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    std::fflush(stderr);
    saved_stderr = ::fcntl(2, F_DUPFD_CLOEXEC, 3);
    int reader_out = saved_stderr < 0 ? -1 : ::fcntl(saved_stderr, F_DUPFD_CLOEXEC, 3);
    if (reader_out < 0 || ::dup2(fds[1], 2) < 0) {
        for (int fd : {fds[0], fds[1], saved_stderr, reader_out})
            if (fd >= 0) ::close(fd);
        saved_stderr = -1;
        return false;
    }
    pipe_writer = fds[1];
    pipe_reader = fds[0];
    std::promise<void> drained;
    reader_drained = drained.get_future();
    std::thread(forward, fds[0], reader_out, std::move(drained)).detach();
    return true;
}

// Waits only until what was written while the filter ran has been judged,
// never for other holders of the pipe to close it.
void stop_filter() {
    std::fflush(stderr);
    ::dup2(saved_stderr, 2);
    ::close(saved_stderr);
    write_all(pipe_writer, drained_marker, marker_size);
    ::close(pipe_writer);
    reader_drained.wait();
    saved_stderr = pipe_writer = pipe_reader = -1;
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
    // The last scope waits for the pipe to be drained (lines still judged
    // by its noise) before its noise goes.
    if (--depth == 0) stop_filter();
    std::lock_guard<std::mutex> noise_lock(noise_mutex);
    active_noise.erase(std::find(active_noise.begin(), active_noise.end(), noise_));
}

}  // namespace mediaview
