#include "file_bytes.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "errors.hpp"

namespace mediaview {
FileError::FileError(int err, std::string file)
    : Error(std::strerror(err)), errnum(err), path(std::move(file)) {}

RegularFile::RegularFile(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd_ < 0) throw FileError(errno, path);
    struct stat st {};
    int err = ::fstat(fd_, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (err == 0 && S_ISREG(st.st_mode)) {
        size_ = static_cast<std::size_t>(st.st_size);
        return;
    }
    ::close(fd_);
    if (err) throw FileError(err, path);
    throw UnsupportedFormatError("'" + path + "' is not a regular file (a FIFO, device or socket); "
                                 "pass its bytes or a file object instead");
}

RegularFile::~RegularFile() { ::close(fd_); }

namespace {

// Reads up to `limit` bytes from the start of an open file.
std::size_t read_up_to(const RegularFile& file, const std::string& path, std::uint8_t* dst, std::size_t limit) {
    std::size_t done = 0;
    while (done < limit) {
        ssize_t n = ::read(file.fd(), dst + done, limit - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw FileError(errno, path);
        }
        if (n == 0) break;
        done += static_cast<std::size_t>(n);
    }
    return done;
}

}  // namespace

std::vector<std::uint8_t> read_head(const std::string& path, std::size_t limit) {
    RegularFile file(path);
    std::vector<std::uint8_t> head(limit);
    head.resize(read_up_to(file, path, head.data(), limit));
    return head;
}

AlignedBuffer read_file(const std::string& path) {
    RegularFile file(path);
    // The size from fstat is a hint: a file that shrinks or grows while we
    // read is read up to what is really there (and up to the first size).
    AlignedBuffer block(file.size());
    std::size_t done = read_up_to(file, path, block.data(), block.size());
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
