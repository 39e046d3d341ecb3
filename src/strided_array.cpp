#include "strided_array.hpp"

#include <algorithm>
#include <limits>
#include <new>
#include <numeric>
#include <stdexcept>
#include <string>

namespace mediaview {

std::shared_ptr<Storage> Storage::allocate(std::size_t size, std::size_t extra) {
    std::size_t block_size = 0;
    if (__builtin_add_overflow(size, extra, &block_size)) throw std::bad_alloc();
    auto block = std::make_shared<AlignedBuffer>(block_size);
    auto storage = std::make_shared<Storage>();
    storage->data = block->data();
    storage->size = size;
    storage->writable = true;
    storage->keepalive = std::move(block);
    return storage;
}

StridedArray::StridedArray(std::shared_ptr<Storage> storage, DType dtype, std::vector<Index> shape,
                           std::vector<Index> strides, Index offset)
    : storage_(std::move(storage)), dtype_(dtype), shape_(std::move(shape)),
      strides_(std::move(strides)), offset_(offset) {
    if (shape_.size() != strides_.size()) throw std::invalid_argument("shape and strides differ in length");
    if (std::any_of(shape_.begin(), shape_.end(), [](Index n) { return n < 0; }))
        throw std::invalid_argument("negative dimension");
    if (count() == 0) return;
    // The lowest and highest byte any element touches must lie in the storage.
    // Checked arithmetic: a shape from a hostile header must not wrap
    // around into a range that looks small.
    Index lo = offset_, hi = offset_;
    bool overflow = false;
    for (std::size_t i = 0; i < shape_.size(); ++i) {
        Index extent = 0;
        overflow |= __builtin_mul_overflow(shape_[i] - 1, strides_[i], &extent);
        overflow |= __builtin_add_overflow(extent < 0 ? lo : hi, extent, extent < 0 ? &lo : &hi);
    }
    overflow |= __builtin_add_overflow(hi, static_cast<Index>(itemsize()), &hi);
    if (overflow || !storage_ || lo < 0 || hi > static_cast<Index>(storage_->size))
        throw std::out_of_range("strided array reaches outside its storage");
}

StridedArray StridedArray::allocate(DType dtype, std::vector<Index> shape, std::size_t extra) {
    // The byte count, checked: one that does not fit is as impossible to
    // allocate as it is, not a small block after wrapping around.
    std::size_t bytes = mediaview::itemsize(dtype);
    for (Index n : shape) {
        if (n < 0) throw std::invalid_argument("negative dimension");
        if (__builtin_mul_overflow(bytes, static_cast<std::size_t>(n), &bytes) ||
            bytes > static_cast<std::size_t>(std::numeric_limits<Index>::max()))
            throw std::bad_alloc();
    }
    auto strides = c_strides(shape, mediaview::itemsize(dtype));
    return StridedArray(Storage::allocate(bytes, extra), dtype, std::move(shape), std::move(strides));
}

std::vector<Index> StridedArray::c_strides(const std::vector<Index>& shape, std::size_t itemsize) {
    std::vector<Index> strides(shape.size());
    Index step = static_cast<Index>(itemsize);
    for (std::size_t i = shape.size(); i-- > 0;) {
        strides[i] = step;
        step *= std::max<Index>(shape[i], 1);
    }
    return strides;
}

std::size_t StridedArray::count() const {
    std::size_t n = 1;
    for (Index d : shape_) n *= static_cast<std::size_t>(d);
    return n;
}

// Same rule as CPython's PyBuffer_IsContiguous: dimensions of length 1 may
// carry any stride, and an empty array is contiguous.
bool StridedArray::is_c_contiguous() const {
    if (count() == 0) return true;
    Index expected = static_cast<Index>(itemsize());
    for (std::size_t i = shape_.size(); i-- > 0;) {
        if (shape_[i] != 1 && strides_[i] != expected) return false;
        expected *= shape_[i];
    }
    return true;
}

bool StridedArray::is_f_contiguous() const {
    if (count() == 0) return true;
    Index expected = static_cast<Index>(itemsize());
    for (std::size_t i = 0; i < shape_.size(); ++i) {
        if (shape_[i] != 1 && strides_[i] != expected) return false;
        expected *= shape_[i];
    }
    return true;
}

StridedArray StridedArray::permuted(const std::vector<int>& axes) const {
    if (axes.size() != shape_.size()) throw std::invalid_argument("permutation has the wrong length");
    std::vector<bool> seen(axes.size(), false);
    std::vector<Index> shape(axes.size()), strides(axes.size());
    for (std::size_t i = 0; i < axes.size(); ++i) {
        int a = axes[i];
        if (a < 0 || a >= ndim() || seen[a]) throw std::invalid_argument("not a permutation of the axes");
        seen[a] = true;
        shape[i] = shape_[a];
        strides[i] = strides_[a];
    }
    return StridedArray(storage_, dtype_, std::move(shape), std::move(strides), offset_);
}

StridedArray StridedArray::flipped(int axis) const {
    if (axis < 0 || axis >= ndim()) throw std::invalid_argument("axis out of range");
    auto strides = strides_;
    Index offset = offset_;
    if (shape_[axis] > 0) offset += (shape_[axis] - 1) * strides[axis];
    strides[axis] = -strides[axis];
    return StridedArray(storage_, dtype_, shape_, std::move(strides), offset);
}

StridedArray StridedArray::as_readonly() const {
    if (!storage_ || !storage_->writable) return *this;
    auto ro = std::make_shared<Storage>(*storage_);
    ro->writable = false;
    return StridedArray(std::move(ro), dtype_, shape_, strides_, offset_);
}

}  // namespace mediaview
