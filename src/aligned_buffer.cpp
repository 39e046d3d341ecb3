#include "aligned_buffer.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

// Under AddressSanitizer a block resting in the cache is poisoned, so a view
// that outlives its buffer still faults on the first access instead of
// reading the next image's pixels (the cache would otherwise hide every
// use-after-free of a large block from ASan).
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEDIAVIEW_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define MEDIAVIEW_ASAN 1
#endif
#ifdef MEDIAVIEW_ASAN
#include <sanitizer/asan_interface.h>
#define MEDIAVIEW_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define MEDIAVIEW_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define MEDIAVIEW_POISON(p, n) ((void)(p), (void)(n))
#define MEDIAVIEW_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace mediaview {
namespace {

// A decoded photo is tens of megabytes. Fresh memory costs the kernel one
// page fault (and one zeroed page) per 4 KiB the decoder first touches, which
// is more than a third of a 12-megapixel decode. Two measures, both for large
// blocks only:
// - they are aligned to 2 MiB and offered to transparent huge pages (as numpy
//   does for its arrays), so one fault maps 2 MiB;
// - a few recently freed ones are kept and handed out again (the way
//   PyTorch's caching allocator does), so a decode loop that drops each
//   image before decoding the next writes into memory that is already mapped.
// A batch's stacked output (hundreds of megabytes) is past those limits, yet
// a training loop frees one batch and asks for the next of the same size:
// one such block is kept too, up to an eighth of the machine's memory, and is
// marked MADV_FREE so the kernel takes its pages back under memory pressure
// (a page it took reads as zeros; every caller overwrites what it uses).
// Measured here: a fresh 536 MiB output cost 0.2-0.3 s of page faults per
// batch of 1,000 images, a third of the decode.
constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kLargeBlock = std::size_t{4} << 20;
constexpr std::size_t kCacheBlocks = 4;
constexpr std::size_t kCacheBytes = std::size_t{256} << 20;

std::size_t oversized_limit() {
    static const std::size_t limit = [] {
        long pages = ::sysconf(_SC_PHYS_PAGES);
        long page = ::sysconf(_SC_PAGESIZE);
        if (pages <= 0 || page <= 0) return kCacheBytes;
        return static_cast<std::size_t>(pages) / 8 * static_cast<std::size_t>(page);
    }();
    return limit;
}

struct Block {
    std::uint8_t* data;
    std::size_t capacity;
};

class LargeBlockCache {
public:
    // A cached block of at least `size` bytes and not much more, or nullptr.
    Block take(std::size_t size) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (oversized_.data && oversized_.capacity >= size && oversized_.capacity - size <= size / 4) {
            Block b = std::exchange(oversized_, Block{nullptr, 0});
            MEDIAVIEW_UNPOISON(b.data, b.capacity);
            return b;
        }
        for (std::size_t i = 0; i < blocks_.size(); ++i) {
            if (blocks_[i].capacity >= size && blocks_[i].capacity - size <= size / 4) {
                Block b = blocks_[i];
                blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(i));
                bytes_ -= b.capacity;
                MEDIAVIEW_UNPOISON(b.data, b.capacity);
                return b;
            }
        }
        return {nullptr, 0};
    }

    // Keeps the block for reuse, or returns false when the cache is full.
    bool give(Block b) {
        if (b.capacity > kCacheBytes) return give_oversized(b);
        std::lock_guard<std::mutex> lock(mutex_);
        if (blocks_.size() >= kCacheBlocks || bytes_ + b.capacity > kCacheBytes) return false;
        blocks_.push_back(b);
        bytes_ += b.capacity;
        MEDIAVIEW_POISON(b.data, b.capacity);
        return true;
    }

private:
    // The newest oversized block replaces the one kept before it.
    bool give_oversized(Block b) {
        if (b.capacity > oversized_limit()) return false;
#ifdef MADV_FREE
        ::madvise(b.data, b.capacity, MADV_FREE);  // a hint: failure only keeps the pages
#endif
        Block old;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            old = std::exchange(oversized_, b);
            MEDIAVIEW_POISON(b.data, b.capacity);
        }
        if (old.data) {
            MEDIAVIEW_UNPOISON(old.data, old.capacity);
            std::free(old.data);
        }
        return true;
    }

    std::mutex mutex_;
    std::vector<Block> blocks_;
    std::size_t bytes_ = 0;
    Block oversized_{nullptr, 0};
};

LargeBlockCache& cache() {
    static LargeBlockCache* instance = new LargeBlockCache;  // never destroyed: frees may run at exit
    return *instance;
}

std::size_t round_up(std::size_t size, std::size_t align) {
    std::size_t rounded = (size + align - 1) / align * align;
    return rounded == 0 ? align : rounded;  // a zero-byte request still gets a freeable pointer
}

}  // namespace

AlignedBuffer::AlignedBuffer(std::size_t size) : size_(size) {
    bool large = size >= kLargeBlock;
    std::size_t align = large ? kHugePage : alignment;
    capacity_ = round_up(size, align);
    if (large) {
        Block reused = cache().take(size);
        if (reused.data) {
            data_ = reused.data;
            capacity_ = reused.capacity;
            return;
        }
    }
    // std::aligned_alloc wants a size that is a multiple of the alignment.
    data_ = static_cast<std::uint8_t*>(std::aligned_alloc(align, capacity_));
    if (!data_) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    // Only for blocks the cache can keep: huge pages pay off when a block is
    // written again. A block too big to keep (a batch's stacked output) is
    // faulted in fresh every time, and with THP's defrag=madvise those
    // faults may compact memory first: measured here, 536 MiB took
    // 1.1-1.5 s to fault in with the hint against 0.27-0.31 s without.
    // The hint covers the whole huge pages the block fills, not its last
    // partial one: the kernel would fault that in whole, and the resident
    // size would grow by up to 2 MiB of pages no one writes (measured: an
    // 11 MiB image resident as 12 MiB).
    // With THP set to "always" the tail is kept out explicitly.
    std::size_t whole_pages = size / kHugePage * kHugePage;
    if (large && capacity_ <= kCacheBytes) ::madvise(data_, whole_pages, MADV_HUGEPAGE);  // a hint: failure is harmless
#ifdef MADV_NOHUGEPAGE
    if (large && capacity_ > whole_pages) ::madvise(data_ + whole_pages, capacity_ - whole_pages, MADV_NOHUGEPAGE);
#endif
#endif
}

void discard_pages(std::uint8_t* from, std::size_t bytes) noexcept {
    static const std::uintptr_t page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    std::uintptr_t lo = reinterpret_cast<std::uintptr_t>(from), hi = lo + bytes;
    lo = (lo + page - 1) / page * page;
    hi = hi / page * page;
    if (hi > lo) ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);  // failure only keeps the pages
}

AlignedBuffer::~AlignedBuffer() { release(); }

void AlignedBuffer::release() noexcept {
    if (!data_) return;
    bool kept = false;
    if (capacity_ >= kLargeBlock) {
        try {
            kept = cache().give({data_, capacity_});
        } catch (...) {
            kept = false;  // no room to remember it: free it instead
        }
    }
    if (!kept) std::free(data_);
    data_ = nullptr;
}

AlignedBuffer::AlignedBuffer(AlignedBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {}

AlignedBuffer& AlignedBuffer::operator=(AlignedBuffer&& other) noexcept {
    if (this != &other) {
        release();
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
        capacity_ = std::exchange(other.capacity_, 0);
    }
    return *this;
}

}  // namespace mediaview
