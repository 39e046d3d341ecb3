// The few libheif functions the HEIF codec calls, looked up with dlopen and
// dlsym on first use (as src/resize.cpp does for libswscale). Only libheif's
// header is used at build time, for the types.
#pragma once

#include <libheif/heif.h>

#include <string>

namespace mediaview::heif {

struct Libheif {
    decltype(&heif_get_version) get_version = nullptr;
    decltype(&heif_context_alloc) context_alloc = nullptr;
    decltype(&heif_context_free) context_free = nullptr;
    decltype(&heif_context_read_from_memory_without_copy) read_from_memory = nullptr;
    decltype(&heif_context_get_number_of_top_level_images) top_level_count = nullptr;
    decltype(&heif_context_get_list_of_top_level_image_IDs) top_level_ids = nullptr;
    decltype(&heif_context_get_primary_image_ID) primary_id = nullptr;
    decltype(&heif_context_get_image_handle) image_handle = nullptr;
    decltype(&heif_image_handle_release) handle_release = nullptr;
    decltype(&heif_image_handle_get_width) handle_width = nullptr;
    decltype(&heif_image_handle_get_height) handle_height = nullptr;
    decltype(&heif_image_handle_has_alpha_channel) handle_has_alpha = nullptr;
    decltype(&heif_image_handle_get_luma_bits_per_pixel) handle_luma_bits = nullptr;
    decltype(&heif_image_handle_get_raw_color_profile_size) icc_size = nullptr;
    decltype(&heif_image_handle_get_raw_color_profile) icc = nullptr;
    decltype(&heif_decode_image) decode_image = nullptr;
    decltype(&heif_image_get_plane_readonly) plane = nullptr;
    decltype(&heif_image_get_width) image_width = nullptr;
    decltype(&heif_image_get_height) image_height = nullptr;
    decltype(&heif_image_release) image_release = nullptr;
    std::string error;  // why it could not be loaded; empty when it was
};

// The library, loaded once per process; check .error before use.
const Libheif& libheif();

// libheif, or UnsupportedFormatError naming it and its Debian package.
const Libheif& checked_libheif();

}  // namespace mediaview::heif
