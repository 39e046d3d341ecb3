// A fixed set of worker threads that run the items of a batch, beside the
// thread that calls run(): it works on its own job too, so a pool of N - 1
// workers runs a batch on N threads, a batch on one thread needs no worker
// at all, and callers that share a pool (Dask's threaded scheduler calling
// decode_images(threads=1) from each of its threads) never wait for each
// other. Created once per size and reused by every later call (threads cost
// ~20-50 us to start; a batch of small images must not pay that): each call
// is one job in a queue the workers share.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace mediaview {

// Asked by a waiting caller every few milliseconds whether the batch should
// stop (the Python binding: a pending Ctrl-C). It runs with no pool lock held.
using InterruptPoll = std::function<bool()>;

// A batch stopped by its InterruptPoll: the items started have finished,
// the others never ran; the batch's results are to be dropped.
struct Interrupted : std::runtime_error {
    Interrupted() : std::runtime_error("interrupted") {}
};

// One failed item of a batch: its index and what it threw (the batch goes
// on; the caller reports every failure at the end).
struct BatchFailure {
    std::size_t index;
    std::exception_ptr error;
};

class WorkerPool {
public:
    explicit WorkerPool(int workers);  // 0: every item runs on the calling thread
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // Threads that run a batch: the workers and the caller.
    int size() const { return static_cast<int>(threads_.size()) + 1; }
    // Runs task(i) for every i in [0, n) on the calling thread and the
    // workers, and returns when all have finished. `task` must not throw (a
    // batch catches per item).
    void run(std::size_t n, const std::function<void(std::size_t)>& task);
    // The same, but the caller only waits, asking `interrupted` every
    // poll_interval; when it says stop, no further item starts, the
    // items running finish, and Interrupted is thrown. A pool without
    // workers runs the items on the caller, asking between items.
    void run(std::size_t n, const std::function<void(std::size_t)>& task, const InterruptPoll& interrupted);
    static constexpr std::chrono::milliseconds poll_interval{20};

    // The process's pool that runs a batch on `threads` threads (at least 1):
    // threads - 1 workers, created on first use. A child process made by
    // fork() (multiprocessing, data loaders) inherits no threads: it gets
    // pools of its own.
    static WorkerPool& shared(int threads);
    // The number of CPUs this process may run on (sched_getaffinity), at least 1.
    static int usable_cores();

private:
    struct Job {
        const std::function<void(std::size_t)>* task;
        std::size_t n;
        std::size_t next = 0;
        std::size_t done = 0;
    };
    void work();
    // Takes the next item of `job` (one is left); the caller holds mutex_.
    std::size_t claim(Job& job);
    // No further item of `job` starts; the caller holds mutex_.
    void cancel(Job& job);

    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable finished_;
    std::deque<Job*> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

// Runs task(i) for every i on `threads` threads (0: every usable core). A
// caller that polls for interruption only waits (so the batch has `threads`
// workers) and the batch stops between items when the poll says so
// (Interrupted); otherwise the caller works beside threads - 1 workers.
void run_items(int threads, std::size_t n, const std::function<void(std::size_t)>& task,
               const InterruptPoll* interrupted);

}  // namespace mediaview
