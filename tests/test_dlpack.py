"""DLPack on the exporter (view.obj): np.from_dlpack and torch.from_dlpack
share the decoded memory (same data pointer, writes seen both ways), with
the strides, element type and read-only flag of the view; the capsule keeps
the exporter alive for as long as any tensor made from it, through view
release, garbage collection and threads. The capsule's bytes are read back
with ctypes, so the ABI itself (version, flags, strides in elements) is
checked, not only what one consumer makes of it."""

from __future__ import annotations

import ctypes
import gc
import hashlib
import os
import threading
import weakref

import numpy as np
import pytest

import mediaview
from conftest import SAMPLES

JPEG = SAMPLES / "chelsea_420.jpg"
BIG = SAMPLES / "astronaut_444.jpg"
WAV = SAMPLES / "clip_pcm16.wav"


def torch_or_skip():
    return pytest.importorskip("torch", reason="torch is not installed (pip install mediaview[torch])")


def churn():
    """Frees, collects and allocates again, so a tensor of freed memory would
    show other bytes (or abort under ASan)."""
    gc.collect()
    junk = [mediaview.decode_image(BIG) for _ in range(3)] + [bytearray(os.urandom(1 << 20)) for _ in range(8)]
    del junk
    gc.collect()


def digest(array) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


# ---- the capsule as bytes: the DLPack ABI, read with ctypes ----------------------

class DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32),
                ("ndim", ctypes.c_int32), ("code", ctypes.c_uint8), ("bits", ctypes.c_uint8),
                ("lanes", ctypes.c_uint16), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


class Versioned(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32), ("manager_ctx", ctypes.c_void_p),
                ("deleter", ctypes.c_void_p), ("flags", ctypes.c_uint64), ("dl_tensor", DLTensor)]


