"""The view core: format codes, shapes, strides, writability, ownership, and
the exporter honouring (and refusing) buffer requests."""

from __future__ import annotations

import ctypes
import gc
import io
import weakref

import numpy as np
import pytest
from PIL import Image

import mediaview
from conftest import SAMPLES

SAMPLE = SAMPLES / "chelsea_420.jpg"  # 451 x 300

# PyBUF_* request flags (Include/pybuffer.h)
PyBUF_SIMPLE = 0
PyBUF_WRITABLE = 0x0001
PyBUF_FORMAT = 0x0004
PyBUF_ND = 0x0008
PyBUF_STRIDES = 0x0010 | PyBUF_ND
PyBUF_C_CONTIGUOUS = 0x0020 | PyBUF_STRIDES
PyBUF_F_CONTIGUOUS = 0x0040 | PyBUF_STRIDES
PyBUF_ANY_CONTIGUOUS = 0x0080 | PyBUF_STRIDES
PyBUF_RECORDS = PyBUF_STRIDES | PyBUF_WRITABLE | PyBUF_FORMAT


class Py_buffer(ctypes.Structure):
    _fields_ = [
        ("buf", ctypes.c_void_p),
        ("obj", ctypes.c_void_p),
        ("len", ctypes.c_ssize_t),
        ("itemsize", ctypes.c_ssize_t),
        ("readonly", ctypes.c_int),
        ("ndim", ctypes.c_int),
        ("format", ctypes.c_char_p),
        ("shape", ctypes.POINTER(ctypes.c_ssize_t)),
        ("strides", ctypes.POINTER(ctypes.c_ssize_t)),
        ("suboffsets", ctypes.POINTER(ctypes.c_ssize_t)),
        ("internal", ctypes.c_void_p),
    ]


_get_buffer = ctypes.pythonapi.PyObject_GetBuffer
_get_buffer.argtypes = [ctypes.py_object, ctypes.POINTER(Py_buffer), ctypes.c_int]
_release_buffer = ctypes.pythonapi.PyBuffer_Release
_release_buffer.argtypes = [ctypes.POINTER(Py_buffer)]


def request(obj, flags):
    """Asks obj for a buffer with these flags, exactly as a C consumer would.
    Returns (ndim, shape, strides, format, readonly) or raises BufferError."""
    view = Py_buffer()
    _get_buffer(obj, ctypes.byref(view), flags)  # ctypes raises the Python error set by the call
    try:
        shape = tuple(view.shape[i] for i in range(view.ndim)) if view.shape else None
        strides = tuple(view.strides[i] for i in range(view.ndim)) if view.strides else None
        return view.ndim, shape, strides, view.format, view.readonly
    finally:
        _release_buffer(ctypes.byref(view))


@pytest.mark.parametrize(
    "mode, shape",
    [("RGB", (300, 451, 3)), ("BGR", (300, 451, 3)), ("RGBA", (300, 451, 4)), ("BGRA", (300, 451, 4)),
     ("RGBX", (300, 451, 4)), ("L", (300, 451))],
)
def test_format_shape_strides_per_mode(mode, shape):
    view = mediaview.decode_image(SAMPLE, mode=mode)
    assert view.format == "B" and view.itemsize == 1
    assert view.shape == shape
    expected_strides = tuple(int(np.prod(shape[i + 1:])) for i in range(len(shape)))
    assert view.strides == expected_strides
    assert view.c_contiguous and not view.readonly
    assert view.nbytes == int(np.prod(shape))


def test_view_is_writable_and_numpy_sees_writes():
    view = mediaview.decode_image(SAMPLE)
    arr = np.asarray(view)
    assert arr.flags.writeable
    view[10, 20, 1] = (int(arr[10, 20, 1]) + 1) % 256
    assert arr[10, 20, 1] == view[10, 20, 1]
    arr[0, 0, 0] = 7
    assert view[0, 0, 0] == 7


def test_view_obj_is_the_exporter_and_describes_the_array():
    view = mediaview.decode_image(SAMPLE)
    exporter = view.obj
    assert type(exporter).__name__ == "BufferExporter"
    assert exporter.shape == view.shape and exporter.strides == view.strides
    assert exporter.format == "B" and exporter.readonly is False
    assert exporter.exports >= 1  # the memoryview holds one
    with pytest.raises(TypeError):
        type(exporter)()


