// DLPack: the exporter's second way out, for frameworks that take tensors
// rather than buffers (torch.from_dlpack, np.from_dlpack, JAX, CuPy...).
//
// The structs below are the DLPack ABI (dlpack.h, versions 0.8 and 1.0),
// written from the specification at dmlc.github.io/dlpack: field order and
// widths are the contract, so every enum is spelled as the fixed-width
// integer the C header's enum occupies on every ABI we build for.
#pragma once

#include <Python.h>

#include <cstdint>

#include "src/strided_array.hpp"

namespace mediaview::python {

namespace dlpack {

constexpr std::int32_t kDLCPU = 1;  // DLDeviceType

// DLDataTypeCode
constexpr std::uint8_t kDLInt = 0;
constexpr std::uint8_t kDLUInt = 1;
constexpr std::uint8_t kDLFloat = 2;

constexpr std::uint64_t kFlagReadOnly = 1u << 0;  // DLPACK_FLAG_BITMASK_READ_ONLY
constexpr std::uint64_t kFlagIsCopied = 1u << 1;  // DLPACK_FLAG_BITMASK_IS_COPIED

// The version this producer speaks when the consumer accepts 1.x.
constexpr std::uint32_t kMajorVersion = 1;
constexpr std::uint32_t kMinorVersion = 0;

struct DLDevice {
    std::int32_t device_type;  // DLDeviceType
    std::int32_t device_id;
};

struct DLDataType {
    std::uint8_t code;  // DLDataTypeCode
    std::uint8_t bits;
    std::uint16_t lanes;
};

struct DLTensor {
    void* data;
    DLDevice device;
    std::int32_t ndim;
    DLDataType dtype;
    std::int64_t* shape;
    std::int64_t* strides;  // in elements, not bytes; may be negative
    std::uint64_t byte_offset;
};

// The legacy (pre-1.0) tensor, in a capsule named "dltensor".
struct DLManagedTensor {
    DLTensor dl_tensor;
    void* manager_ctx;
    void (*deleter)(DLManagedTensor* self);
};

struct DLPackVersion {
    std::uint32_t major;
    std::uint32_t minor;
};

// The 1.0 tensor, in a capsule named "dltensor_versioned": it can say read-only.
struct DLManagedTensorVersioned {
    DLPackVersion version;
    void* manager_ctx;
    void (*deleter)(DLManagedTensorVersioned* self);
    std::uint64_t flags;
    DLTensor dl_tensor;
};

static_assert(sizeof(DLDevice) == 8 && sizeof(DLDataType) == 4, "DLPack ABI");
static_assert(sizeof(DLTensor) == 48 && sizeof(DLManagedTensor) == 64, "DLPack ABI");
static_assert(sizeof(DLManagedTensorVersioned) == 80, "DLPack ABI");

}  // namespace dlpack

// The DLPack type of an element (every DType a StridedArray can hold has one).
dlpack::DLDataType dlpack_dtype(DType dtype);

struct DLPackExport {
    bool versioned = false;  // a "dltensor_versioned" capsule (else legacy "dltensor")
    bool copied = false;     // the array is a fresh copy made for this export
};

// A capsule holding a DLPack tensor over `array`. The tensor holds a new
// reference to `owner` (the exporter that keeps the memory alive) until its
// deleter runs; then `released(owner)` is called, with the GIL held, before
// the reference is dropped. A read-only array refuses the legacy capsule
// (BufferError: it cannot say read-only, and a consumer would write).
PyObject* dlpack_capsule(PyObject* owner, const StridedArray& array, DLPackExport how,
                         void (*released)(PyObject* owner));

// A C-contiguous, writable copy of `array` (for __dlpack__(copy=True)).
StridedArray contiguous_copy(const StridedArray& array);

}  // namespace mediaview::python
