#include "worker_pool.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>

namespace mediaview {

WorkerPool::WorkerPool(int workers) {
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_) t.join();
}

void WorkerPool::work() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // stopping, nothing left
        Job* job = jobs_.front();
        std::size_t i = claim(*job);
        lock.unlock();
        (*job->task)(i);
        lock.lock();
        if (++job->done == job->n) finished_.notify_all();
    }
}

std::size_t WorkerPool::claim(Job& job) {
    std::size_t i = job.next++;
    if (job.next == job.n) jobs_.erase(std::find(jobs_.begin(), jobs_.end(), &job));  // every item is claimed
    return i;
}

void WorkerPool::run(std::size_t n, const std::function<void(std::size_t)>& task) {
    if (n == 0) return;
    Job job{&task, n};
    std::unique_lock<std::mutex> lock(mutex_);
    jobs_.push_back(&job);
    if (!threads_.empty()) wake_.notify_all();
    while (job.next < job.n) {  // the caller works on its own job until every item is claimed
        std::size_t i = claim(job);
        lock.unlock();
        task(i);
        lock.lock();
        ++job.done;
    }
    finished_.wait(lock, [&job] { return job.done == job.n; });
}

void WorkerPool::cancel(Job& job) {
    if (job.next == job.n) return;  // every item is claimed (and the job out of the queue)
    job.done += job.n - job.next;
    job.next = job.n;
    jobs_.erase(std::find(jobs_.begin(), jobs_.end(), &job));
}

void WorkerPool::run(std::size_t n, const std::function<void(std::size_t)>& task, const InterruptPoll& interrupted) {
    if (n == 0) return;
    if (threads_.empty()) {
        for (std::size_t i = 0; i < n; ++i) {
            if (interrupted()) throw Interrupted();
            task(i);
        }
        return;
    }
    Job job{&task, n};
    std::unique_lock<std::mutex> lock(mutex_);
    jobs_.push_back(&job);
    wake_.notify_all();
    while (!finished_.wait_for(lock, poll_interval, [&job] { return job.done == job.n; })) {
        lock.unlock();
        const bool stop = interrupted();
        lock.lock();
        if (stop) {
            cancel(job);
            // The items already running write into the batch's memory: wait for them.
            finished_.wait(lock, [&job] { return job.done == job.n; });
            throw Interrupted();
        }
    }
}

WorkerPool& WorkerPool::shared(int threads) {
    static std::mutex mutex;
    static pid_t owner = 0;
    // Pools live until exit; one of a forked parent is abandoned, never
    // joined (its threads do not exist in the child).
    static auto* pools = new std::map<int, std::unique_ptr<WorkerPool>>();
    std::lock_guard<std::mutex> lock(mutex);
    threads = std::max(1, threads);
    if (owner != getpid()) {
        for (auto& entry : *pools) entry.second.release();  // NOLINT: deliberately leaked
        pools->clear();
        owner = getpid();
    }
    auto& pool = (*pools)[threads];
    if (!pool) pool = std::make_unique<WorkerPool>(threads - 1);
    return *pool;
}

int WorkerPool::usable_cores() {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

void run_items(int threads, std::size_t n, const std::function<void(std::size_t)>& task,
               const InterruptPoll* interrupted) {
    const int t = threads > 0 ? threads : WorkerPool::usable_cores();
    if (interrupted && n > 1)
        WorkerPool::shared(t + 1).run(n, task, *interrupted);
    else
        WorkerPool::shared(t).run(n, task);
}

}  // namespace mediaview
