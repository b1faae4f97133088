import os
import struct
import subprocess
import sys
import textwrap
import threading
import time
import uuid

import pytest

from deeplake.constants import FIRST_COMMIT_ID
from deeplake.errors import LockedException
from deeplake.storage import LocalProvider, LRUCache, MemoryProvider
from deeplake.storage.lock import (
    DATASET_LOCK_KEY,
    RECORD_SIZE,
    Lock,
    dataset_lock_key,
    decode_lock_record,
    encode_lock_record,
    lock_dataset,
    pid_alive,
    unlock_dataset,
)

NODE = uuid.getnode()


def test_record_layout_matches_format_doc():
    # the record FORMAT.md section 1.9 shows, captured from the reference
    raw = bytes.fromhex("01000000fc02" "ab587b3f27c1da41" "01380000")
    record = decode_lock_record(raw)
    assert record.node == 0x02FC00000001
    assert record.pid == 0x3801 == 14337
    assert record.expiry == pytest.approx(1.7955e9, rel=1e-3)
    assert encode_lock_record(record.node, record.expiry, record.pid) == raw
    assert RECORD_SIZE == 18


def test_record_round_trip_and_fields():
    raw = encode_lock_record(0xABCDEF123456, 1234.5, 4242)
    assert len(raw) == 18
    assert raw[:6] == (0xABCDEF123456).to_bytes(6, "little")
    assert struct.unpack("<d", raw[6:14])[0] == 1234.5
    assert int.from_bytes(raw[14:], "little") == 4242
    assert decode_lock_record(raw) == (0xABCDEF123456, 1234.5, 4242)


def test_record_without_tag_and_short_record():
    record = decode_lock_record(encode_lock_record(7, 9.0, 1)[:14])
    assert record.pid is None and record.node == 7
    with pytest.raises(ValueError):
        decode_lock_record(b"\x00" * 13)


def test_acquire_writes_our_record_and_release_deletes_it(tmp_path):
    storage = LocalProvider(tmp_path)
    lock = Lock(storage, DATASET_LOCK_KEY, refresh=False)
    before = time.time()
    lock.acquire()
    record = decode_lock_record(storage[DATASET_LOCK_KEY])
    assert record.node == NODE and record.pid == os.getpid()
    assert before + 299 < record.expiry < time.time() + 301
    lock.acquire()  # idempotent
    lock.release()
    assert DATASET_LOCK_KEY not in storage
    lock.release()  # idempotent


def test_lock_bypasses_caches_and_read_only_mode(tmp_path):
    base = LocalProvider(tmp_path)
    cache = LRUCache(MemoryProvider(), base, 1000)
    cache.enable_readonly()
    with Lock(cache, "queries.lock", duration=10, refresh=False) as lock:
        assert lock.storage is base
        assert "queries.lock" in base
        assert base.read_only
    assert "queries.lock" not in base


def test_expired_lock_of_another_machine_is_taken(tmp_path):
    storage = LocalProvider(tmp_path)
    storage[DATASET_LOCK_KEY] = encode_lock_record(NODE ^ 1, time.time() - 1, 99)
    lock = Lock(storage, DATASET_LOCK_KEY, refresh=False)
    lock.acquire()
    assert decode_lock_record(storage[DATASET_LOCK_KEY]).node == NODE
    lock.release()


def test_live_lock_of_another_machine_blocks(tmp_path):
    storage = LocalProvider(tmp_path)
    storage[DATASET_LOCK_KEY] = encode_lock_record(NODE ^ 1, time.time() + 60, 1)
    lock = Lock(storage, DATASET_LOCK_KEY, refresh=False)
    start = time.monotonic()
    with pytest.raises(LockedException):
        lock.acquire(timeout=0.2)
    assert 0.2 <= time.monotonic() - start < 2
    assert decode_lock_record(storage[DATASET_LOCK_KEY]).node == NODE ^ 1


def test_corrupt_lock_file_is_overwritten(tmp_path):
    storage = LocalProvider(tmp_path)
    storage[DATASET_LOCK_KEY] = b"junk"
    with Lock(storage, DATASET_LOCK_KEY, refresh=False):
        assert decode_lock_record(storage[DATASET_LOCK_KEY]).pid == os.getpid()


HOLDER = textwrap.dedent(
    """
    import os, sys
    from deeplake.storage import LocalProvider
    from deeplake.storage.lock import Lock
    lock = Lock(LocalProvider(sys.argv[1]), "dataset_lock.lock")
    lock.acquire()
    print("locked", flush=True)
    if sys.argv[2] == "die":
        os._exit(0)  # no release, no atexit: the lock file stays behind
    sys.stdin.read()  # hold until the parent closes our stdin
    lock.release()
    print("released", flush=True)
    """
)


