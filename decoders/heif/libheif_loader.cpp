#include "libheif_loader.hpp"

#include <dlfcn.h>

#include <cstdlib>

#include "src/errors.hpp"

namespace mediaview::heif {
namespace {

// MEDIAVIEW_LIBHEIF names another file to open instead: tests point it at a
// missing one to see what a machine without libheif says.
const char* soname() {
    const char* forced = std::getenv("MEDIAVIEW_LIBHEIF");
    return forced && *forced ? forced : "libheif.so.1";
}

template <typename F>
void bind(void* lib, F& slot, const char* name, std::string& missing) {
    slot = reinterpret_cast<F>(dlsym(lib, name));
    if (!slot && missing.empty()) missing = name;
}

Libheif load() {
    Libheif h;
    const char* name = soname();
    void* lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        h.error = std::string("HEIF/HEIC images need libheif, opened at run time and not found (") + name +
                  "); install it: apt-get install libheif1 (Debian/Ubuntu), dnf install libheif (Fedora)";
        return h;
    }
    std::string missing;
    bind(lib, h.get_version, "heif_get_version", missing);
    bind(lib, h.context_alloc, "heif_context_alloc", missing);
    bind(lib, h.context_free, "heif_context_free", missing);
    bind(lib, h.read_from_memory, "heif_context_read_from_memory_without_copy", missing);
    bind(lib, h.top_level_count, "heif_context_get_number_of_top_level_images", missing);
    bind(lib, h.top_level_ids, "heif_context_get_list_of_top_level_image_IDs", missing);
    bind(lib, h.primary_id, "heif_context_get_primary_image_ID", missing);
    bind(lib, h.image_handle, "heif_context_get_image_handle", missing);
    bind(lib, h.handle_release, "heif_image_handle_release", missing);
    bind(lib, h.handle_width, "heif_image_handle_get_width", missing);
    bind(lib, h.handle_height, "heif_image_handle_get_height", missing);
    bind(lib, h.handle_has_alpha, "heif_image_handle_has_alpha_channel", missing);
    bind(lib, h.handle_luma_bits, "heif_image_handle_get_luma_bits_per_pixel", missing);
    bind(lib, h.icc_size, "heif_image_handle_get_raw_color_profile_size", missing);
    bind(lib, h.icc, "heif_image_handle_get_raw_color_profile", missing);
    bind(lib, h.decode_image, "heif_decode_image", missing);
    bind(lib, h.plane, "heif_image_get_plane_readonly", missing);
    bind(lib, h.image_width, "heif_image_get_width", missing);
    bind(lib, h.image_height, "heif_image_get_height", missing);
    bind(lib, h.image_release, "heif_image_release", missing);
    if (!missing.empty())
        h.error = std::string("HEIF/HEIC: ") + name + " is too old (it lacks " + missing +
                  "); libheif 1.12 or later is needed (apt-get install libheif1)";
    return h;  // the library stays loaded for the life of the process
}

}  // namespace

const Libheif& libheif() {
    static const Libheif loaded = load();
    return loaded;
}

const Libheif& checked_libheif() {
    const Libheif& h = libheif();
    if (!h.error.empty()) throw UnsupportedFormatError(h.error);
    return h;
}

}  // namespace mediaview::heif
