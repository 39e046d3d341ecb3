// A typed, shaped, strided window onto memory that something else keeps alive.
// This is what the Python layer exports through the buffer protocol: decoders
// write into one, and orientation or planar layouts are new windows onto the
// same memory (permuted or negative strides), never copies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "aligned_buffer.hpp"
#include "dtype.hpp"

namespace mediaview {

using Index = std::ptrdiff_t;  // Py_ssize_t has the same width on every CPython target

// The memory behind an array: an owned aligned block, a memory map, or a
// caller's buffer. `keepalive` owns whatever frees or releases it.
struct Storage {
    std::uint8_t* data = nullptr;
    std::size_t size = 0;
    bool writable = true;
    std::shared_ptr<void> keepalive;

    // `extra` bytes follow the `size` in the block but are not part of the
    // storage (no array reaches them): a decoder's working room.
    static std::shared_ptr<Storage> allocate(std::size_t size, std::size_t extra = 0);
};

class StridedArray {
public:
    StridedArray() = default;
    // Validates that every element lies inside the storage (throws std::out_of_range).
    StridedArray(std::shared_ptr<Storage> storage, DType dtype, std::vector<Index> shape,
                 std::vector<Index> strides, Index offset = 0);

    // A new C-contiguous array in a fresh 64-byte-aligned block.
    // With `extra`, the block has that many bytes more after the array's
    // (Storage::allocate): the shape, strides and storage size are the same.
    static StridedArray allocate(DType dtype, std::vector<Index> shape, std::size_t extra = 0);
    static std::vector<Index> c_strides(const std::vector<Index>& shape, std::size_t itemsize);

    DType dtype() const { return dtype_; }
    std::size_t itemsize() const { return mediaview::itemsize(dtype_); }
    int ndim() const { return static_cast<int>(shape_.size()); }
    const std::vector<Index>& shape() const { return shape_; }
    const std::vector<Index>& strides() const { return strides_; }
    Index offset() const { return offset_; }
    const std::shared_ptr<Storage>& storage() const { return storage_; }
    bool readonly() const { return !storage_ || !storage_->writable; }
    // Address of element (0, 0, ...); with negative strides not the lowest address.
    std::uint8_t* data() const { return storage_ ? storage_->data + offset_ : nullptr; }
    std::size_t count() const;
    std::size_t nbytes() const { return count() * itemsize(); }

    bool is_c_contiguous() const;
    bool is_f_contiguous() const;

    // out.shape[i] = shape[axes[i]]; a transpose is permuted({1, 0, 2}).
    StridedArray permuted(const std::vector<int>& axes) const;
    // Reverses one axis: element i becomes element n-1-i.
    StridedArray flipped(int axis) const;
    // A read-only window onto the same memory.
    StridedArray as_readonly() const;

private:
    std::shared_ptr<Storage> storage_;
    DType dtype_ = DType::U8;
    std::vector<Index> shape_;
    std::vector<Index> strides_;
    Index offset_ = 0;
};

}  // namespace mediaview