def spawn_holder(root, mode):
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(root), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_lock_held_by_another_live_process_raises(tmp_path):
    proc = spawn_holder(tmp_path, "hold")
    try:
        storage = LocalProvider(tmp_path)
        record = decode_lock_record(storage[DATASET_LOCK_KEY])
        assert record.pid == proc.pid and record.node == NODE
        with pytest.raises(LockedException):
            Lock(storage, DATASET_LOCK_KEY, refresh=False).acquire(timeout=0)
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    assert DATASET_LOCK_KEY not in LocalProvider(tmp_path)


def test_waiting_acquire_gets_the_lock_once_released(tmp_path):
    proc = spawn_holder(tmp_path, "hold")
    storage = LocalProvider(tmp_path)
    lock = Lock(storage, DATASET_LOCK_KEY, refresh=False)
    timer = threading.Timer(0.3, proc.stdin.close)
    timer.start()
    try:
        lock.acquire(timeout=20)
        assert decode_lock_record(storage[DATASET_LOCK_KEY]).pid == os.getpid()
    finally:
        timer.join()
        proc.wait(timeout=30)
        lock.release()


def test_lock_of_a_dead_process_on_this_machine_is_taken_at_once(tmp_path):
    proc = spawn_holder(tmp_path, "die")
    proc.wait(timeout=30)
    storage = LocalProvider(tmp_path)
    record = decode_lock_record(storage[DATASET_LOCK_KEY])
    assert record.pid == proc.pid and record.expiry > time.time() + 200
    assert not pid_alive(proc.pid)
    lock = Lock(storage, DATASET_LOCK_KEY, refresh=False)
    lock.acquire(timeout=0)
    assert decode_lock_record(storage[DATASET_LOCK_KEY]).pid == os.getpid()
    lock.release()


def test_pid_alive():
    assert pid_alive(os.getpid())
    assert pid_alive(0)  # unknown: assume alive


def test_refresh_thread_extends_expiry(tmp_path):
    storage = LocalProvider(tmp_path)
    lock = Lock(storage, "x.lock", duration=5, refresh_interval=0.05)
    lock.acquire()
    first = decode_lock_record(storage["x.lock"]).expiry
    time.sleep(0.3)
    assert decode_lock_record(storage["x.lock"]).expiry > first
    lock.release()
    assert "x.lock" not in storage
    assert lock._thread is None


def test_lost_lock_calls_back(tmp_path):
    storage = LocalProvider(tmp_path)
    lost = threading.Event()
    lock = Lock(storage, "x.lock", duration=5, refresh_interval=0.05, lock_lost_callback=lost.set)
    lock.acquire()
    storage["x.lock"] = encode_lock_record(NODE ^ 1, time.time() + 60, 1)
    assert lost.wait(5)
    assert not lock.acquired
    lock.release()
    assert "x.lock" in storage  # someone else's record is left alone


def test_default_refresh_interval_is_120s_for_dataset_lock():
    lock = Lock(MemoryProvider(), DATASET_LOCK_KEY)
    assert lock.duration == 300 and lock.refresh_interval == 120


def test_dataset_lock_keys():
    assert dataset_lock_key() == "dataset_lock.lock"
    assert dataset_lock_key(FIRST_COMMIT_ID) == "dataset_lock.lock"
    assert dataset_lock_key("abc") == "versions/abc/dataset_lock.lock"


def test_lock_dataset_is_shared_by_owners(tmp_path):
    storage = LocalProvider(tmp_path)
    owner_a, owner_b = object(), object()
    lock_a = lock_dataset(storage, owner=owner_a)
    lock_b = lock_dataset(LocalProvider(tmp_path), owner=owner_b)
    assert lock_a is lock_b and lock_a.acquired
    unlock_dataset(storage, owner=owner_a)
    assert DATASET_LOCK_KEY in storage
    unlock_dataset(storage, owner=owner_b)
    assert DATASET_LOCK_KEY not in storage
    unlock_dataset(storage, owner=owner_b)  # no-op


def test_lock_dataset_version_key_and_conflict(tmp_path):
    storage = LocalProvider(tmp_path)
    storage["versions/v1/dataset_lock.lock"] = encode_lock_record(NODE ^ 1, time.time() + 60, 1)
    with pytest.raises(LockedException):
        lock_dataset(storage, version="v1")
    lock = lock_dataset(storage, version="v2")
    assert "versions/v2/dataset_lock.lock" in storage
    unlock_dataset(storage, version="v2")
    assert not lock.acquired
