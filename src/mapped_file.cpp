#include "mapped_file.hpp"

#include <sys/mman.h>

#include <cerrno>

#include "file_bytes.hpp"

namespace mediaview {
namespace {

// Owns one mapping; destroying it unmaps.
class Mapping {
public:
    Mapping(void* addr, std::size_t size) : addr_(addr), size_(size) {}
    ~Mapping() {
        if (addr_ && size_) ::munmap(addr_, size_);
    }
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;

private:
    void* addr_;
    std::size_t size_;
};

}  // namespace

std::shared_ptr<Storage> map_file_readonly(const std::string& path) {
    RegularFile file(path);
    auto storage = std::make_shared<Storage>();
    storage->writable = false;
    std::size_t size = file.size();
    if (size == 0) return storage;
    // MAP_PRIVATE: later writes by others to the file are not promised to
    // show; the descriptor is not needed once the map exists.
    void* addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, file.fd(), 0);
    if (addr == MAP_FAILED) throw FileError(errno, path);
    storage->data = static_cast<std::uint8_t*>(addr);
    storage->size = size;
    storage->keepalive = std::make_shared<Mapping>(addr, size);
    return storage;
}

}  // namespace mediaview
