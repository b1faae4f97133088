"""Video codecs (mp4, mkv, avi) over PyAV: decode-only, from file bytes.

A video decodes to ``(frames, height, width, 3)`` uint8 RGB. The frame count
comes from the container header as the reference computes it: the stream's
frame count, else ``floor(fps * duration * timebase)``. Decoded output always
has that many frames (missing frames stay zero, extra ones are dropped), so
it matches the shape recorded at append time.

Frame-range reads first demux the packets (cheap: no decoding) to learn each
frame's presentation timestamp and the keyframes, then seek to the keyframe
before each wanted frame when that skips decoding work, and decode only from
there. Timestamps come from the same packet table without decoding at all.
"""

from __future__ import annotations

import math
from typing import Dict, List, NamedTuple, Optional, Tuple

import numpy as np

from deeplake.compression._av import Buffer, fraction_to_float, import_av, open_stream
from deeplake.errors import CorruptedSampleError, SampleDecompressionError


class VideoHeader(NamedTuple):
    shape: Tuple[int, int, int, int]
    duration: int  # in units of ``timebase``
    fps: float
    timebase: float  # seconds per duration unit


class _FrameTable(NamedTuple):
    pts: List[int]  # presentation timestamps, sorted: frame i has pts[i]
    keyframes: List[int]  # frame indices of keyframes, ascending
    time_base: float  # seconds per pts unit


def _header_of(container, stream) -> VideoHeader:
    av = import_av("video")
    duration = stream.duration
    if duration is None:
        duration = container.duration or 0
        timebase = 1 / av.time_base
    else:
        timebase = fraction_to_float(stream.time_base)
    rate = stream.guessed_rate or stream.average_rate
    fps = fraction_to_float(rate) if rate else 0.0
    nframes = stream.frames or math.floor(fps * duration * timebase)
    ctx = stream.codec_context
    return VideoHeader((int(nframes), int(ctx.height), int(ctx.width), 3), int(duration), fps, timebase)


def read_header(buf: Buffer, compression: str) -> VideoHeader:
    """Shape, duration, fps and timebase from the container header (no decoding).

    Raises:
        CorruptedSampleError: the bytes are not a readable video.
    """
    return _open_header(buf, compression, header_only=True)


def _open_header(buf: Buffer, compression: str, header_only: bool) -> VideoHeader:
    # header_only picks the short probe and the header-read error class
    container, stream = open_stream(buf, compression, "video", header_only=header_only)
    try:
        return _header_of(container, stream)
    finally:
        container.close()


def read_shape(buf: Buffer, compression: str) -> Tuple[int, ...]:
    return read_header(buf, compression).shape


def read_sample_info(buf: Buffer, compression: str) -> dict:
    """The reference's video sample_info fields: duration, fps, timebase."""
    header = read_header(buf, compression)
    return {"duration": header.duration, "fps": header.fps, "timebase": header.timebase}


def _frame_table(buf: Buffer, compression: str, error) -> Optional[_FrameTable]:
    """Demux every packet; None if the file carries no timestamps to index by."""
    container, stream = open_stream(buf, compression, "video", header_only=error is CorruptedSampleError)
    pts, key_pts = [], []
    try:
        for packet in container.demux(stream):
            if packet.size == 0:  # the demuxer's final flush packet
                continue
            stamp = packet.pts if packet.pts is not None else packet.dts
            if stamp is None:
                return None
            pts.append(stamp)
            if packet.is_keyframe:
                key_pts.append(stamp)
        time_base = fraction_to_float(stream.time_base)
    except Exception as e:
        raise error(f"Unable to decompress {compression} file: its packets cannot be read ({e}).") from e
    finally:
        container.close()
    pts.sort()
    index_of = {p: i for i, p in enumerate(pts)}
    keyframes = sorted(index_of[p] for p in key_pts)
    return _FrameTable(pts, keyframes, time_base)


def _wanted_frames(nframes: int, start, stop, step) -> range:
    if step == 0:
        raise ValueError("Frame step cannot be zero.")
    return range(*slice(start, stop, step).indices(nframes))


