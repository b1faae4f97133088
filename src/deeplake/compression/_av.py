"""Opening PyAV containers over in-memory file bytes (shared by video and audio).

PyAV is imported on first use; a missing install raises
ModuleNotInstalledException naming the ``av`` extra.
"""

from __future__ import annotations

from io import BytesIO
from typing import Tuple, Union

from deeplake._deps import require
from deeplake.errors import CorruptedSampleError, SampleDecompressionError

Buffer = Union[bytes, bytearray, memoryview]


def import_av(purpose: str):
    return require("av", "av", purpose=purpose)


# WAV headers state everything exactly; FFmpeg's default 5 MB probe would
# otherwise read (and time) far more PCM than needed for a header-only read.
_SMALL_PROBE = {"wav": {"probesize": "32768"}}


def open_stream(buf: Buffer, compression: str, kind: str, *, header_only: bool) -> Tuple[object, object]:
    """(container, first stream of ``kind``) for file bytes.

    ``kind`` is "video" or "audio". A file that cannot be opened, or that has
    no such stream, raises CorruptedSampleError for header reads and
    SampleDecompressionError for decodes; both name the format.
    """
    av = import_av(f"{compression} {kind}")
    error = CorruptedSampleError if header_only else SampleDecompressionError
    options = _SMALL_PROBE.get(compression, {}) if header_only else {}
    try:
        container = av.open(BytesIO(bytes(buf)), mode="r", options=options)
    except Exception as e:  # FFmpeg reports garbage through many error kinds
        raise error(f"Unable to decompress {compression} file: it cannot be opened ({e}).") from e
    streams = getattr(container.streams, kind)
    if not streams:
        container.close()
        raise error(f"Unable to decompress {compression} file: it has no {kind} stream.")
    return container, streams[0]


def fraction_to_float(value) -> float:
    return value.numerator / value.denominator
