#include "aligned_buffer.hpp"

#include <cstdlib>
#include <new>
#include <utility>

namespace mediaview {

AlignedBuffer::AlignedBuffer(std::size_t size) : size_(size) {
    // std::aligned_alloc wants a size that is a multiple of the alignment,
    // and a zero-byte request must still give a valid, freeable pointer.
    std::size_t rounded = (size + alignment - 1) / alignment * alignment;
    if (rounded == 0) rounded = alignment;
    data_ = static_cast<std::uint8_t*>(std::aligned_alloc(alignment, rounded));
    if (!data_) throw std::bad_alloc();
}

AlignedBuffer::~AlignedBuffer() { std::free(data_); }

AlignedBuffer::AlignedBuffer(AlignedBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

AlignedBuffer& AlignedBuffer::operator=(AlignedBuffer&& other) noexcept {
    if (this != &other) {
        std::free(data_);
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

}  // namespace mediaview