def _keyframe_at_or_before(keyframes: List[int], index: int) -> int:
    pos = int(np.searchsorted(keyframes, index, side="right")) - 1
    return keyframes[pos] if pos >= 0 else 0


def decompress(
    buf: Buffer,
    compression: str,
    start: Optional[int] = None,
    stop: Optional[int] = None,
    step: Optional[int] = None,
) -> np.ndarray:
    """Decode frames ``[start:stop:step]`` (Python slice rules) as (n, H, W, 3) uint8.

    Only the frames from the keyframe before each wanted frame are decoded.

    Raises:
        SampleDecompressionError: the bytes are not a decodable video.
    """
    header = _open_header(buf, compression, header_only=False)
    nframes, height, width, _ = header.shape
    frames = _wanted_frames(nframes, start, stop, step)
    ascending = frames if frames.step > 0 else frames[::-1]
    out = np.zeros((len(frames), height, width, 3), dtype=np.uint8)
    if len(frames):
        table = _frame_table(buf, compression, SampleDecompressionError)
        try:
            _decode_into(out, list(ascending), buf, compression, table)
        except SampleDecompressionError:
            raise
        except Exception as e:
            raise SampleDecompressionError(
                f"Unable to decompress {compression} file: decoding failed ({e})."
            ) from e
    return out if frames.step > 0 else out[::-1]


def _decode_into(out: np.ndarray, wanted: List[int], buf, compression, table: Optional[_FrameTable]) -> None:
    container, stream = open_stream(buf, compression, "video", header_only=False)
    # Frame threading pays off on long runs; after every seek it would first
    # have to refill its pipeline, so sparse reads use slice threads only.
    contiguous = all(b - a == 1 for a, b in zip(wanted, wanted[1:]))
    stream.thread_type = "AUTO" if contiguous else "SLICE"
    index_of: Dict[int, int] = {p: i for i, p in enumerate(table.pts)} if table else {}
    seekable = table is not None and len(table.keyframes) > 1
    slot, current = 0, -1

    def seek_before(target: int) -> bool:
        key = _keyframe_at_or_before(table.keyframes, target)
        if key <= current + 1:
            return False  # decoding on from here is no more work than seeking
        container.seek(table.pts[key], stream=stream, backward=True, any_frame=False)
        return True

    try:
        if seekable:
            seek_before(wanted[0])
        restart = True
        while restart and slot < len(wanted):
            restart = False
            for packet in container.demux(stream):
                for frame in packet.decode():
                    index = index_of.get(frame.pts, current + 1) if table else current + 1
                    current = index
                    while slot < len(wanted) and wanted[slot] < index:
                        slot += 1  # a frame the file never delivered stays zero
                    if slot == len(wanted):
                        return
                    if wanted[slot] != index:
                        continue
                    out[slot] = frame.to_ndarray(format="rgb24")
                    slot += 1
                    if slot == len(wanted):
                        return
                    if seekable and seek_before(wanted[slot]):
                        restart = True
                        break
                if restart:
                    break
    finally:
        container.close()


def timestamps(
    buf: Buffer,
    compression: str,
    start: Optional[int] = None,
    stop: Optional[int] = None,
    step: Optional[int] = None,
) -> np.ndarray:
    """Presentation times in seconds (float32) of frames ``[start:stop:step]``.

    Read from the packets without decoding; frames the file lacks are 0.

    Raises:
        SampleDecompressionError: the bytes are not a readable video.
    """
    header = _open_header(buf, compression, header_only=False)
    frames = _wanted_frames(header.shape[0], start, stop, step)
    out = np.zeros(len(frames), dtype=np.float32)
    table = _frame_table(buf, compression, SampleDecompressionError)
    if table is None:
        return out
    for slot, index in enumerate(frames):
        if index < len(table.pts):
            out[slot] = table.pts[index] * table.time_base
    return out


def verify(buf: Buffer, compression: str) -> VideoHeader:
    """Decode every frame to prove the file is whole; returns its header."""
    header = read_header(buf, compression)
    try:
        decompress(buf, compression)
    except SampleDecompressionError as e:
        raise CorruptedSampleError(str(e)) from e
    return header
