// A fixed set of worker threads that run the items of a batch. Created once
// per size and reused by every later call (threads cost ~20-50 us to start;
// a batch of small images must not pay that), and by several calling
// threads at once: each call is one job in a queue the workers share.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mediaview {

class WorkerPool {
public:
    explicit WorkerPool(int threads);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    int size() const { return static_cast<int>(threads_.size()); }
    // Runs task(i) for every i in [0, n) on the workers and returns when all
    // have finished. `task` must not throw (a batch catches per item).
    void run(std::size_t n, const std::function<void(std::size_t)>& task);

    // The process's pool of `threads` workers (at least 1), created on first
    // use. A child process made by fork() (multiprocessing, data loaders)
    // inherits no threads: it gets pools of its own.
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

    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable finished_;
    std::deque<Job*> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace mediaview
