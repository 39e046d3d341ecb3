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
    // The pixels are entries of length 1 (so that the hot loop tests one
    // case for them and the plain chains); the clear and end codes are not.
    for (int c = 0; c < clear_code_; ++c) length_[c] = 1, first_[c] = static_cast<std::uint8_t>(c);
    length_[clear_code_] = length_[end_code_] = 0;
    clear();
}

void LzwRows::clear() {
    running_code_ = end_code_ + 1;
    running_bits_ = bits_per_pixel_ + 1;
    max_code1_ = 1 << running_bits_;
    last_code_ = kNoSuchCode;
    last_length_ = 0;
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

// The hot loop. Its state lives in locals while it runs: stores through
// the uint8_t row pointer may alias any member, so members would be reloaded
// after every index written. The exact but slow steps (a sub-block to read,
// giflib's stack walk) go through the members, saved before and reloaded
// after.
bool LzwRows::fill_row() {
    std::uint8_t* const line = line_.data();
    const int width = width_, clear_code = clear_code_, end_code = end_code_;
    int pos = filled_;
    std::uint64_t shift = shift_;
    int shift_bits = shift_bits_, running_code = running_code_, running_bits = running_bits_;
    int max_code1 = max_code1_, defined_end = defined_end_, last = last_code_;
    int last_length = last_length_, last_first = last_first_;
    const std::uint8_t* block = block_;
    int block_left = block_left_;
    auto save = [&] {
        shift_ = shift, shift_bits_ = shift_bits, running_code_ = running_code, running_bits_ = running_bits;
        max_code1_ = max_code1, defined_end_ = defined_end, last_code_ = last, block_ = block, block_left_ = block_left;
        last_length_ = last_length, last_first_ = last_first;
    };
    auto load = [&] {
        shift = shift_, shift_bits = shift_bits_, block = block_, block_left = block_left_;
    };
    while (pos < width) {
        // giflib's DGifDecompressInput. Bytes of the sub-block at hand are
        // taken early, 8 at a time (unobservable: giflib read it whole);
        // the next sub-block is read only when its first byte is needed.
        if (running_bits > kMaxBits) return save(), false;
        if (shift_bits < running_bits) {
            if (block_left >= 8) {
                std::uint64_t bytes;
                std::memcpy(&bytes, block, 8);
                shift |= bytes << shift_bits;
                const int taken = (63 - shift_bits) >> 3;
                block += taken, block_left -= taken, shift_bits += taken * 8;
                shift &= (std::uint64_t{1} << shift_bits) - 1;  // only the bytes taken
            } else {
                save();
                while (shift_bits_ < running_bits) {
                    std::uint8_t byte;
                    if (!next_byte(byte)) return false;
                    shift_ |= static_cast<std::uint64_t>(byte) << shift_bits_;
                    shift_bits_ += 8;
                }
                load();
            }
        }
        const int code = static_cast<int>(shift & ((1u << running_bits) - 1));
        shift >>= running_bits;
        shift_bits -= running_bits;
        if (running_code < kMaxCode + 2 && ++running_code > max_code1 && running_bits < kMaxBits) {
            max_code1 <<= 1;
            ++running_bits;
        }
        const int slot = running_code - 2;  // the entry this code defines
        std::uint8_t* out = line + pos;
        int n = 1, suffix = -1;  // suffix: the added entry's byte, -1 to ask giflib's walk
        int length = 0, first = 0;  // the code's own, when a plain chain (for the next code)
        if (code < defined_end && length_[code]) {
            // A pixel (length 1), or a plain chain written backwards from
            // its known length: one branch for both, as they mix at random.
            n = length = length_[code];
            suffix = first = first_[code];
            int c = code;
            for (std::uint8_t* p = out + n - 1; p > out; --p) {
                *p = suffix_[c];
                c = prefix_[c];
            }
            *out = static_cast<std::uint8_t>(first);
        } else if (code == end_code) {
            return save(), false;
        } else if (code == clear_code) {
            running_code = end_code + 1;
            running_bits = bits_per_pixel_ + 1;
            max_code1 = 1 << running_bits;
            last = kNoSuchCode;
            defined_end = end_code + 1;
            last_length = 0;
            continue;
        } else if (code >= defined_end && last_length) {
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
            if (code == slot) length = n, first = last_first;  // else it stays out of the table
        } else {
            save();
            const bool ok = slow_code(code, slot, out, n);
            if (!ok) return false;
        }
        pos += n;
        if (last != kNoSuchCode && slot >= defined_end) {
            prefix_[slot] = static_cast<std::uint16_t>(last);
            defined_end = slot + 1;
            if (suffix < 0) {  // after the prefix is set, as giflib
                defined_end_ = defined_end;
                suffix = first_byte_of(code == slot ? last : code);
            }
            suffix_[slot] = static_cast<std::uint8_t>(suffix);
            length_[slot] = static_cast<std::uint16_t>(last_length ? last_length + 1 : 0);
            first_[slot] = static_cast<std::uint8_t>(last_first);
        }
        last = code;
        last_length = length;
        last_first = first;
    }
    save();
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
