// Storage for big decode outputs (minutes of audio are tens of MB). Where
// the kernel's transparent huge pages are in "madvise" mode (Debian's
// default), first-touch page faults of a fresh 4 KiB-paged block cost more
// than decoding PCM into it; asking for huge pages, as numpy does for its own
// arrays, makes a fresh output as cheap to fill as a reused one.
#pragma once

#include "strided_array.hpp"

namespace mediaview {

// Like StridedArray::allocate (C-contiguous, 64-byte aligned), with huge
// pages requested for blocks of 4 MiB and more.
StridedArray allocate_large(DType dtype, std::vector<Index> shape);

}  // namespace mediaview
