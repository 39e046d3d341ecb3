#include "dlpack.hpp"

#include <cstring>
#include <new>
#include <type_traits>
#include <vector>

namespace mediaview::python {
namespace {

using namespace dlpack;

template <class Managed>
struct CapsuleName;
template <>
struct CapsuleName<DLManagedTensor> {
    static constexpr const char* fresh = "dltensor";
};
template <>
struct CapsuleName<DLManagedTensorVersioned> {
    static constexpr const char* fresh = "dltensor_versioned";
};

// Everything one export owns, freed by the tensor's deleter: the tensor
// itself (the consumer gets a pointer into this block), its shape and
// strides, and the reference to the exporter that keeps the memory alive.
template <class Managed>
struct Context {
    Managed managed{};
    std::vector<std::int64_t> shape;
    std::vector<std::int64_t> strides;
    PyObject* owner = nullptr;
    void (*released)(PyObject*) = nullptr;
};

// Called by whoever owns the tensor last: the consumer (torch when its
// tensor dies, perhaps on a thread that does not hold the GIL) or our
// capsule destructor when nobody consumed it.
template <class Managed>
void delete_managed(Managed* self) {
    auto* context = static_cast<Context<Managed>*>(self->manager_ctx);
    // After interpreter shutdown no Python object may be touched: the
    // exporter is leaked with the interpreter, as numpy does.
    if (!Py_IsInitialized()) return;
    PyGILState_STATE gil = PyGILState_Ensure();
    context->released(context->owner);
    Py_DECREF(context->owner);
    delete context;
    PyGILState_Release(gil);
}

template <class Managed>
void capsule_destructor(PyObject* capsule) {
    // A consumer renames the capsule ("used_dltensor...") when it takes the
    // tensor; from then on the tensor's deleter is the consumer's to call.
    if (!PyCapsule_IsValid(capsule, CapsuleName<Managed>::fresh)) return;
    auto* managed = static_cast<Managed*>(PyCapsule_GetPointer(capsule, CapsuleName<Managed>::fresh));
    managed->deleter(managed);
}

void fill_tensor(DLTensor& tensor, const StridedArray& array, std::vector<std::int64_t>& shape,
                 std::vector<std::int64_t>& strides) {
    const auto itemsize = static_cast<std::int64_t>(array.itemsize());
    for (int axis = 0; axis < array.ndim(); ++axis) {
        shape.push_back(array.shape()[axis]);
        strides.push_back(array.strides()[axis] / itemsize);
    }
    tensor.data = array.data();
    tensor.device = DLDevice{kDLCPU, 0};
    tensor.ndim = array.ndim();
    tensor.dtype = dlpack_dtype(array.dtype());
    tensor.shape = shape.data();
    tensor.strides = strides.data();
    tensor.byte_offset = 0;
}

template <class Managed>
PyObject* make_capsule(PyObject* owner, const StridedArray& array, std::uint64_t flags,
                       void (*released)(PyObject*)) {
    auto* context = new (std::nothrow) Context<Managed>();
    if (!context) return PyErr_NoMemory();
    try {
        fill_tensor(context->managed.dl_tensor, array, context->shape, context->strides);
    } catch (const std::bad_alloc&) {
        delete context;
        return PyErr_NoMemory();
    }
    if constexpr (std::is_same_v<Managed, DLManagedTensorVersioned>) {
        context->managed.version = DLPackVersion{kMajorVersion, kMinorVersion};
        context->managed.flags = flags;
    }
    context->managed.manager_ctx = context;
    context->managed.deleter = delete_managed<Managed>;
    context->owner = Py_NewRef(owner);
    context->released = released;
    PyObject* capsule = PyCapsule_New(&context->managed, CapsuleName<Managed>::fresh, capsule_destructor<Managed>);
    if (!capsule) {
        released(owner);
        Py_DECREF(owner);
        delete context;
    }
    return capsule;
}

PyObject* refuse(const char* why) {
    PyErr_SetString(PyExc_BufferError, why);
    return nullptr;
}

void copy_axis(const StridedArray& from, int axis, const std::uint8_t* src, std::uint8_t*& dst) {
    const Index n = from.shape()[axis];
    const Index stride = from.strides()[axis];
    if (axis == from.ndim() - 1) {
        const std::size_t size = from.itemsize();
        for (Index i = 0; i < n; ++i, dst += size) std::memcpy(dst, src + i * stride, size);
        return;
    }
    for (Index i = 0; i < n; ++i) copy_axis(from, axis + 1, src + i * stride, dst);
}

}  // namespace

DLDataType dlpack_dtype(DType dtype) {
    const auto bits = static_cast<std::uint8_t>(8 * itemsize(dtype));
    switch (dtype) {
        case DType::U8:
        case DType::U16:
        case DType::U32: return DLDataType{kDLUInt, bits, 1};
        case DType::I16:
        case DType::I32: return DLDataType{kDLInt, bits, 1};
        case DType::F16:
        case DType::F32:
        case DType::F64: return DLDataType{kDLFloat, bits, 1};
    }
    return DLDataType{kDLUInt, 8, 1};  // unreachable: every DType is listed above
}

PyObject* dlpack_capsule(PyObject* owner, const StridedArray& array, DLPackExport how,
                         void (*released)(PyObject*)) {
    for (Index stride : array.strides())
        if (stride % static_cast<Index>(array.itemsize()) != 0)
            return refuse("mediaview buffer has a stride that is not a whole number of elements "
                          "(padded rows of an out= buffer); DLPack counts strides in elements");
    if (!how.versioned) {
        if (array.readonly())
            return refuse("mediaview buffer is read-only and a DLPack capsule before version 1.0 cannot say so; "
                          "call __dlpack__(max_version=(1, 0)) or copy=True");
        return make_capsule<DLManagedTensor>(owner, array, 0, released);
    }
    std::uint64_t flags = (array.readonly() ? kFlagReadOnly : 0) | (how.copied ? kFlagIsCopied : 0);
    return make_capsule<DLManagedTensorVersioned>(owner, array, flags, released);
}

StridedArray contiguous_copy(const StridedArray& array) {
    StridedArray copy = StridedArray::allocate(array.dtype(), array.shape());
    if (array.count() == 0) return copy;
    std::uint8_t* dst = copy.data();
    if (array.ndim() == 0) {
        std::memcpy(dst, array.data(), array.itemsize());
        return copy;
    }
    copy_axis(array, 0, array.data(), dst);
    return copy;
}

}  // namespace mediaview::python
