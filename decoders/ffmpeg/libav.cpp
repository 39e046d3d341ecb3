#include "libav.hpp"

#include <dlfcn.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

#include "src/errors.hpp"

namespace mediaview::ffmpeg {

#define MEDIAVIEW_STR2(x) #x
#define MEDIAVIEW_STR(x) MEDIAVIEW_STR2(x)

namespace {

thread_local LogCapture* current_capture = nullptr;

// Every message of libav* comes here (installed at load; the callback is
// process-wide, so libswscale's messages are silenced too): nothing is
// printed; an error-level message on a thread with a LogCapture is counted.
void quiet_log(void*, int level, const char* format, va_list args) {
    if (level > AV_LOG_ERROR || !current_capture) return;
    char line[256];
    std::vsnprintf(line, sizeof line, format, args);
    record_log(level, line);
}

template <typename F>
bool resolve(void* library, const char* name, F& slot) {
    slot = reinterpret_cast<F>(dlsym(library, name));
    return slot != nullptr;
}

Libav load() {
    Libav l;
    const char* names[] = {"libavutil.so." MEDIAVIEW_STR(LIBAVUTIL_VERSION_MAJOR),
                           "libavcodec.so." MEDIAVIEW_STR(LIBAVCODEC_VERSION_MAJOR),
                           "libavformat.so." MEDIAVIEW_STR(LIBAVFORMAT_VERSION_MAJOR)};
    const char* packages[] = {"libavutil" MEDIAVIEW_STR(LIBAVUTIL_VERSION_MAJOR),
                              "libavcodec" MEDIAVIEW_STR(LIBAVCODEC_VERSION_MAJOR),
                              "libavformat" MEDIAVIEW_STR(LIBAVFORMAT_VERSION_MAJOR)};
    // MEDIAVIEW_NO_FFMPEG=1: behave as if FFmpeg were absent (a process that
    // must not load GPL libraries; the tests of the missing-library error).
    const char* refuse = std::getenv("MEDIAVIEW_NO_FFMPEG");
    const bool refused = refuse && *refuse && std::string(refuse) != "0";
    void* libs[3] = {};
    for (int i = 0; i < 3; ++i) {
        if (refused) {
            l.error = std::string("this format is read through FFmpeg's ") + names[2] +
                      ", which MEDIAVIEW_NO_FFMPEG forbids loading (unset it; Debian/Ubuntu: apt-get install " +
                      packages[2] + ")";
            return l;
        }
        // The libraries stay loaded for the life of the process.
        libs[i] = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!libs[i]) {
            l.error = std::string("this format is read through FFmpeg's ") + names[i] +
                      ", which is not installed (Debian/Ubuntu: apt-get install " + packages[i] +
                      "; apt-get install libavformat" MEDIAVIEW_STR(LIBAVFORMAT_VERSION_MAJOR) " brings all three)";
            return l;
        }
    }
    void* util = libs[0];
    void* codec = libs[1];
    void* format = libs[2];
    bool ok = true;
#define R(lib, name) ok &= resolve(lib, #name, l.name)
    R(util, av_log_set_callback);
    R(util, av_frame_alloc);
    R(util, av_frame_free);
    R(util, av_frame_unref);
    R(util, av_malloc);
    R(util, av_free);
    R(util, av_strdup);
    R(util, av_dict_get);
    R(util, av_dict_set);
    R(util, av_dict_free);
    R(util, av_rescale_q);
    R(util, av_version_info);
    R(codec, avcodec_find_decoder);
    R(codec, avcodec_alloc_context3);
    R(codec, avcodec_free_context);
    R(codec, avcodec_parameters_to_context);
    R(codec, avcodec_open2);
    R(codec, avcodec_send_packet);
    R(codec, avcodec_receive_frame);
    R(codec, avcodec_flush_buffers);
    R(codec, avcodec_descriptor_get);
    R(codec, avcodec_get_name);
    R(codec, avcodec_profile_name);
    R(codec, av_packet_alloc);
    R(codec, av_packet_free);
    R(codec, av_packet_unref);
    R(format, avformat_alloc_context);
    R(format, avformat_free_context);
    R(format, avformat_open_input);
    R(format, avformat_close_input);
    R(format, avformat_find_stream_info);
    R(format, av_find_input_format);
    R(format, av_find_best_stream);
    R(format, av_read_frame);
    R(format, av_seek_frame);
    R(format, avio_alloc_context);
    R(format, avio_context_free);
#undef R
    if (!ok) {
        l.error = std::string("FFmpeg's libraries (") + names[2] + ") lack functions this reader needs";
        return l;
    }
    l.av_log_set_callback(quiet_log);
    return l;
}

}  // namespace

void record_log(int level, const char* line) {
    (void)level;
    LogCapture* c = current_capture;
    ++c->errors_;
    if (c->text_.size() < 4096) c->text_ += line;
}

const Libav& libav() {
    static const Libav loaded = load();
    return loaded;
}

const Libav& checked_libav() {
    const Libav& l = libav();
    if (!l.error.empty()) throw UnsupportedFormatError(l.error);
    return l;
}

LogCapture::LogCapture() : outer_(current_capture) { current_capture = this; }
LogCapture::~LogCapture() { current_capture = outer_; }

bool LogCapture::saw(const char* text) const { return text_.find(text) != std::string::npos; }

void FreeFormat::operator()(AVFormatContext* f) const { libav().avformat_close_input(&f); }
void FreeCodecContext::operator()(AVCodecContext* c) const { libav().avcodec_free_context(&c); }
void FreePacket::operator()(AVPacket* p) const { libav().av_packet_free(&p); }
void FreeFrame::operator()(AVFrame* f) const { libav().av_frame_free(&f); }
void FreeAvio::operator()(AVIOContext* io) const {
    libav().av_free(io->buffer);
    io->buffer = nullptr;
    libav().avio_context_free(&io);
}
void FreeDict::operator()(AVDictionary* d) const { libav().av_dict_free(&d); }

Options::~Options() {
    if (dict_) libav().av_dict_free(&dict_);
}

void Options::set(const char* key, const char* value) { libav().av_dict_set(&dict_, key, value, 0); }

}  // namespace mediaview::ffmpeg
