#include "mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "file_bytes.hpp"

namespace mediaview {
namespace {

class Mapping {
public:
    Mapping(void* base, std::size_t size) : base_(base), size_(size) {}
    ~Mapping() {
        if (base_ && size_) ::munmap(base_, size_);
    }
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;

private:
    void* base_;
    std::size_t size_;
};

}  // namespace

std::shared_ptr<Storage> map_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw FileError(errno, path);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        throw FileError(err, path);
    }
    auto size = static_cast<std::size_t>(st.st_size);
    void* base = size ? ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0) : nullptr;
    int err = errno;
    ::close(fd);  // the mapping stays valid without the descriptor
    if (base == MAP_FAILED) throw FileError(err, path);
    auto storage = std::make_shared<Storage>();
    storage->data = static_cast<std::uint8_t*>(base);
    storage->size = size;
    storage->writable = false;  // the file's bytes are not ours to change
    storage->keepalive = std::make_shared<Mapping>(base, size);
    return storage;
}

}  // namespace mediaview
