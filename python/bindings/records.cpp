#include "records.hpp"

namespace py = pybind11;

namespace mediaview::python {

py::object to_python(const FieldValue& value) {
    return std::visit(
        [](const auto& v) -> py::object {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) return py::none();
            else return py::cast(v);
        },
        value);
}

}  // namespace mediaview::python
