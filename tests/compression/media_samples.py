"""Small media files made on the fly for the codec tests (nothing downloaded)."""

from __future__ import annotations

import io
import wave

import numpy as np

VIDEO_FORMATS = {"mp4": ("mp4", "libx264"), "mkv": ("matroska", "mpeg4"), "avi": ("avi", "mpeg4")}


def frame_pattern(i: int, height: int, width: int) -> np.ndarray:
    """Frame i (< 64): flat gray level 4*i, so decoded frames identify themselves."""
    return np.full((height, width, 3), 4 * i, dtype=np.uint8)


def frame_index(frame: np.ndarray) -> int:
    """Inverse of frame_pattern, robust to lossy coding."""
    return int(round(float(frame.mean()) / 4))


def make_video(fmt: str, frames: int = 30, width: int = 64, height: int = 48, fps: int = 10, gop: int = 10) -> bytes:
    import av

    container_format, codec = VIDEO_FORMATS[fmt]
    out = io.BytesIO()
    container = av.open(out, "w", format=container_format)
    stream = container.add_stream(codec, rate=fps)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.codec_context.gop_size = gop
    if codec == "libx264":
        stream.options = {"crf": "1", "bf": "2"}
    else:
        stream.codec_context.qmin = stream.codec_context.qmax = 2
    for i in range(frames):
        frame = av.VideoFrame.from_ndarray(frame_pattern(i, height, width), format="rgb24")
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return out.getvalue()


def sine(rate: int = 16000, seconds: float = 1.0, channels: int = 1) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    waves = [0.5 * np.sin(2 * np.pi * (440 + 110 * c) * t) for c in range(channels)]
    return np.stack(waves, axis=1)


def make_wav(rate: int = 16000, seconds: float = 1.0, channels: int = 2) -> bytes:
    pcm = (sine(rate, seconds, channels) * 32767).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return out.getvalue()


def make_audio(fmt: str, rate: int = 16000, seconds: float = 1.0, channels: int = 1) -> bytes:
    """mp3 (float planar samples) or flac (16-bit) encoded with PyAV."""
    import av

    layout = "mono" if channels == 1 else "stereo"
    signal = sine(rate, seconds, channels).T
    out = io.BytesIO()
    container = av.open(out, "w", format=fmt)
    stream = container.add_stream("mp3" if fmt == "mp3" else "flac", rate=rate, layout=layout)
    if fmt == "flac":
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray((signal.T * 32767).astype(np.int16).reshape(1, -1)), format="s16", layout=layout
        )
    else:
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(signal.astype(np.float32)), format="fltp", layout=layout)
    frame.sample_rate = rate
    for packet in stream.encode(frame):
        container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return out.getvalue()


def make_dicom(array: np.ndarray, **elements) -> bytes:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.PatientName = "Test^Name"
    ds.PatientID = "123"
    ds.Modality = "OT"
    ds.Rows, ds.Columns = array.shape[:2]
    ds.SamplesPerPixel = 1 if array.ndim == 2 else array.shape[2]
    ds.PhotometricInterpretation = "MONOCHROME2" if array.ndim == 2 else "RGB"
    if array.ndim == 3:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated = ds.BitsStored = array.dtype.itemsize * 8
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 1 if array.dtype.kind == "i" else 0
    ds.PixelSpacing = [0.5, 0.5]
    for key, value in elements.items():
        setattr(ds, key, value)
    ds.PixelData = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def make_nifti(volume: np.ndarray, affine=None, gz: bool = False, version: int = 1) -> bytes:
    import gzip

    import nibabel as nib

    image_class = nib.Nifti1Image if version == 1 else nib.Nifti2Image
    img = image_class(volume, np.eye(4) if affine is None else affine)
    raw = img.to_bytes()
    return gzip.compress(raw) if gz else raw


def make_las(points: int = 50, point_format: int = 2) -> bytes:
    import laspy

    header = laspy.LasHeader(point_format=point_format, version="1.2")
    header.scales = np.array([0.01, 0.01, 0.01])
    header.offsets = np.zeros(3)
    las = laspy.LasData(header)
    las.x = np.linspace(0, 10, points)
    las.y = np.linspace(5, 6, points)
    las.z = np.arange(points) * 0.5
    las.intensity = np.arange(points, dtype=np.uint16)
    las.classification = np.full(points, 2, np.uint8)
    out = io.BytesIO()
    las.write(out)
    return out.getvalue()


TETRA_VERTICES = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], np.float32)
TETRA_FACES = [[0, 1, 2], [0, 1, 3], [0, 2, 3], [1, 2, 3]]


def make_ply(fmt: str = "binary_little_endian", vertices=TETRA_VERTICES, faces=TETRA_FACES, comment="made by test") -> bytes:
    header = [b"ply", f"format {fmt} 1.0".encode()]
    if comment:
        header.append(f"comment {comment}".encode())
    header += [f"element vertex {len(vertices)}".encode(), b"property float x", b"property float y", b"property float z"]
    if faces is not None:
        header += [f"element face {len(faces)}".encode(), b"property list uchar int vertex_indices"]
    header.append(b"end_header")
    head = b"\n".join(header) + b"\n"
    if fmt == "ascii":
        rows = [" ".join(repr(float(v)) for v in vertex) for vertex in vertices]
        rows += [" ".join(map(str, [len(f), *f])) for f in faces or []]
        return head + ("\n".join(rows) + "\n").encode()
    order = "<" if fmt == "binary_little_endian" else ">"
    body = np.asarray(vertices, dtype=order + "f4").tobytes()
    for face in faces or []:
        body += np.uint8(len(face)).tobytes() + np.asarray(face, dtype=order + "i4").tobytes()
    return head + body
