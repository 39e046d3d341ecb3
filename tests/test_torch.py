"""mediaview.torch: tensors that share the decoded memory, the DataLoader
collate function (threads per worker, worker processes, pin_memory), the
datasets over paths and ThreadLoader, each checked against mediaview's own
numpy results."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

import mediaview
from conftest import SAMPLES

torch = pytest.importorskip("torch", reason="torch is not installed (pip install mediaview[torch])")
mt = pytest.importorskip("mediaview.torch")
from torch.utils.data import DataLoader  # noqa: E402

PHOTOS = [SAMPLES / name for name in ("chelsea_420.jpg", "astronaut_444.jpg", "coffee_422.jpg",
                                      "astronaut_progressive.jpg", "coffee_restart.jpg", "camera_gray.jpg",
                                      "rocket_orient6.jpg")]
SIZE = (40, 30)
CLIPS = [SAMPLES / "clip_pcm16.wav", SAMPLES / "speech_mono.wav", SAMPLES / "music_stereo.flac"]
pytestmark = pytest.mark.filterwarnings("ignore:'pin_memory' argument is set as true:UserWarning")


def expected_images(paths, **options) -> np.ndarray:
    return np.asarray(mediaview.decode_images(paths, **options))


def data_pointer(view) -> int:
    return np.asarray(view).__array_interface__["data"][0]


# ---- tensors ------------------------------------------------------------------------

def test_as_tensor_shares_the_views_memory():
    view = mediaview.decode_image(PHOTOS[0])
    tensor = mt.as_tensor(view)
    assert tensor.data_ptr() == data_pointer(view)
    assert np.array_equal(tensor.numpy(), np.asarray(view))


def test_as_tensor_of_a_part_of_a_view_is_that_part():
    view, _ = mediaview.read_audio(CLIPS[0], dtype="int16")
    part = view[100:200]  # same exporter, other memory: DLPack of view.obj would be all of it
    tensor = mt.as_tensor(part)
    assert tuple(tensor.shape) == (100, 2) and tensor.data_ptr() == data_pointer(part)
    assert np.array_equal(tensor.numpy(), np.asarray(view)[100:200])
    flat = view.cast("B")
    assert mt.as_tensor(flat).shape == (view.nbytes,) and mt.as_tensor(flat).dtype == torch.uint8


def test_as_tensor_copies_a_read_only_view():
    view, _ = mediaview.read_audio(CLIPS[0], dtype="int16", mmap=True)
    tensor = mt.as_tensor(view)
    assert tensor.data_ptr() != data_pointer(view)  # torch would write into the read-only map
    assert np.array_equal(tensor.numpy(), np.asarray(view))


def test_decode_images_is_nhwc_and_channels_first_a_view():
    nhwc = mt.decode_images(PHOTOS, size=SIZE)
    assert nhwc.shape == (len(PHOTOS), 30, 40, 3) and nhwc.dtype == torch.uint8
    assert np.array_equal(nhwc.numpy(), expected_images(PHOTOS, size=SIZE))
    nchw = mt.decode_images(PHOTOS, size=SIZE, channels_first=True)
    assert nchw.shape == (len(PHOTOS), 3, 30, 40)
    assert not nchw.is_contiguous() and nchw.permute(0, 2, 3, 1).is_contiguous()  # a permuted view, no copy
    assert torch.equal(nchw.permute(0, 2, 3, 1), nhwc)


def test_grey_and_16_bit_batches():
    grey = mt.decode_images(PHOTOS[:3], size=SIZE, mode="L", channels_first=True)
    assert grey.shape == (3, 1, 30, 40)
    assert np.array_equal(grey[:, 0].numpy(), expected_images(PHOTOS[:3], size=SIZE, mode="L"))
    deep = mt.decode_images([SAMPLES / "coffee_rgb16.png"] * 2, dtype=None)
    assert deep.dtype == torch.uint16 and deep.shape[0] == 2


def test_decode_images_refuses_stack_and_out():
    with pytest.raises(TypeError, match="stack"):
        mt.decode_images(PHOTOS, stack=False)


def test_read_audios_padded_and_listed():
    clips, lengths, rate = mt.read_audios(CLIPS, pad_to=20000, samplerate=16000, channels=1)
    assert clips.shape == (3, 20000, 1) and rate == 16000 and lengths.dtype == torch.int64
    reference, ref_lengths, _ = mediaview.read_audios(CLIPS, pad_to=20000, samplerate=16000, channels=1,
                                                      always_2d=True)
    assert np.array_equal(clips.numpy(), np.asarray(reference)) and lengths.tolist() == list(ref_lengths)
    first = mt.read_audios(CLIPS[:1], channels_first=True)
    clip, rate = first[0]
    assert clip.shape[0] == 2 and rate == mediaview.audio_info(CLIPS[0]).samplerate
    assert np.array_equal(clip.numpy(), np.asarray(mediaview.read_audio(CLIPS[0])[0]).T)


# ---- threads per worker ---------------------------------------------------------------

def report_threads(_batch):
    return mt.threads_per_worker()


@pytest.mark.parametrize("workers", [0, 1, 2])
def test_threads_per_worker_divides_the_cores(workers):
    cores = mediaview._core.usable_cores()
    loader = DataLoader(range(4), batch_size=1, num_workers=workers, collate_fn=report_threads)
    assert set(loader) == {max(1, cores // max(1, workers))}


def test_thread_loader_divides_the_cores_too():
    cores = mediaview._core.usable_cores()
    loader = mt.ThreadLoader(range(4), batch_size=1, workers=2, collate_fn=report_threads)
    assert set(loader) == {max(1, cores // 2)}


# ---- the collate function ---------------------------------------------------------------

@pytest.mark.parametrize("workers", [0, 2])
@pytest.mark.parametrize("pin_memory", [False, True])
def test_collate_decodes_encoded_items_with_labels(workers, pin_memory):
    items = [(p.read_bytes() if i % 2 else str(p), i) for i, p in enumerate(PHOTOS)]
    loader = DataLoader(items, batch_size=3, num_workers=workers, pin_memory=pin_memory,
                        collate_fn=mt.DecodeCollate(size=SIZE, channels_first=True))
    batches = list(loader)
    images = torch.cat([b[0] for b in batches])
    labels = torch.cat([b[1] for b in batches])
    assert labels.tolist() == list(range(len(PHOTOS)))
    assert np.array_equal(images.permute(0, 2, 3, 1).numpy(), expected_images(PHOTOS, size=SIZE))
    if pin_memory and torch.cuda.is_available():
        assert batches[0][0].is_pinned()


def test_collate_in_a_worker_decodes_into_shared_memory():
    loader = DataLoader([str(p) for p in PHOTOS], batch_size=4, num_workers=1,
                        collate_fn=mt.DecodeCollate(size=SIZE))
    batch = next(iter(loader))
    assert batch.is_shared()
    assert np.array_equal(batch.numpy(), expected_images(PHOTOS[:4], size=SIZE))


def test_collate_of_sources_alone_and_failures():
    same_size = [str(PHOTOS[1]), str(PHOTOS[3])]  # both 512x512
    assert np.array_equal(mt.collate(same_size).numpy(), expected_images(same_size))
    with pytest.raises(mediaview.BatchError, match="1 of 2"):
        mt.DecodeCollate(size=SIZE)([str(PHOTOS[0]), b"not an image"])


# ---- datasets ----------------------------------------------------------------------------

def test_image_dataset_items_and_batches_agree():
    dataset = mt.ImageDataset(PHOTOS, labels=np.arange(len(PHOTOS)) * 10, size=SIZE)
    assert len(dataset) == len(PHOTOS)
    image, label = dataset[2]
    assert image.shape == (30, 40, 3) and label.item() == 20
    expected = expected_images(PHOTOS, size=SIZE)
    assert np.array_equal(image.numpy(), expected[2])
    for collate_fn in (mt.collate, None):  # ours takes the batch as it is; torch's stacks the items
        images, labels = next(iter(DataLoader(dataset, batch_size=4, collate_fn=collate_fn)))
        assert np.array_equal(images.numpy(), expected[:4]) and labels.tolist() == [0, 10, 20, 30]


def test_image_dataset_state_is_two_numpy_arrays():
    paths = [SAMPLES / f"photo_{i:05d}.jpg" for i in range(1000)]
    dataset = mt.ImageDataset(paths, labels=np.zeros(1000, dtype=np.int64), size=SIZE)
    assert dataset._paths.dtype.kind == "S" and dataset._labels.dtype == np.int64
    arrays = sum(v.nbytes for v in vars(dataset).values() if isinstance(v, np.ndarray))
    assert arrays == dataset._paths.nbytes + 8000
    # No Python object per path: the pickle (what a spawned worker gets) is about the arrays' size.
    assert len(pickle.dumps(dataset)) < arrays + 2000


def test_image_dataset_checks_options_and_paths_up_front():
    with pytest.raises(TypeError, match="colour"):
        mt.ImageDataset(PHOTOS, colour="srgb")
    with pytest.raises(ValueError, match="labels"):
        mt.ImageDataset(PHOTOS, labels=[1, 2])
    with pytest.raises(ValueError, match="NUL"):
        mt.ImageDataset(["a\0b.jpg"])


@pytest.mark.parametrize("workers", [0, 2])
def test_image_dataset_through_worker_processes(workers):
    dataset = mt.ImageDataset(PHOTOS, labels=range(len(PHOTOS)), size=SIZE, channels_first=True)
    loader = DataLoader(dataset, batch_size=3, num_workers=workers, collate_fn=mt.collate)
    images = torch.cat([images for images, _ in loader])
    assert np.array_equal(images.permute(0, 2, 3, 1).numpy(), expected_images(PHOTOS, size=SIZE))


def test_audio_dataset_padded_batches():
    dataset = mt.AudioDataset(CLIPS, labels=[0, 1, 2], pad_to=8000, samplerate=8000, channels=1)
    clip, label = dataset[1]
    assert clip.shape == (8000, 1) and label.item() == 1
    clips, lengths, labels = next(iter(DataLoader(dataset, batch_size=3, collate_fn=mt.collate)))
    assert clips.shape == (3, 8000, 1) and labels.tolist() == [0, 1, 2]
    assert torch.equal(clips[1], clip)
    one, _ = mediaview.read_audio(CLIPS[0], samplerate=8000, channels=1, always_2d=True)
    n = min(8000, np.asarray(one).shape[0])
    assert lengths[0].item() == n and np.array_equal(clips[0, :n].numpy(), np.asarray(one)[:n])


def test_audio_dataset_unpadded_items_keep_their_lengths():
    dataset = mt.AudioDataset(CLIPS[:2], channels_first=True)
    items = dataset.__getitems__([0, 1])
    assert [tuple(c.shape) for c in items] == [
        (info.channels, info.frames) for info in map(mediaview.audio_info, CLIPS[:2])]


# ---- ThreadLoader ---------------------------------------------------------------------------

@pytest.mark.parametrize("workers", [1, 3])
def test_thread_loader_yields_the_dataloaders_batches_in_order(workers):
    dataset = mt.ImageDataset(PHOTOS * 3, labels=range(3 * len(PHOTOS)), size=SIZE)
    ours = list(mt.ThreadLoader(dataset, batch_size=4, workers=workers, prefetch=1))
    theirs = list(DataLoader(dataset, batch_size=4, collate_fn=mt.collate))
    assert len(ours) == len(theirs) == 6
    for (a, la), (b, lb) in zip(ours, theirs):
        assert torch.equal(a, b) and torch.equal(la, lb)


def test_thread_loader_shuffles_and_stops_early():
    dataset = mt.ImageDataset(PHOTOS * 4, labels=range(4 * len(PHOTOS)), size=SIZE)
    generator = torch.Generator().manual_seed(1)
    labels = torch.cat([lab for _, lab in mt.ThreadLoader(dataset, batch_size=5, shuffle=True, generator=generator)])
    assert sorted(labels.tolist()) == list(range(len(dataset))) and labels.tolist() != sorted(labels.tolist())
    loader = mt.ThreadLoader(dataset, batch_size=1, workers=2, prefetch=4)
    for i, _ in enumerate(loader):
        if i == 1:
            break  # the generator's close cancels the batches queued behind it


def test_thread_loader_raises_the_batchs_error():
    loader = mt.ThreadLoader([str(PHOTOS[0]), os.fspath(SAMPLES / "absent.jpg")], batch_size=2,
                             collate_fn=mt.DecodeCollate(size=SIZE))
    with pytest.raises(mediaview.BatchError, match="absent.jpg"):
        list(loader)
