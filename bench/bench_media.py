#!/usr/bin/env python3
"""Media codec benchmarks: what seeking and header-only reads save.

* video: a 640x360 H.264 mp4 (300 frames, 30 fps, keyframe every 30 frames),
  made here with PyAV. Full decode against frame-range decodes (10 frames at
  the end, 10 in the middle, every 30th frame) and against packet-only
  timestamps; the range decodes must equal slices of the full decode.
* images: 500 224x224 JPEGs (gradient + noise, ~13 KB each) and 20 2048x2048
  PNGs: header-only shape reads against full decodes.
* audio: a 60 s stereo 44.1 kHz wav: header shape against full decode.

Single process, single thread for the codecs' Python side (FFmpeg may use its
own threads for H.264). Everything is generated in memory; nothing is written.

    .venv/bin/python bench/bench_media.py            # about 30 s
    .venv/bin/python bench/bench_media.py --quick    # smaller inputs
"""
import argparse
import io
import time
import wave

import numpy as np

import deeplake.compression as C


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def make_mp4(frames, width=640, height=360, fps=30, gop=30):
    import av

    out = io.BytesIO()
    container = av.open(out, "w", format="mp4")
    stream = container.add_stream("libx264", rate=fps)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.codec_context.gop_size = gop
    stream.options = {"preset": "veryfast", "crf": "23", "sc_threshold": "0"}
    rng = np.random.default_rng(0)
    base = np.linspace(0, 255, width, dtype=np.float32)[None, :, None]
    for i in range(frames):
        frame = (base + 3 * i + rng.normal(0, 8, (height, width, 3))).clip(0, 255).astype(np.uint8)
        for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return out.getvalue()


def make_images(n, size, fmt, quality=None):
    from PIL import Image

    rng = np.random.default_rng(1)
    ramp = np.linspace(0, 200, size, dtype=np.float32)
    out = []
    for _ in range(n):
        pixels = (ramp[None, :, None] + ramp[:, None, None] * 0.2 + rng.normal(0, 12, (size, size, 3)))
        img = Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
        buf = io.BytesIO()
        img.save(buf, fmt, **({"quality": quality} if quality else {}))
        out.append(buf.getvalue())
    return out


def make_wav(seconds, rate=44100):
    t = np.arange(int(seconds * rate)) / rate
    pcm = (np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 660 * t)], 1) * 12000).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return out.getvalue()


def bench_video(frames):
    buf = make_mp4(frames)
    full_t = best_of(lambda: C.decompress_array(buf, "mp4"), repeat=2)
    full = C.decompress_array(buf, "mp4")
    rows = [("video", f"full decode, {frames} frames of 640x360", full_t, frames / full_t, "1.0x")]
    cases = [
        ("last 10 frames", slice(frames - 10, frames)),
        ("10 middle frames", slice(frames // 2 + 5, frames // 2 + 15)),
        ("every 30th frame", slice(None, None, 30)),
    ]
    for name, sl in cases:
        part = C.decompress_array(buf, "mp4", start=sl.start, stop=sl.stop, step=sl.step)
        assert np.array_equal(part, full[sl]), name
        t = best_of(lambda: C.decompress_array(buf, "mp4", start=sl.start, stop=sl.stop, step=sl.step))
        rows.append(("video", f"range decode, {name} ({len(part)} frames)", t, len(part) / t, f"{full_t / t:.1f}x"))
    t = best_of(lambda: C.video_timestamps(buf, "mp4"))
    rows.append(("video", f"timestamps of all {frames} frames (no decode)", t, frames / t, f"{full_t / t:.0f}x"))
    t = best_of(lambda: C.read_shape_from_bytes(buf, "mp4"))
    rows.append(("video", "header shape", t, 1 / t, f"{full_t / t:.0f}x"))
    return rows, len(buf)


def bench_images(n_jpeg, n_png):
    rows = []
    for fmt, bufs, name in (
        ("jpeg", make_images(n_jpeg, 224, "JPEG", 75), "224x224 jpeg"),
        ("png", make_images(n_png, 2048, "PNG"), "2048x2048 png"),
    ):
        decode_t = best_of(lambda: [C.decompress_array(b, fmt) for b in bufs])
        header_t = best_of(lambda: [C.read_shape_from_bytes(b, fmt) for b in bufs])
        assert all(C.read_shape_from_bytes(b, fmt) == C.decompress_array(b, fmt).shape for b in bufs[:5])
        kb = sum(map(len, bufs)) / len(bufs) / 1e3
        rows.append(("image", f"full decode, {len(bufs)} x {name} (~{kb:.0f} KB)", decode_t, len(bufs) / decode_t, "1.0x"))
        rows.append(("image", f"header shape, {len(bufs)} x {name}", header_t, len(bufs) / header_t, f"{decode_t / header_t:.0f}x"))
    return rows


def bench_audio(seconds):
    buf = make_wav(seconds)
    decode_t = best_of(lambda: C.decompress_array(buf, "wav"))
    header_t = best_of(lambda: C.read_shape_from_bytes(buf, "wav"))
    return [
        ("audio", f"full decode, {seconds} s stereo 44.1 kHz wav", decode_t, seconds / decode_t, "1.0x"),
        ("audio", "header shape", header_t, 1 / header_t, f"{decode_t / header_t:.0f}x"),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller inputs")
    args = parser.parse_args()
    frames, n_jpeg, n_png, seconds = (90, 100, 2, 10) if args.quick else (300, 500, 6, 60)
    video_rows, video_bytes = bench_video(frames)
    rows = video_rows + bench_images(n_jpeg, n_png) + bench_audio(seconds)
    print(f"video file: {video_bytes / 1e6:.2f} MB\n")
    print("| family | operation | time | rate (items/s) | speed-up vs full decode |")
    print("|---|---|---:|---:|---:|")
    for family, operation, seconds_taken, rate, ratio in rows:
        print(f"| {family} | {operation} | {seconds_taken * 1e3:.1f} ms | {rate:,.0f} | {ratio} |")


if __name__ == "__main__":
    main()