class Legacy(ctypes.Structure):
    _fields_ = [("dl_tensor", DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", ctypes.c_void_p)]


def read_capsule(capsule, name: bytes, struct):
    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype, get.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    return struct.from_address(get(capsule, name))


def tensor_fields(t: DLTensor) -> dict:
    return {"data": t.data, "device": (t.device_type, t.device_id), "dtype": (t.code, t.bits, t.lanes),
            "shape": tuple(t.shape[i] for i in range(t.ndim)), "strides": tuple(t.strides[i] for i in range(t.ndim)),
            "byte_offset": t.byte_offset}


def data_pointer(view) -> int:
    return np.asarray(view).__array_interface__["data"][0]


def test_versioned_capsule_describes_the_view_in_elements():
    view = mediaview.decode_image(SAMPLES / "coffee_rgb16.png", dtype=None)
    capsule = view.obj.__dlpack__(max_version=(1, 0))
    managed = read_capsule(capsule, b"dltensor_versioned", Versioned)
    assert (managed.major, managed.minor) == (1, 0)
    assert managed.flags == 0  # writable, shared
    assert tensor_fields(managed.dl_tensor) == {
        "data": data_pointer(view), "device": (1, 0), "dtype": (1, 16, 1), "shape": view.shape,
        "strides": tuple(s // 2 for s in view.strides), "byte_offset": 0}


def test_legacy_capsule_without_max_version():
    view = mediaview.decode_image(JPEG)
    capsule = view.obj.__dlpack__()
    fields = tensor_fields(read_capsule(capsule, b"dltensor", Legacy).dl_tensor)
    assert fields["dtype"] == (1, 8, 1) and fields["data"] == data_pointer(view)
    assert view.obj.__dlpack__(max_version=(0, 8)).__repr__().startswith('<capsule object "dltensor"')


AUDIO_CODES = {"int16": (0, 16), "int32": (0, 32), "float32": (2, 32), "float64": (2, 64)}


@pytest.mark.parametrize("dtype", sorted(AUDIO_CODES))
def test_every_audio_dtype_has_its_dlpack_code(dtype):
    view, _ = mediaview.read_audio(WAV, dtype=dtype, layout="planar")  # a strided (transposed) view
    capsule = view.obj.__dlpack__(max_version=(1, 0))
    fields = tensor_fields(read_capsule(capsule, b"dltensor_versioned", Versioned).dl_tensor)
    assert fields["dtype"] == (*AUDIO_CODES[dtype], 1)
    assert fields["strides"] == tuple(s // view.itemsize for s in view.strides)
    shared = np.from_dlpack(view.obj)
    assert shared.dtype == np.dtype(dtype) and np.array_equal(shared, np.asarray(view))
    assert data_pointer(shared) == data_pointer(view)


def test_device_and_refusals():
    exporter = mediaview.decode_image(JPEG).obj
    assert exporter.__dlpack_device__() == (1, 0)
    assert exporter.__dlpack__(dl_device=(1, 0)) is not None
    with pytest.raises(BufferError, match="CPU"):
        exporter.__dlpack__(dl_device=(2, 0))
    with pytest.raises(BufferError, match="stream"):
        exporter.__dlpack__(stream=1)
    with pytest.raises(TypeError, match="max_version"):
        exporter.__dlpack__(max_version=1)
    with pytest.raises(TypeError, match="copy"):
        exporter.__dlpack__(copy="yes")
    assert exporter.exports == 0  # no refused call left an export behind


# ---- shared memory ------------------------------------------------------------------

def test_numpy_from_dlpack_shares_memory():
    view = mediaview.decode_image(JPEG)
    array = np.from_dlpack(view.obj)
    assert data_pointer(array) == data_pointer(view)
    assert array.flags.writeable
    array[0, 0] = (1, 2, 3)
    assert np.asarray(view)[0, 0].tolist() == [1, 2, 3]


def test_torch_from_dlpack_shares_memory():
    torch = torch_or_skip()
    view = mediaview.decode_image(JPEG)
    tensor = torch.from_dlpack(view.obj)
    assert tensor.data_ptr() == data_pointer(view)
    assert tuple(tensor.shape) == view.shape and tensor.dtype == torch.uint8
    assert tensor.stride() == view.strides  # uint8: elements are bytes
    tensor[5, 7] = torch.tensor([9, 8, 7])
    assert np.asarray(view)[5, 7].tolist() == [9, 8, 7]


def test_torch_takes_a_strided_view_without_copying():
    torch = torch_or_skip()
    view, _ = mediaview.read_audio(WAV, dtype="float32", layout="planar")
    tensor = torch.from_dlpack(view.obj)
    assert tensor.data_ptr() == data_pointer(view)
    assert tensor.stride() == (1, 2) and not tensor.is_contiguous()
    assert np.array_equal(tensor.numpy(), np.asarray(view))


@pytest.mark.parametrize("consumer", ["numpy", "torch"])
def test_flipped_view_is_handed_over_as_a_flagged_copy(consumer):
    # torch aborts the process on negative strides: such views are copied.
    view = mediaview.decode_image(SAMPLES / "rocket_orient6.jpg", orient=True)
    assert min(view.strides) < 0
    capsule = view.obj.__dlpack__(max_version=(1, 0))
    assert read_capsule(capsule, b"dltensor_versioned", Versioned).flags == 2  # IS_COPIED
    with pytest.raises(BufferError, match="flipped"):
        view.obj.__dlpack__()  # a legacy capsule cannot say it is a copy
    with pytest.raises(BufferError, match="flipped"):
        view.obj.__dlpack__(max_version=(1, 0), copy=False)
    if consumer == "numpy":
        out = np.from_dlpack(view.obj)
    else:
        out = torch_or_skip().from_dlpack(view.obj).numpy()
    assert np.array_equal(out, np.asarray(view)) and data_pointer(out) != data_pointer(view)


def test_copy_true_copies_and_says_so():
    view = mediaview.decode_image(JPEG)
    capsule = view.obj.__dlpack__(max_version=(1, 0), copy=True)
    managed = read_capsule(capsule, b"dltensor_versioned", Versioned)
    assert managed.flags == 2 and managed.dl_tensor.data != data_pointer(view)
    assert view.obj.exports == 1  # the view's own: the copy has an exporter of its own
    copy = np.from_dlpack(view.obj, copy=True)
    assert np.array_equal(copy, np.asarray(view)) and data_pointer(copy) != data_pointer(view)


def test_read_only_view_is_flagged_and_refused_where_it_cannot_be():
    view, _ = mediaview.read_audio(WAV, dtype="int16", mmap=True)
    assert view.readonly
    managed = read_capsule(view.obj.__dlpack__(max_version=(1, 0)), b"dltensor_versioned", Versioned)
    assert managed.flags == 1  # READ_ONLY
    with pytest.raises(BufferError, match="read-only"):
        view.obj.__dlpack__()
    array = np.from_dlpack(view.obj)
    assert not array.flags.writeable and data_pointer(array) == data_pointer(view)
    assert np.from_dlpack(view.obj, copy=True).flags.writeable


# ---- lifetime -----------------------------------------------------------------------

@pytest.mark.parametrize("consumer", ["numpy", "torch"])
def test_tensor_outlives_the_view_and_the_exporter_reference(consumer):
    view = mediaview.decode_image(BIG)
    expected = digest(view)
    if consumer == "numpy":
        tensor = np.from_dlpack(view.obj)
        as_array = lambda t: t  # noqa: E731
    else:
        tensor = torch_or_skip().from_dlpack(view.obj)
        as_array = lambda t: t.numpy()  # noqa: E731
    exporter = weakref.ref(view.obj)
    assert view.obj.exports == 2  # the view's buffer and the tensor
    view.release()
    del view
    churn()
    assert exporter() is not None and exporter().exports == 1
    assert digest(as_array(tensor)) == expected
    del tensor
    gc.collect()
    assert exporter() is None


def test_unconsumed_capsule_releases_the_exporter():
    view = mediaview.decode_image(JPEG)
    exporter = weakref.ref(view.obj)
    capsules = [view.obj.__dlpack__(), view.obj.__dlpack__(max_version=(1, 0))]
    assert view.obj.exports == 3
    view.release()
    del view
    assert exporter() is not None
    del capsules
    assert exporter() is None  # reference counting alone, no collection needed


def test_tensor_in_a_reference_cycle_is_collected():
    torch = torch_or_skip()
    view = mediaview.decode_image(JPEG)
    exporter = weakref.ref(view.obj)
    cycle = [torch.from_dlpack(view.obj)]
    cycle.append(cycle)
    del view, cycle
    assert exporter() is not None  # only the collector can break the cycle
    gc.collect()
    assert exporter() is None


@pytest.mark.parametrize("consumer", ["numpy", "torch"])
def test_threads_take_and_drop_tensors_of_one_exporter(consumer):
    from_dlpack = np.from_dlpack if consumer == "numpy" else torch_or_skip().from_dlpack
    view = mediaview.decode_image(JPEG)
    expected = digest(view)
    exporter = view.obj
    errors, handed = [], []
    lock = threading.Lock()

    def work(n: int):
        try:
            for i in range(200):
                tensor = from_dlpack(exporter)
                if i % 20 == n % 20:
                    with lock:
                        handed.append(tensor)  # dropped later, by another thread
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert exporter.exports == 1 + len(handed)
    as_array = np.asarray if consumer == "numpy" else (lambda t: t.numpy())
    assert all(digest(as_array(t)) == expected for t in handed)
    dropper = threading.Thread(target=handed.clear)
    dropper.start()
    dropper.join()
    assert exporter.exports == 1
    ref = weakref.ref(exporter)
    del exporter, view
    churn()
    assert ref() is None
