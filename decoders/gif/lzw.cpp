#include "lzw.hpp"

#include <cstring>

namespace mediaview::gif {
namespace {

constexpr int kMaxCode = 4095;     // giflib's LZ_MAX_CODE
constexpr int kMaxBits = 12;       // LZ_BITS
constexpr int kNoSuchCode = 4098;  // NO_SUCH_CODE: no prefix (also "no previous code")

}  // namespace

void LzwRows::start(MemorySource& source, int code_size, int width, int rows) {
    source_ = &source;
    width_ = width;
    rows_left_ = rows;
    filled_ = 0;
    carry_ = 0;
    // A string never exceeds 4094 indices: the row plus one whole string fits.
    line_.resize(static_cast<std::size_t>(width) + kMaxCode + 1);
    bits_per_pixel_ = code_size;
    clear_code_ = 1 << code_size;
    end_code_ = clear_code_ + 1;
    shift_ = 0;
    shift_bits_ = 0;
    block_ = nullptr;
    block_left_ = 0;
    clear();
}

void LzwRows::clear() {
    running_code_ = end_code_ + 1;
    running_bits_ = bits_per_pixel_ + 1;
    max_code1_ = 1 << running_bits_;
    last_code_ = kNoSuchCode;
    defined_end_ = end_code_ + 1;
}

// giflib's DGifBufferedInput: a sub-block is read whole when its first byte
// is needed; a missing or cut one, or an empty one, fails.
bool LzwRows::next_byte(std::uint8_t& byte) {
    if (block_left_ == 0) {
        MemorySource& s = *source_;
        if (s.at >= s.size) return false;
        const std::size_t length = s.data[s.at++];
        if (length == 0) return false;
        if (s.size - s.at < length) {
            s.at = s.size;
            return false;
        }
        block_ = s.data + s.at;
        s.at += length;
        block_left_ = static_cast<int>(length);
    }
    byte = *block_++;
    --block_left_;
    return true;
}

// giflib's DGifDecompressInput, counters and all.
bool LzwRows::read_code(int& code) {
    if (running_bits_ > kMaxBits) return false;
    while (shift_bits_ < running_bits_) {
        std::uint8_t byte;
        if (!next_byte(byte)) return false;
        shift_ |= static_cast<std::uint32_t>(byte) << shift_bits_;
        shift_bits_ += 8;
    }
    code = static_cast<int>(shift_ & ((1u << running_bits_) - 1));
    shift_ >>= running_bits_;
    shift_bits_ -= running_bits_;
    if (running_code_ < kMaxCode + 2 && ++running_code_ > max_code1_ && running_bits_ < kMaxBits) {
        max_code1_ <<= 1;
        ++running_bits_;
    }
    return true;
}

int LzwRows::prefix_of(int code) const {
    return code > end_code_ && code < defined_end_ ? prefix_[code] : kNoSuchCode;
}

// giflib's DGifGetPrefixChar: the first byte of a chain, or whatever its
// bounded walk stops on for a broken one.
int LzwRows::first_byte_of(int code) const {
    int steps = 0;
    while (code > clear_code_ && steps++ <= kMaxCode) {
        if (code > kMaxCode) return kNoSuchCode;
        code = prefix_of(code);
    }
    return code;
}

// giflib's stack walk for one code, exactly, for the codes the fast cases
// of fill_row do not cover (only damaged data has them).
bool LzwRows::slow_code(int code, int slot, std::uint8_t* out, int& length) {
    std::uint8_t stack[kMaxCode + 1];
    int sp = 0, crnt = code;
    if (prefix_of(code) == kNoSuchCode) {
        crnt = last_code_;
        const int first = first_byte_of(code == slot ? last_code_ : code);
        suffix_[slot] = stack[sp++] = static_cast<std::uint8_t>(first);
    }
    while (sp < kMaxCode && crnt > clear_code_ && crnt <= kMaxCode) {
        stack[sp++] = suffix_[crnt];
        crnt = prefix_of(crnt);
    }
    if (sp >= kMaxCode || crnt > kMaxCode) return false;
    stack[sp++] = static_cast<std::uint8_t>(crnt);
    length = sp;
    for (int i = 0; i < sp; ++i) out[i] = stack[sp - 1 - i];
    return true;
}

bool LzwRows::fill_row() {
    std::uint8_t* const line = line_.data();
    int pos = filled_;
    while (pos < width_) {
        int code;
        if (!read_code(code) || code == end_code_) return false;
        if (code == clear_code_) {
            clear();
            continue;
        }
        const int slot = running_code_ - 2;  // the entry this code defines
        const int last = last_code_;
        const bool last_plain = last < clear_code_ || (last > end_code_ && last < defined_end_ && length_[last]);
        const int last_length = last < clear_code_ ? 1 : (last_plain ? length_[last] : 0);
        const int last_first = last < clear_code_ ? last : first_[last & kMaxCode];
        std::uint8_t* out = line + pos;
        int n = 1, suffix = -1;  // suffix: the added entry's byte, -1 to ask giflib's walk
        if (code < clear_code_) {
            *out = static_cast<std::uint8_t>(code);
            suffix = code;
        } else if (code < defined_end_ && length_[code]) {
            // A plain chain: written backwards from its known length.
            n = length_[code];
            int c = code;
            for (std::uint8_t* p = out + n - 1; p > out; --p) {
                *p = suffix_[c];
                c = prefix_[c];
            }
            *out = first_[code];
            suffix = first_[code];
        } else if (code >= defined_end_ && last_plain) {
            // Not in the table yet: the previous string, then its first
            // byte when the code is the one being defined, else giflib's 2.
            int c = last;
            for (std::uint8_t* p = out + last_length - 1; p > out; --p) {
                *p = suffix_[c];
                c = prefix_[c];
            }
            *out = static_cast<std::uint8_t>(last_first);
            suffix = code == slot ? last_first : static_cast<std::uint8_t>(kNoSuchCode);
            out[last_length] = static_cast<std::uint8_t>(suffix);
            n = last_length + 1;
        } else if (!slow_code(code, slot, out, n)) {
            return false;
        }
        pos += n;
        if (last != kNoSuchCode && slot >= defined_end_) {
            prefix_[slot] = static_cast<std::uint16_t>(last);
            defined_end_ = slot + 1;
            if (suffix < 0) suffix = first_byte_of(code == slot ? last : code);  // after the prefix is set, as giflib
            suffix_[slot] = static_cast<std::uint8_t>(suffix);
            length_[slot] = static_cast<std::uint16_t>(last_plain ? last_length + 1 : 0);
            first_[slot] = static_cast<std::uint8_t>(last_first);
        }
        last_code_ = code;
    }
    filled_ = pos;
    return true;
}

// giflib's DGifGetLine after the last row: the rest of the image data is
// skipped sub-block by sub-block up to the empty one.
bool LzwRows::skip_to_end() {
    MemorySource& s = *source_;
    for (;;) {
        if (s.at >= s.size) return false;
        const std::size_t length = s.data[s.at++];
        if (length == 0) return true;
        if (s.size - s.at < length) {
            s.at = s.size;
            return false;
        }
        s.at += length;
    }
}

const std::uint8_t* LzwRows::next_row() {
    if (rows_left_ <= 0) return nullptr;
    // The end of the string that overran the previous row starts this one.
    if (carry_ > 0) std::memmove(line_.data(), line_.data() + width_, static_cast<std::size_t>(carry_));
    filled_ = carry_;
    if (!fill_row()) return nullptr;
    carry_ = filled_ - width_;
    if (--rows_left_ == 0 && !skip_to_end()) return nullptr;
    return line_.data();
}

}  // namespace mediaview::gif
