"""Crash-safe flushes: a redo journal for the files one flush replaces.

A flush changes several files (encoders, tensor metas, the dataset meta, the
version info...). Each file is replaced atomically, but a writer killed
between two of them would leave tensors of different lengths or a meta that
points at data never written. So a flush that replaces more than one
existing file first writes every new value into one journal file (itself
written atomically), then applies them, then deletes the journal. Whoever
opens the dataset next and finds a journal whose writer is gone replays it:
the dataset is then exactly as that flush left it, never half of it.

New chunk files need no journal: nothing refers to them until the metadata
lands. A chunk that only grew keeps its old samples at the same offsets, so
it is written in place too. The journal is not part of the v3 format; the
reference ignores the file.
"""

from __future__ import annotations

import os
import socket
import struct
import time
import zlib
from typing import Dict, Iterable, List, Optional, Tuple

JOURNAL_KEY = "dataset_flush_journal"
_MAGIC = b"DLJ1"
_HEADER = struct.Struct("<4sIQ")  # magic, entry count, writer pid
_ENTRY = struct.Struct("<IQ")  # key length, value length
_WAIT_FOR_LIVE_WRITER_S = 10.0


def encode_journal(entries: List[Tuple[str, bytes]]) -> bytes:
    host = socket.gethostname().encode()
    parts = [_HEADER.pack(_MAGIC, len(entries), os.getpid()), struct.pack("<H", len(host)), host]
    for key, value in entries:
        k = key.encode()
        parts += [_ENTRY.pack(len(k), len(value)), k, value]
    body = b"".join(bytes(p) if isinstance(p, memoryview) else p for p in parts)
    return body + struct.pack("<I", zlib.crc32(body))


def decode_journal(buf: bytes) -> Optional[Tuple[int, str, List[Tuple[str, bytes]]]]:
    """(writer pid, writer host, entries), or None when the journal is damaged."""
    buf = bytes(buf)
    if len(buf) < _HEADER.size + 6 or buf[:4] != _MAGIC:
        return None
    body, (crc,) = buf[:-4], struct.unpack("<I", buf[-4:])
    if zlib.crc32(body) != crc:
        return None
    _, count, pid = _HEADER.unpack_from(body, 0)
    off = _HEADER.size
    (hlen,) = struct.unpack_from("<H", body, off)
    host = body[off + 2 : off + 2 + hlen].decode(errors="replace")
    off += 2 + hlen
    entries = []
    for _ in range(count):
        klen, vlen = _ENTRY.unpack_from(body, off)
        off += _ENTRY.size
        key = body[off : off + klen].decode()
        off += klen
        entries.append((key, body[off : off + vlen]))
        off += vlen
    return pid, host, entries


def is_chunk_key(key: str) -> bool:
    return key.startswith("chunks/") or "/chunks/" in key


def needs_journal(key: str, value, exists_below) -> bool:
    """Whether replacing ``key`` must go through the journal."""
    if is_chunk_key(key):
        # grown-only chunks keep old samples where they were
        return not getattr(value, "grown_only", False) and exists_below(key)
    return True


def write_journaled(storage, entries: Iterable[Tuple[str, bytes]]) -> None:
    """Apply ``entries`` to ``storage`` so that all land or none do."""
    entries = list(entries)
    if len(entries) <= 1:
        for key, value in entries:
            storage[key] = value
        return
    storage[JOURNAL_KEY] = encode_journal(entries)
    for key, value in entries:
        storage[key] = value
    del storage[JOURNAL_KEY]


def _writer_alive(pid: int, host: str) -> bool:
    if host != socket.gethostname():
        return False
    if pid == os.getpid():
        return False
    from deeplake.storage.lock import pid_alive

    return pid_alive(pid)


def recover(storage) -> bool:
    """Finish a flush interrupted by a dead writer. True if one was replayed.

    When the journal's writer is alive it is applying it right now: wait for
    it. A damaged journal means the writer died while writing the journal
    itself, before touching any file: it is dropped.
    """
    try:
        raw = storage[JOURNAL_KEY]
    except KeyError:
        return False
    decoded = decode_journal(raw)
    if decoded is not None:
        pid, host, _ = decoded
        deadline = time.monotonic() + _WAIT_FOR_LIVE_WRITER_S
        while _writer_alive(pid, host) and time.monotonic() < deadline:
            time.sleep(0.01)
            try:
                raw = storage[JOURNAL_KEY]
            except KeyError:
                return False
            decoded = decode_journal(raw)
            if decoded is None:
                break
            pid, host, _ = decoded
    was_read_only = storage.read_only
    storage.disable_readonly()
    try:
        if decoded is not None:
            for key, value in decoded[2]:
                storage[key] = value
        try:
            del storage[JOURNAL_KEY]
        except KeyError:
            pass
    finally:
        if was_read_only:
            storage.enable_readonly()
    return decoded is not None
