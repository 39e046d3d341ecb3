#include "encoded_input.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace mediaview {

EncodedInput::EncodedInput(const std::string& path, ByteSpan bytes) {
    if (!path.empty()) {
        file_ = std::make_unique<RegularFile>(path);
        size_ = static_cast<std::int64_t>(file_->size());
        if (size_ == 0) throw UnsupportedFormatError("'" + path + "' is empty: no audio data");
    } else {
        data_ = bytes.data;
        size_ = static_cast<std::int64_t>(bytes.size);
        if (size_ == 0) throw UnsupportedFormatError("empty input: no audio data");
    }
}

std::int64_t EncodedInput::read(std::uint8_t* dst, std::size_t n) {
    if (pos_ >= size_ || n == 0) return 0;
    const std::size_t want = static_cast<std::size_t>(std::min<std::int64_t>(static_cast<std::int64_t>(n), size_ - pos_));
    if (!file_) {
        std::memcpy(dst, data_ + pos_, want);
        pos_ += static_cast<std::int64_t>(want);
        return static_cast<std::int64_t>(want);
    }
    for (;;) {
        ssize_t got = ::pread(file_->fd(), dst, want, static_cast<off_t>(pos_));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return -1;
        if (got == 0) size_ = pos_;  // the file shrank under us: it ends here
        pos_ += got;
        return got;
    }
}

std::int64_t EncodedInput::seek(std::int64_t offset, int whence) {
    if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) return -1;
    std::int64_t base = whence == SEEK_CUR ? pos_ : whence == SEEK_END ? size_ : 0;
    std::int64_t to = base + offset;
    if (to < 0) return -1;
    pos_ = to;
    return pos_;
}

std::vector<std::uint8_t> EncodedInput::bytes_at(std::int64_t offset, std::size_t n) const {
    if (offset < 0 || offset >= size_) return {};
    std::vector<std::uint8_t> out(static_cast<std::size_t>(std::min<std::int64_t>(static_cast<std::int64_t>(n), size_ - offset)));
    if (!file_) {
        std::memcpy(out.data(), data_ + offset, out.size());
    } else {
        ssize_t got = ::pread(file_->fd(), out.data(), out.size(), static_cast<off_t>(offset));
        out.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    }
    return out;
}

}  // namespace mediaview
