// What the files of the libsndfile codec share among themselves (not part of
// the codec's interface, sndfile_codec.hpp): the handle type, the tag
// names, the container magics, and the read and write sides the codec
// (sndfile_codec.cpp) opens.
#pragma once

#include <sndfile.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "src/audio_codec.hpp"

namespace mediaview::sndfile::detail {

struct CloseSndfile {
    void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, CloseSndfile>;

// libsndfile's string ids and our tag names, for reading and writing.
inline constexpr std::pair<int, const char*> tag_names[] = {
    {SF_STR_TITLE, "title"},     {SF_STR_ARTIST, "artist"},     {SF_STR_ALBUM, "album"},
    {SF_STR_DATE, "date"},       {SF_STR_COMMENT, "comment"},   {SF_STR_GENRE, "genre"},
    {SF_STR_TRACKNUMBER, "tracknumber"}, {SF_STR_COPYRIGHT, "copyright"}, {SF_STR_SOFTWARE, "software"},
    {SF_STR_LICENSE, "license"},
};

// Whether the bytes start with a magic string; whether they start with the
// magic of a container libsndfile identifies (sndfile_codec.cpp).
bool starts_with(const std::uint8_t* head, std::size_t size, const char* magic);
bool is_container(const std::uint8_t* head, std::size_t size);

// The read side (sndfile_read.cpp): a handle on the source.
std::unique_ptr<AudioHandle> open_handle(const AudioSource& source);

// Whether libsndfile's log of an open file says data is missing; if so,
// info.damage says what (and info.promised_frames how much, when known)
// (log_damage.cpp).
bool damage_in_log(const std::string& log, AudioInfo& info);

// The write side (sndfile_write.cpp): r.path opened for writing in `format`
// (SF_FORMAT_* major | subtype); with `as_float`, integer samples are
// handed to libsndfile as float.
std::unique_ptr<AudioWriter> open_file_writer(const AudioWriteRequest& r, int format, bool as_float);

}  // namespace mediaview::sndfile::detail
