#include "bindings.hpp"

namespace mediaview::python {

// Filled in by the audio decoder work.
void bind_audio(pybind11::module_&) {}

}  // namespace mediaview::python
