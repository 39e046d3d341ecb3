// Ctrl-C during a batch: the thread that started it waits with the GIL
// released, and every few milliseconds (WorkerPool::poll_interval) takes
// the GIL to let Python run its signal handlers (PyErr_CheckSignals). When
// a handler raises (KeyboardInterrupt), the pool starts no further item and
// the exception is raised once the items running are done: within ~100 ms
// of the signal for items shorter than that, nothing left half-written.
// Only Python's main thread receives signals; other threads do not poll.
#pragma once

#include <pybind11/pybind11.h>

#include <optional>

#include "src/worker_pool.hpp"

namespace mediaview::python {

class SignalPoll {
public:
    // Whether the calling thread (holding the GIL) is Python's main thread.
    SignalPoll() {
        namespace py = pybind11;
        py::module_ threading = py::module_::import("threading");
        active_ = threading.attr("main_thread")().is(threading.attr("current_thread")());
        poll_ = [this] {
            pybind11::gil_scoped_acquire gil;
            if (PyErr_CheckSignals() == 0) return false;
            error_.emplace();  // fetches the exception the handler raised
            return true;
        };
    }
    // The poll to hand to the core, or nullptr off the main thread.
    const InterruptPoll* poll() const { return active_ ? &poll_ : nullptr; }
    // After the core threw Interrupted (with the GIL held): the handler's exception.
    [[noreturn]] void raise() {
        if (error_) {
            error_->restore();
            throw pybind11::error_already_set();
        }
        throw pybind11::error_already_set();
    }

private:
    bool active_ = false;
    InterruptPoll poll_;
    std::optional<pybind11::error_already_set> error_;
};

}  // namespace mediaview::python
