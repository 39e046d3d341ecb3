"""mediaview: decode images and audio straight into shaped, strided memoryviews.

Every decoded result is a ``memoryview`` whose ``obj`` is the exporter that
owns the memory, so numpy (``numpy.asarray(view)``) and Pillow (``to_pil``)
use it without a copy and the memory lives as long as any of them.
"""

from ._core import (
    BatchError,
    DecodeError,
    DecodeWarning,
    Error,
    ImageInfo,
    LimitError,
    MetadataWarning,
    UnsupportedFormatError,
    decoders,
    formats,
    sniff,
)
from ._audio import (AUDIO_DTYPES, AUDIO_TAGS, RESAMPLE_QUALITIES, AudioFileWriter, AudioInfo, RawFormat, audio_info,
                     plan_audio_conversion, read_audio, stream_audio, write_audio)
from ._batch import decode_images, read_audios
from ._animation import write_frames
from ._encode import encode_image, encode_jpeg, write_image
from ._image import MODES, MinSize, decode_frames, decode_image, probe
from ._limits import DEFAULT, MAX_AUDIO_SAMPLES, MAX_IMAGE_PIXELS
from ._pil import to_pil
from . import _core, _pil_read

# The images no codec of ours reads (BMP, TGA, ...) are read through Pillow,
# as the last codec of the table the image readers use.
_core.use_pillow(_pil_read)

__version__ = "0.1.0"

__all__ = [
    "AUDIO_DTYPES",
    "BatchError",
    "AUDIO_TAGS",
    "RESAMPLE_QUALITIES",
    "RawFormat",
    "AudioFileWriter",
    "AudioInfo",
    "plan_audio_conversion",
    "sniff",
    "audio_info",
    "read_audio",
    "read_audios",
    "stream_audio",
    "write_audio",
    "DEFAULT",
    "DecodeError",
    "DecodeWarning",
    "Error",
    "ImageInfo",
    "LimitError",
    "MetadataWarning",
    "MAX_AUDIO_SAMPLES",
    "MAX_IMAGE_PIXELS",
    "MODES",
    "MinSize",
    "UnsupportedFormatError",
    "decode_frames",
    "decode_image",
    "decode_images",
    "decoders",
    "encode_image",
    "encode_jpeg",
    "formats",
    "probe",
    "to_pil",
    "write_image",
    "write_frames",
]
