# Type stubs for the native module; the public API is re-exported by mediaview.
from typing import Any, List, Optional, Tuple, Union

class Error(Exception): ...
class DecodeError(Error, ValueError): ...
class UnsupportedFormatError(Error): ...
class LimitError(Error): ...
class BatchError(Error):
    failures: list[Tuple[int, Any, BaseException]]
    result: Any
class DecodeWarning(UserWarning): ...

class BufferExporter:
    """Owns decoded memory and exports it through the buffer protocol."""
    @property
    def shape(self) -> Tuple[int, ...]: ...
    @property
    def strides(self) -> Tuple[int, ...]: ...
    @property
    def format(self) -> str: ...
    @property
    def readonly(self) -> bool: ...
    @property
    def exports(self) -> int: ...
    @property
    def mode(self) -> Optional[str]:
        """Channel layout of decoded pixels (RGB, BGR, CMYK, ...); None for audio."""
    @property
    def samplerate(self) -> Optional[int]:
        """Frames per second of decoded audio; None for images."""
    @property
    def icc(self) -> Optional[bytes]:
        """The source's ICC profile, or None."""
    @property
    def dpi(self) -> Optional[Tuple[float, float]]:
        """The source's resolution (x, y) in dots per inch, or None."""
    @property
    def exif(self) -> Optional[bytes]:
        """The source's EXIF block (TIFF structure; an oriented view's says orientation 1), or None."""

# ImageInfo and AudioInfo attributes come from one field list each in the
# core (fields_of); as_dict() and repr() list the same fields. A codec may
# add fields of its own after the common ones (PNG: color_type, interlaced, ...).
class ImageInfo:
    @property
    def format(self) -> str: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def components(self) -> int: ...
    @property
    def colorspace(self) -> str: ...
    @property
    def subsampling(self) -> str: ...
    @property
    def progressive(self) -> bool: ...
    @property
    def arithmetic(self) -> bool: ...
    @property
    def precision(self) -> int: ...
    @property
    def orientation(self) -> int: ...
    @property
    def has_icc(self) -> bool: ...
    def __getattr__(self, name: str) -> Any: ...
    def as_dict(self) -> dict[str, Any]: ...

def decoders() -> list[dict[str, Any]]: ...
def formats() -> list[dict[str, Any]]: ...
def sniff(head: bytes) -> Optional[Tuple[str, str]]: ...
def probe(src: Any) -> ImageInfo: ...
ResizeArgs = Optional[Tuple[int, int, str, str, list[int], float]]  # width, height, fit, filter, fill, reducing_gap (0: none)

def decode_image(
    src: Any,
    mode: Optional[str],
    dtype: Optional[str],
    scale_num: int,
    scale_den: int,
    min_width: int,
    min_height: int,
    crop: Optional[Tuple[int, int, int, int]],
    orient: bool,
    strict: bool,
    allow_truncated: bool,
    max_pixels: int,
    frame: int,
    resize: ResizeArgs,
    out: Any,
) -> memoryview: ...
def decode_frames(
    src: Any,
    mode: Optional[str],
    crop: Optional[Tuple[int, int, int, int]],
    strict: bool,
    allow_truncated: bool,
    max_pixels: int,
) -> Tuple[memoryview, List[int]]: ...
def encode_image(format: str, data: Any, mode: Optional[str], icc: Optional[bytes], exif: Optional[bytes],
                 dpi: Optional[Tuple[float, float]], options: dict[str, Any]) -> bytes: ...
def decode_images(
    srcs: list[Any],
    threads: int,
    stack: bool,
    mode: Optional[str],
    dtype: Optional[str],
    scale_num: int,
    scale_den: int,
    min_width: int,
    min_height: int,
    crop: Optional[Tuple[int, int, int, int]],
    orient: bool,
    strict: bool,
    allow_truncated: bool,
    max_pixels: int,
    resize: ResizeArgs,
    out: Any,
) -> Any: ...
def plan_images(
    srcs: list[Any],
    threads: int,
    mode: Optional[str],
    dtype: Optional[str],
    scale_num: int,
    scale_den: int,
    min_width: int,
    min_height: int,
    crop: Optional[Tuple[int, int, int, int]],
    orient: bool,
    strict: bool,
    allow_truncated: bool,
    max_pixels: int,
    resize: ResizeArgs,
) -> list[Union[Tuple[Tuple[int, ...], str], BaseException]]: ...
def read_audios(
    srcs: list[Any],
    threads: int,
    dtype: str,
    start: int,
    stop: Optional[int],
    frames: Optional[int],
    layout: str,
    always_2d: bool,
    mmap: Optional[bool],
    max_samples: int,
    hints: Optional[dict[str, Any]],
    pad: bool,
    pad_to: Optional[int],
    samplerate: int,
    channels: int,
    mix: Any,
    quality: str,
    strict: bool,
    allow_truncated: bool,
) -> Any: ...
def usable_cores() -> int: ...

class AudioInfo:
    @property
    def samplerate(self) -> int: ...
    @property
    def channels(self) -> int: ...
    @property
    def frames(self) -> int: ...
    @property
    def duration(self) -> float: ...
    @property
    def format(self) -> str: ...
    @property
    def subtype(self) -> str: ...
    @property
    def endian(self) -> str: ...
    @property
    def format_info(self) -> str: ...
    @property
    def subtype_info(self) -> str: ...
    @property
    def seekable(self) -> bool: ...
    @property
    def exact_length(self) -> bool: ...
    @property
    def damage(self) -> str: ...  # what the container shows is missing ("" when nothing)
    @property
    def tags(self) -> dict[str, str]: ...
    def as_dict(self) -> dict[str, Any]: ...

class AudioStream:
    def __init__(self, src: Any, blocksize: int, overlap: int, dtype: str, start: int, stop: Optional[int],
                 layout: str, always_2d: bool, samplerate: int = 0, channels: int = 0, mix: Any = None,
                 quality: str = "hq", strict: bool = False, allow_truncated: bool = False,
                 hints: Optional[dict[str, Any]] = None) -> None: ...
    @property
    def samplerate(self) -> int: ...  # the output's (after resampling)
    @property
    def channels(self) -> int: ...  # the output's (after mixing)
    @property
    def source_samplerate(self) -> int: ...
    @property
    def frames(self) -> int: ...  # the source's, -1 when unknown
    @property
    def subtype(self) -> str: ...
    def next_block(self) -> Optional[memoryview]: ...

def audio_info(src: Any, hints: Optional[dict[str, Any]]) -> AudioInfo: ...
def read_audio(src: Any, dtype: str, start: int, stop: Optional[int], frames: Optional[int], layout: str,
               always_2d: bool, out: Any, threads: int, mmap: Optional[bool], max_samples: int,
               hints: Optional[dict[str, Any]], samplerate: int, channels: int, mix: Any, quality: str,
               strict: bool, allow_truncated: bool, offset: Optional[float],
               duration: Optional[float]) -> Tuple[memoryview, int]: ...
def write_audio(path: Any, name: Any, data: Any, samplerate: int, format: str, subtype: str,
                tags: dict[str, str]) -> None: ...
class AudioFileWriter:
    def __init__(self, path: Any, name: Any, samplerate: int, channels: int, dtype: str, format: str, subtype: str,
                 tags: dict[str, str]) -> None: ...
    def write(self, data: Any) -> None: ...
    def close(self) -> None: ...

def plan_audio_conversion(target: str, source_subtype: str, subtype: str, samplerate: int = 0,
                          channels: int = 0) -> dict[str, Any]: ...

AUDIO_DTYPES: Tuple[str, ...]
