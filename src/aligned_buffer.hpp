// A heap block aligned to 64 bytes (one cache line, the widest SIMD load), so
// decoders and consumers such as numpy get aligned rows. Blocks of 4 MiB and
// more are aligned to 2 MiB for transparent huge pages, and up to four of
// them (256 MiB at most), plus one larger block (a batch's output), are kept
// after release for reuse (see the .cpp).
#pragma once

#include <cstddef>
#include <cstdint>

namespace mediaview {

class AlignedBuffer {
public:
    static constexpr std::size_t alignment = 64;

    AlignedBuffer() = default;
    explicit AlignedBuffer(std::size_t size);  // throws std::bad_alloc
    ~AlignedBuffer();
    AlignedBuffer(AlignedBuffer&& other) noexcept;
    AlignedBuffer& operator=(AlignedBuffer&& other) noexcept;
    AlignedBuffer(const AlignedBuffer&) = delete;
    AlignedBuffer& operator=(const AlignedBuffer&) = delete;

    std::uint8_t* data() const { return data_; }
    std::size_t size() const { return size_; }

private:
    void release() noexcept;

    std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

// Hands the whole pages inside [from, from + bytes) back to the system
// (madvise MADV_DONTNEED): they stay mapped and read as zeros when touched
// again. For working room a decoder used beyond an image's pixels in the
// image's own block, so it no longer counts in the resident size.
void discard_pages(std::uint8_t* from, std::size_t bytes) noexcept;

}  // namespace mediaview