def test_memory_lives_as_long_as_a_numpy_array_of_it():
    view = mediaview.decode_image(SAMPLE)
    arr = np.asarray(view)
    expected = arr.copy()
    owner = weakref.ref(view.obj)
    del view
    gc.collect()
    assert owner() is not None, "the exporter must stay alive while numpy uses its memory"
    # Churn the allocator: freed memory would be reused and overwritten.
    junk = [bytearray(arr.nbytes) for _ in range(4)]
    junk += [np.asarray(mediaview.decode_image(SAMPLE, mode="RGBA")) for _ in range(3)]
    assert np.array_equal(arr, expected)
    del junk, arr
    gc.collect()
    assert owner() is None, "the exporter must be freed once nothing uses its memory"


def test_zero_copy_into_numpy():
    view = mediaview.decode_image(SAMPLE)
    a, b = np.asarray(view), np.asarray(view)
    assert np.shares_memory(a, b)
    assert a.ctypes.data % 64 == 0, "decoded buffers are 64-byte aligned"
    out = np.zeros((300, 451, 3), np.uint8)
    result = mediaview.decode_image(SAMPLE, out=out)
    assert np.shares_memory(np.asarray(result), out)
    assert np.array_equal(out, a)


def test_contiguous_view_grants_every_request():
    exporter = mediaview.decode_image(SAMPLE).obj
    for flags in (PyBUF_SIMPLE, PyBUF_ND, PyBUF_STRIDES, PyBUF_C_CONTIGUOUS, PyBUF_ANY_CONTIGUOUS, PyBUF_RECORDS):
        ndim, shape, strides, fmt, readonly = request(exporter, flags)
        assert readonly == 0
        assert fmt == (b"B" if flags & PyBUF_FORMAT else None)
    assert request(exporter, PyBUF_ND)[1:3] == ((300, 451, 3), None)
    assert request(exporter, PyBUF_STRIDES)[2] == (1353, 3, 1)
    with pytest.raises(BufferError):
        request(exporter, PyBUF_F_CONTIGUOUS)


def _oriented(orientation, mode="RGB", source=SAMPLE):
    """A JPEG of the sample with the given EXIF orientation, decoded oriented."""
    image = Image.open(source)
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=90, exif=exif.tobytes())
    data = buf.getvalue()
    return data, mediaview.decode_image(data, mode=mode, orient=True)


@pytest.mark.parametrize("orientation", [2, 3, 4, 5, 6, 7, 8])
def test_strided_view_refuses_contiguous_requests(orientation):
    _, view = _oriented(orientation)
    assert not view.c_contiguous
    exporter = view.obj
    for flags in (PyBUF_SIMPLE, PyBUF_ND, PyBUF_C_CONTIGUOUS, PyBUF_F_CONTIGUOUS, PyBUF_ANY_CONTIGUOUS):
        with pytest.raises(BufferError):
            request(exporter, flags)
    ndim, shape, strides, fmt, _ = request(exporter, PyBUF_RECORDS)
    assert shape == view.shape and strides == view.strides and fmt == b"B"
    # Python-level consumers that need flat memory are refused; those that
    # ask for strides get the right values (bytes() copies in C order).
    with pytest.raises(BufferError):
        np.frombuffer(exporter, np.uint8)
    assert bytes(exporter) == view.tobytes()


def test_transposed_gray_view_is_fortran_contiguous():
    _, view = _oriented(5, mode="L", source=SAMPLES / "camera_gray.jpg")
    exporter = view.obj
    assert view.f_contiguous and not view.c_contiguous
    assert request(exporter, PyBUF_F_CONTIGUOUS)[2] == (1, 512)
    assert request(exporter, PyBUF_ANY_CONTIGUOUS)[2] == (1, 512)
    with pytest.raises(BufferError):
        request(exporter, PyBUF_C_CONTIGUOUS)


@pytest.mark.parametrize("orientation", [2, 3, 4, 5, 6, 7, 8])
def test_permuted_and_negative_strides_read_right(orientation):
    data, view = _oriented(orientation)
    stored = np.asarray(mediaview.decode_image(data))
    flips = {
        2: lambda a: a[:, ::-1], 3: lambda a: a[::-1, ::-1], 4: lambda a: a[::-1],
        5: lambda a: a.transpose(1, 0, 2), 6: lambda a: np.rot90(a, -1), 7: lambda a: np.rot90(a, 2).transpose(1, 0, 2),
        8: lambda a: np.rot90(a, 1),
    }
    expected = flips[orientation](stored)
    arr = np.asarray(view)
    assert np.array_equal(arr, expected)
    assert np.array_equal(np.frombuffer(view.tobytes(), np.uint8).reshape(arr.shape), expected)
    assert view.obj.strides == view.strides
