#include "file_bytes.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "errors.hpp"

namespace mediaview {
namespace {

// Closes the descriptor on every path out of read_file.
class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

}  // namespace

FileError::FileError(int err, std::string file)
    : std::runtime_error(std::strerror(err)), errnum(err), path(std::move(file)) {}

AlignedBuffer read_file(const std::string& path) {
    // O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
    // It changes nothing for the regular files we go on to read.
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (fd.get() < 0) throw FileError(errno, path);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw FileError(errno, path);
    if (S_ISDIR(st.st_mode)) throw FileError(EISDIR, path);
    // A FIFO, device or socket has no size to read up to (and /dev/zero no
    // end): refuse it rather than block or read without bound.
    if (!S_ISREG(st.st_mode))
        throw UnsupportedFormatError("'" + path + "' is not a regular file (a FIFO, device or socket); "
                                     "pass its bytes or a file object instead");
    // The size from fstat is a hint: a file that shrinks or grows while we
    // read is read up to what is really there (and up to the first size).
    AlignedBuffer block(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (done < block.size()) {
        ssize_t n = ::read(fd.get(), block.data() + done, block.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw FileError(errno, path);
        }
        if (n == 0) break;
        done += static_cast<std::size_t>(n);
    }
    if (done == block.size()) return block;
    AlignedBuffer shorter(done);
    std::memcpy(shorter.data(), block.data(), done);
    return shorter;
}

std::string lowercase_extension(const std::string& path) {
    std::size_t slash = path.find_last_of('/');
    std::size_t dot = path.find_last_of('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
    std::string ext = path.substr(dot + 1);
    for (char& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return ext;
}

}  // namespace mediaview
