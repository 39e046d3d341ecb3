#include "error_translation.hpp"

#include "src/file_bytes.hpp"

namespace py = pybind11;

namespace mediaview::python {
namespace {

PyObject* error_type = nullptr;
PyObject* decode_error_type = nullptr;
PyObject* unsupported_type = nullptr;
PyObject* limit_error_type = nullptr;
PyObject* decode_warning_type = nullptr;
PyObject* metadata_warning_type = nullptr;
PyObject* batch_error_type = nullptr;

PyObject* new_class(py::module_& m, const char* name, const char* doc, PyObject* bases) {
    std::string qualified = std::string("mediaview.") + name;
    PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases, nullptr);
    if (!cls) throw py::error_already_set();
    m.add_object(name, py::reinterpret_borrow<py::object>(cls));
    return cls;  // the module keeps a reference for the lifetime of the process
}

void raise_file_error(const FileError& e) {
    // OSError(errno, strerror, filename) picks the right subclass itself.
    py::object err = py::reinterpret_borrow<py::object>(PyExc_OSError)(e.errnum, e.what(), e.path);
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(err.ptr())), err.ptr());
}

// TypeError/ValueError with the option's name as `.argument` (None when the
// check was not about one option), so the CLI names its flag.
void raise_argument_error(PyObject* type, const char* message, const std::string& argument) {
    py::object error = py::reinterpret_borrow<py::object>(type)(message);
    error.attr("argument") = argument.empty() ? py::object(py::none()) : py::object(py::str(argument));
    PyErr_SetObject(type, error.ptr());
}

// One of our errors; one that advises an option carries it apart from the
// text: `.detail` (the message without the advice) and `.advice` (a dict:
// lead, option, value, tail), so the CLI words it with its flags. Others
// have both as None.
void raise_error(PyObject* type, const Error& e) {
    py::object error = py::reinterpret_borrow<py::object>(type)(e.what());
    if (e.advice.option.empty()) {
        error.attr("detail") = py::none();
        error.attr("advice") = py::none();
    } else {
        error.attr("detail") = py::str(e.detail);
        py::dict advice;
        advice["lead"] = e.advice.lead;
        advice["option"] = e.advice.option;
        advice["value"] = e.advice.value;
        advice["tail"] = e.advice.tail;
        error.attr("advice") = advice;
    }
    PyErr_SetObject(type, error.ptr());
}

}  // namespace

void register_errors(py::module_& m) {
    error_type = new_class(m, "Error", "Base class of every mediaview error.", PyExc_Exception);
    py::tuple decode_bases = py::make_tuple(py::handle(error_type), py::handle(PyExc_ValueError));
    decode_error_type = new_class(m, "DecodeError", "The data is damaged or truncated.", decode_bases.ptr());
    unsupported_type = new_class(m, "UnsupportedFormatError",
                                 "No decoder recognises the data, or it needs a feature the library lacks.",
                                 error_type);
    limit_error_type = new_class(m, "LimitError", "The header asks for more than the configured limits.",
                                 error_type);
    batch_error_type = new_class(m, "BatchError",
                                 "Some sources of a batch failed: .failures lists (index, source, exception), "
                                 ".result is the output with every good slot filled and failed slots zeroed.",
                                 error_type);
    decode_warning_type = new_class(m, "DecodeWarning", "Recoverable damage found while decoding.",
                                    PyExc_UserWarning);
    metadata_warning_type = new_class(m, "MetadataWarning",
                                      "Metadata the output format could hold that the writer did not store.",
                                      PyExc_UserWarning);

    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const FileError& e) {
            raise_file_error(e);
        } catch (const ArgumentTypeError& e) {
            raise_argument_error(PyExc_TypeError, e.what(), e.argument);
        } catch (const ArgumentError& e) {
            raise_argument_error(PyExc_ValueError, e.what(), e.argument);
        } catch (const DecodeError& e) {
            raise_error(decode_error_type, e);
        } catch (const UnsupportedFormatError& e) {
            raise_error(unsupported_type, e);
        } catch (const LimitError& e) {
            raise_error(limit_error_type, e);
        } catch (const Error& e) {
            raise_error(error_type, e);
        }
    });
}

py::object exception_object(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const py::error_already_set& e) {
        PyErr_Clear();
        return e.value();
    } catch (...) {
        // The registered translators (ours first, then pybind11's), as a raise would.
        py::detail::try_translate_exceptions();
    }
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    Py_XDECREF(type);
    Py_XDECREF(traceback);
    return py::reinterpret_steal<py::object>(value);
}

py::object batch_error(const py::list& failures, std::size_t count, const std::string& noun, py::object result) {
    py::tuple first = failures[0].cast<py::tuple>();
    std::string name = PyUnicode_Check(first[1].ptr()) || py::hasattr(first[1], "__fspath__")
                           ? std::string(py::str(py::module_::import("os").attr("fspath")(first[1])))
                           : std::string(py::str(first[1]));
    return batch_error_named(failures, count, name, noun, std::move(result));
}

py::object batch_error_named(const py::list& failures, std::size_t count, const std::string& first_name,
                             const std::string& noun, py::object result) {
    py::object first = failures[0].cast<py::tuple>()[2];
    std::string message = std::to_string(failures.size()) + " of " + std::to_string(count) + " " + noun +
                          " failed; the first, " + first_name + ": " + std::string(py::str(first));
    py::object error = py::reinterpret_borrow<py::object>(batch_error_type)(message);
    error.attr("failures") = failures;
    error.attr("result") = std::move(result);
    return error;
}

void raise_if_failed(const std::vector<BatchFailure>& failures, const py::list& srcs,
                     const std::vector<std::string>& names, const char* noun, py::object result) {
    if (failures.empty()) return;
    py::list described;
    for (const BatchFailure& failure : failures)
        described.append(py::make_tuple(failure.index, srcs[failure.index], exception_object(failure.error)));
    py::object error = batch_error_named(described, names.size(), names[failures.front().index], noun, std::move(result));
    PyErr_SetObject(batch_error_type, error.ptr());
    throw py::error_already_set();
}

void emit_unstored(const std::vector<std::string>& unstored) {
    for (const std::string& message : unstored) {
        if (PyErr_WarnEx(metadata_warning_type, message.c_str(), 2) < 0) throw py::error_already_set();
    }
}

void emit_warnings(const Diagnostics& diagnostics) {
    for (const std::string& message : diagnostics.by_kind()) {
        if (PyErr_WarnEx(decode_warning_type, message.c_str(), 2) < 0) throw py::error_already_set();
    }
}

}  // namespace mediaview::python
