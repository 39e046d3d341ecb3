#include "large_block.hpp"

#include <sys/mman.h>

#include <cstdint>

namespace mediaview {

StridedArray allocate_large(DType dtype, std::vector<Index> shape) {
    StridedArray a = StridedArray::allocate(dtype, std::move(shape));
    constexpr std::size_t threshold = std::size_t{4} << 20, page = 4096;
    const std::size_t size = a.storage()->size;
    if (size >= threshold) {
        // madvise wants a page-aligned start; the advice is only a hint, so
        // its failure (no THP support) changes nothing but speed.
        auto addr = reinterpret_cast<std::uintptr_t>(a.storage()->data);
        std::uintptr_t start = (addr + page - 1) / page * page;
        ::madvise(reinterpret_cast<void*>(start), size - (start - addr), MADV_HUGEPAGE);
    }
    return a;
}

}  // namespace mediaview
