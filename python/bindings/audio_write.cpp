// write_audio: the caller's buffer goes to libsndfile through a temporary
// file beside the target, renamed over it only once libsndfile has closed it
// without error, so a failure never leaves a partial file under the name.
#include <fcntl.h>
#include <pybind11/stl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "audio_input.hpp"
#include "src/file_bytes.hpp"

namespace py = pybind11;

namespace mediaview::python {
namespace {

// The temporary file; removed on destruction unless committed.
class TempFile {
public:
    explicit TempFile(const std::string& target) {
        std::size_t slash = target.find_last_of('/');
        std::string dir = slash == std::string::npos ? "." : target.substr(0, slash == 0 ? 1 : slash);
        std::string name = slash == std::string::npos ? target : target.substr(slash + 1);
        // The same marker as mediaview's other atomic outputs (_atomic.py).
        std::string pattern = dir + "/." + name + ".mediaview-tmp-XXXXXX";
        std::vector<char> buf(pattern.begin(), pattern.end());
        buf.push_back('\0');
        int fd = ::mkstemp(buf.data());
        if (fd < 0) throw FileError(errno, target);
        ::close(fd);
        path_ = buf.data();
    }
    ~TempFile() {
        if (!committed_) ::unlink(path_.c_str());
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const std::string& path() const { return path_; }

    // Flushes to disk, sets ordinary permissions, and renames over `target`.
    void commit(const std::string& target) {
        int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            ::fsync(fd);
            ::close(fd);
        }
        ::chmod(path_.c_str(), 0644);
        if (std::rename(path_.c_str(), target.c_str()) != 0) throw FileError(errno, target);
        committed_ = true;
    }

private:
    std::string path_;
    bool committed_ = false;
};

DType audio_dtype_of(const Py_buffer& v) {
    std::optional<DType> t = dtype_of_buffer(v);
    if (t == DType::I16 || t == DType::I32 || t == DType::F32 || t == DType::F64) return *t;
    throw py::type_error("audio data must be int16, int32, float32 or float64 (format h, i, f, d), not format '" +
                         std::string(v.format ? v.format : "B") + "'");
}

void write_audio(const std::string& path, py::handle data, int samplerate, const std::string& format,
                 const std::string& subtype, const std::map<std::string, std::string>& tags) {
    BufferExport held(data, PyBUF_RECORDS_RO);
    const Py_buffer& v = held.view();
    if (v.ndim != 1 && v.ndim != 2) throw py::value_error("audio data must be (frames,) or (frames, channels)");
    AudioWriteRequest r;
    r.path = path;
    r.format = format;
    r.subtype = subtype;
    r.samplerate = samplerate;
    r.dtype = audio_dtype_of(v);
    r.frames = v.shape[0];
    r.channels = v.ndim == 2 ? static_cast<int>(v.shape[1]) : 1;
    r.data = static_cast<const std::uint8_t*>(v.buf);
    r.frame_stride = v.strides[0];
    r.channel_stride = v.ndim == 2 ? v.strides[1] : v.itemsize;
    r.tags.assign(tags.begin(), tags.end());
    py::gil_scoped_release nogil;
    TempFile temp(path);
    AudioWriteRequest to_temp = r;
    to_temp.path = temp.path();
    if (to_temp.format.empty()) to_temp.format = audio_decoder().format_for_extension(lowercase_extension(path));
    audio_decoder().write(to_temp);
    temp.commit(path);
}

}  // namespace

void bind_audio_writer(py::module_& m) {
    m.def("write_audio", &write_audio, py::arg("path"), py::arg("data"), py::arg("samplerate"), py::arg("format"),
          py::arg("subtype"), py::arg("tags"));
}

}  // namespace mediaview::python
