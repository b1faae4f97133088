"""S3Provider against a real S3-compatible server (moto, in-process, on loopback).

The storage contract, S3-specific behaviour (key layout, ranged GETs, batch
deletes, pagination, retries, pickling, errors naming the bucket), datasets
through the public API on s3:// paths, and interop with the reference
deeplake 3.8.22 (marked ``reference``).
"""
import json
import multiprocessing
import os
import pathlib
import pickle
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("boto3")
pytest.importorskip("moto.server")

import deeplake  # noqa: E402
from deeplake.errors import (  # noqa: E402
    ModuleNotInstalledException,
    PathNotEmptyException,
    ReadOnlyModeError,
    S3Error,
    S3GetError,
    S3ListError,
    S3SetError,
)
from deeplake.storage import s3 as s3mod  # noqa: E402
from deeplake.storage.factory import storage_provider_from_path  # noqa: E402
from deeplake.storage.s3 import S3Provider, split_s3_root  # noqa: E402
from deeplake.testing.storage_tests import StorageProviderTests  # noqa: E402

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE))
from s3_moto_helpers import BUCKET, start_moto_server, unique_path  # noqa: E402


@pytest.fixture(scope="session")
def s3_creds():
    # not stopped: its thread is a daemon, and datasets still open flush at
    # interpreter exit, which must reach the server
    _server, creds = start_moto_server()
    return creds


def raw_client(creds):
    import boto3

    return boto3.client("s3", aws_access_key_id=creds["aws_access_key_id"],
                        aws_secret_access_key=creds["aws_secret_access_key"],
                        endpoint_url=creds["endpoint_url"], region_name=creds["aws_region"])


class TestS3Provider(StorageProviderTests):
    @pytest.fixture
    def provider(self, s3_creds):
        store = S3Provider(unique_path("contract"), creds=s3_creds)
        yield store
        store.disable_readonly()

    def reopen_provider(self, provider):
        return S3Provider(provider.root, creds=provider.creds)


@pytest.fixture
def store(s3_creds):
    return S3Provider(unique_path("unit"), creds=s3_creds)


# ----------------------------------------------------------------- layout, creds
def test_root_forms():
    assert split_s3_root("s3://b/a/b/") == ("s3://b/a/b", "b", "a/b/")
    assert split_s3_root("s3://b") == ("s3://b", "b", "")
    assert split_s3_root("s3://b/") == ("s3://b", "b", "")
    with pytest.raises(ValueError):
        split_s3_root("s3://")
    with pytest.raises(ValueError):
        split_s3_root("gcs://b/x")


def test_keys_live_under_the_root_prefix(store, s3_creds):
    store["t/chunks/c0"] = b"abc"
    prefix = store.root.split("/", 3)[3]
    got = raw_client(s3_creds).get_object(Bucket=BUCKET, Key=f"{prefix}/t/chunks/c0")
    assert got["Body"].read() == b"abc"


def test_bucket_root_provider(s3_creds):
    raw_client(s3_creds).create_bucket(Bucket="whole-bucket")
    whole = S3Provider("s3://whole-bucket", creds=s3_creds)
    whole["a/b"] = b"1"
    assert whole.list() == ["a/b"]
    assert S3Provider("s3://whole-bucket/a", creds=s3_creds)["b"] == b"1"
    whole.clear()
    assert len(whole) == 0


def test_factory_opens_s3_paths(s3_creds):
    path = unique_path()
    provider = storage_provider_from_path(path, creds=s3_creds, read_only=True)
    assert isinstance(provider, S3Provider)
    assert provider.read_only and provider.root == path
    assert provider.endpoint_url == s3_creds["endpoint_url"]


def test_creds_validation():
    with pytest.raises(ValueError, match="bogus"):
        S3Provider("s3://b/x", creds={"bogus": 1})
    with pytest.raises(ValueError):
        S3Provider("s3://b/x", creds="not-env")
    assert S3Provider("s3://b/x", creds="ENV").creds == {}
    assert S3Provider("s3://b/x", creds={"region": "eu-west-1"}).aws_region == "eu-west-1"


def test_env_creds_use_the_default_chain(s3_creds, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    path = unique_path()
    S3Provider(path, creds=s3_creds)["k"] = b"v"
    env_store = S3Provider(path, creds="ENV")
    env_store.endpoint_url = s3_creds["endpoint_url"]  # the endpoint is not a credential
    assert env_store["k"] == b"v"


def test_opening_an_s3_path_imports_no_boto3():
    code = ("import sys; from deeplake.storage.factory import storage_provider_from_path as f; "
            "p = f('s3://b/x', creds={'aws_region': 'us-east-1'}); assert 'boto3' not in sys.modules; "
            "print(type(p).__name__)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "S3Provider"


def test_missing_boto3_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(ModuleNotInstalledException, match=r"deeplake\[s3\]"):
        S3Provider("s3://b/x").client


# ----------------------------------------------------------------- S3 specifics
def test_ranged_reads_send_a_range_header(store):
    store["big"] = bytes(range(256)) * 64
    sent = []
    store.client.meta.events.register(
        "before-send.s3.GetObject", lambda request, **kw: sent.append(request.headers.get("Range")))
    assert store.get_bytes("big", 10, 20) == bytes(range(10, 20))
    assert store.get_bytes("big", 16380) == bytes(range(252, 256))
    assert store["big"][:3] == b"\x00\x01\x02"
    assert sent == [b"bytes=10-19", b"bytes=16380-", None]


def test_read_into_fills_the_buffer(store):
    store["r"] = bytes(range(100))
    buf = bytearray(10)
    assert store.read_into("r", buf, 95) == 5
    assert bytes(buf[:5]) == bytes(range(95, 100))
    arr = np.zeros(4, dtype=np.uint8)
    assert store.read_into("r", arr, 0) == 4
    assert arr.tolist() == [0, 1, 2, 3]


def test_write_parts_and_get_items_many(store):
    store.write_parts("joined", [b"ab", memoryview(b"cd"), bytearray(b"ef")])
    assert store["joined"] == b"abcdef"
    keys = [f"k/{i}" for i in range(40)]
    for k in keys:
        store[k] = k.encode()
    got = store.get_items(keys + ["k/absent"])
    assert got == {k: k.encode() for k in keys}


def test_list_paginates(store, monkeypatch):
    for i in range(7):
        store[f"p/{i}"] = b"."
    monkeypatch.setattr(s3mod, "_LIST_PAGE_SIZE", 2)
    assert store.list("p") == [f"p/{i}" for i in range(7)]
    assert len(store) == 7


def test_delete_multiple_and_clear_in_batches(store, monkeypatch):
    monkeypatch.setattr(s3mod, "_DELETE_BATCH", 3)
    for i in range(8):
        store[f"d/{i}"] = b"."
        store[f"e/{i}"] = b"."
    store.delete_multiple([f"d/{i}" for i in range(7)])
    assert store.list("d") == ["d/7"]
    store.clear("e")
    assert store.list() == ["d/7"]


def test_get_object_size_and_missing(store):
    store["s"] = b"x" * 1234
    assert store.get_object_size("s") == 1234
    with pytest.raises(KeyError):
        store.get_object_size("nope")


def test_rename(store, s3_creds):
    store["a"] = b"1"
    store["b/c"] = b"2"
    target = unique_path("renamed")
    store.rename(target)
    assert store.root == target
    assert set(store) == {"a", "b/c"}
    other = S3Provider(unique_path(), creds=s3_creds)
    other["x"] = b"."
    with pytest.raises(PathNotEmptyException):
        store.rename(other.root)


def test_subdir(store):
    store["sub/a"] = b"1"
    sub = store.subdir("sub", read_only=True)
    assert sub.root == store.root + "/sub"
    assert sub["a"] == b"1"
    with pytest.raises(ReadOnlyModeError):
        sub["b"] = b"2"


def test_body_read_retries_dropped_connections(store, monkeypatch):
    from botocore.exceptions import ConnectionClosedError

    store["k"] = b"value"
    real = store.client.get_object
    failures = [ConnectionClosedError(endpoint_url="x")] * 2

    def flaky(**kwargs):
        if failures:
            raise failures.pop()
        return real(**kwargs)

    monkeypatch.setattr(store.client, "get_object", flaky)
    monkeypatch.setattr(s3mod.time, "sleep", lambda s: None)
    assert store["k"] == b"value"
    failures.extend([ConnectionClosedError(endpoint_url="x")] * 10)
    with pytest.raises(S3GetError, match=BUCKET):
        store["k"]


def test_pickles_without_the_client(store):
    store["k"] = b"v"
    assert store.client is not None
    state = store.__getstate__()
    assert "client" not in str(sorted(state))
    clone = pickle.loads(pickle.dumps(store))
    assert clone._client is None
    assert clone["k"] == b"v"
    store.enable_readonly()
    assert pickle.loads(pickle.dumps(store)).read_only


def _child_roundtrip(provider, queue):
    parent_client = provider._client
    provider["from-child"] = provider["k"] + b"!"
    got = provider.get_items(["k", "from-child"])
    queue.put("ok" if provider._client is not parent_client and len(got) == 2 else "reused")


def test_forked_worker_reconnects(store):
    store["k"] = b"v"
    store.get_items(["k", "k"])  # a live client and thread pool must not be reused in the child
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child_roundtrip, args=(store, queue))
    proc.start()
    proc.join(60)
    assert queue.get(timeout=5) == "ok"
    assert store["from-child"] == b"v!"


# ----------------------------------------------------------------- errors
def test_missing_bucket_errors_name_the_bucket(s3_creds):
    ghost = S3Provider("s3://no-such-bucket-xyz/ds", creds=s3_creds)
    with pytest.raises(S3GetError, match="no-such-bucket-xyz"):
        ghost["a"]
    with pytest.raises(S3SetError, match="no-such-bucket-xyz"):
        ghost["a"] = b"1"
    with pytest.raises(S3ListError, match="no-such-bucket-xyz"):
        ghost.list()
    with pytest.raises(S3Error, match="no-such-bucket-xyz"):
        deeplake.empty("s3://no-such-bucket-xyz/ds", creds=s3_creds)


def test_wrong_creds_errors_name_the_bucket(s3_creds):
    from moto.core.authorization import enable_iam_authentication

    bad = dict(s3_creds, aws_access_key_id="AKIAWRONGWRONGWRONG", aws_secret_access_key="nope")
    with enable_iam_authentication():
        store = S3Provider(unique_path(), creds=bad)
        with pytest.raises(S3GetError, match=f"denied.*{BUCKET}|{BUCKET}.*denied"):
            store["a"]
        with pytest.raises(S3SetError, match=BUCKET):
            store["a"] = b"1"
        with pytest.raises(S3Error, match=BUCKET):
            deeplake.load(unique_path(), creds=bad)


# ----------------------------------------------------------------- datasets
def smooth_image(h, w, shift=0):
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([(x * 4 + shift) % 256, (y * 4) % 256, ((x + y) * 2) % 256], -1).astype(np.uint8)


def make_dataset(path, creds, n=12):
    ds = deeplake.empty(path, creds=creds, overwrite=True)
    with ds:
        ds.create_tensor("images", htype="image", sample_compression="jpeg")
        ds.create_tensor("labels", htype="class_label")
        ds.create_tensor("text", htype="text")
        ds.images.extend([smooth_image(16, 24, i) for i in range(n)])
        ds.labels.extend(np.arange(n, dtype=np.uint32) % 3)
        ds.text.extend([f"sample {i}" for i in range(n)])
    return ds


def test_dataset_lifecycle_on_s3(s3_creds):
    path = unique_path("life")
    ds = make_dataset(path, s3_creds)
    first = ds.commit("first")
    ds.checkout("alt", create=True)
    ds.labels.append(2)
    ds.images.append(smooth_image(16, 24, 99))
    ds.text.append("on alt")
    ds.commit("alt commit")
    ds.checkout("main")
    assert len(ds) == 12

    assert deeplake.exists(path, creds=s3_creds)
    ro = deeplake.load(path, creds=s3_creds, read_only=True)
    assert ro.read_only and len(ro) == 12
    assert set(ro.branches) == {"main", "alt"}
    rng = np.random.default_rng(0)
    for i in rng.integers(0, 12, 6):
        assert ro.labels[int(i)].numpy().item() == i % 3
        assert ro.text[int(i)].data()["value"] == f"sample {i}"
        img = ro.images[int(i)].numpy()
        assert img.shape == (16, 24, 3)
        assert np.abs(img.astype(int) - smooth_image(16, 24, int(i))).mean() < 8
    with pytest.raises(Exception):
        ro.labels.append(1)
    alt = deeplake.load(path, creds=s3_creds, read_only=True)
    alt.checkout("alt")
    assert len(alt) == 13 and alt.text[12].data()["value"] == "on alt"
    old = deeplake.load(path, creds=s3_creds, read_only=True)
    old.checkout(first)
    assert len(old) == 12


def test_loaders_stream_from_s3(s3_creds):
    path = unique_path("loader")
    make_dataset(path, s3_creds, n=10)
    ds = deeplake.load(path, creds=s3_creds, read_only=True)
    labels = []
    for batch in ds.pytorch(tensors=["labels"], batch_size=4, num_workers=0):
        labels.extend(np.asarray(batch["labels"]).reshape(-1).tolist())
    assert labels == [i % 3 for i in range(10)]
    seen = 0
    for batch in ds.dataloader().batch(5).numpy():
        seen += len(batch["labels"])
        assert batch["images"][0].shape == (16, 24, 3)
    assert seen == 10


def test_copy_local_to_s3_and_back(s3_creds, tmp_path):
    local = deeplake.empty(str(tmp_path / "src"))
    with local:
        local.create_tensor("x", dtype="int32")
        local.create_tensor("t", htype="text")
        local.x.extend(np.arange(20, dtype=np.int32).reshape(10, 2))
        local.t.extend([str(i) for i in range(10)])
    remote = unique_path("copy")
    deeplake.copy(str(tmp_path / "src"), remote, dest_creds=s3_creds)
    on_s3 = deeplake.load(remote, creds=s3_creds, read_only=True)
    np.testing.assert_array_equal(on_s3.x.numpy(), np.arange(20).reshape(10, 2))
    deeplake.copy(remote, str(tmp_path / "back"), src_creds=s3_creds)
    back = deeplake.load(str(tmp_path / "back"))
    np.testing.assert_array_equal(back.x.numpy(), np.arange(20).reshape(10, 2))
    assert back.t[9].data()["value"] == "9"


@deeplake.compute
def _square(sample_in, sample_out):
    sample_out.x.append(np.array([sample_in * sample_in], dtype=np.int64))


def test_processed_transform_writes_to_s3(s3_creds):
    path = unique_path("transform")
    ds = deeplake.empty(path, creds=s3_creds)
    ds.create_tensor("x", dtype="int64")
    _square().eval(list(range(16)), ds, num_workers=2, scheduler="processed", progressbar=False)
    reloaded = deeplake.load(path, creds=s3_creds, read_only=True)
    assert reloaded.x.numpy().reshape(-1).tolist() == [i * i for i in range(16)]


def test_vector_store_on_s3(s3_creds):
    path = unique_path("vs")
    vs = deeplake.VectorStore(path, creds=s3_creds, verbose=False)
    emb = np.eye(4, 8, dtype=np.float32)
    vs.add(text=["a", "b", "c", "d"], embedding=list(emb), metadata=[{"i": i} for i in range(4)])
    found = vs.search(embedding=emb[2], k=1, exec_option="python")
    assert found["text"] == ["c"]
    again = deeplake.VectorStore(path, creds=s3_creds, read_only=True, verbose=False)
    assert len(again) == 4
    deeplake.VectorStore.delete_by_path(path, creds=s3_creds, force=True)
    assert not deeplake.exists(path, creds=s3_creds)


# ----------------------------------------------------------------- interop
def reference_python():
    env = os.environ.get("DEEPLAKE_REFERENCE_PYTHON")
    candidates = [env] if env else []
    candidates += [str(HERE.parent.parent / ".refvenv" / "bin" / "python"), "/work/refvenv/venv/bin/python"]
    return next((c for c in candidates if c and os.path.exists(c)), None)


REF_SCRIPT = r"""
import json, sys
import numpy as np
import deeplake
creds, ours, theirs = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
ds = deeplake.load(ours, creds=creds, read_only=True)
out = {"len": len(ds), "labels": ds.labels.numpy().reshape(-1).tolist(),
       "text": [ds.text[i].data()["value"] for i in range(len(ds))],
       "image_sums": [int(ds.images[i].numpy().astype(np.int64).sum()) for i in range(len(ds))],
       "branches": sorted(ds.branches)}
w = deeplake.empty(theirs, creds=creds, overwrite=True, verbose=False)
with w:
    w.create_tensor("v", dtype="float32")
    w.create_tensor("t", htype="text")
    w.v.extend(np.arange(30, dtype=np.float32).reshape(10, 3))
    w.t.extend(["r%d" % i for i in range(10)])
w.commit("ref")
print("JSON" + json.dumps(out))
"""


@pytest.mark.reference
def test_reference_interop_over_s3(s3_creds):
    ref_py = reference_python()
    if ref_py is None:
        pytest.skip("no reference deeplake: set DEEPLAKE_REFERENCE_PYTHON or create the side venv")
    probe = subprocess.run([ref_py, "-c", "import boto3"], capture_output=True)
    if probe.returncode:
        pytest.skip("the reference venv has no boto3")
    ours, theirs = unique_path("ours"), unique_path("theirs")
    ds = make_dataset(ours, s3_creds, n=6)
    ds.commit("ours")
    ds.checkout("b2", create=True)
    env = dict(os.environ, DEEPLAKE_DISABLE_VERSION_CHECK="1", BUGGER_OFF="true", PYTHONWARNINGS="ignore")
    proc = subprocess.run([ref_py, "-c", REF_SCRIPT, json.dumps(s3_creds), ours, theirs],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(l for l in proc.stdout.splitlines() if l.startswith("JSON"))
    got = json.loads(line[4:])
    mine = deeplake.load(ours, creds=s3_creds, read_only=True)
    assert got["len"] == 6
    assert got["labels"] == [i % 3 for i in range(6)]
    assert got["text"] == [f"sample {i}" for i in range(6)]
    assert got["branches"] == ["b2", "main"]
    assert got["image_sums"] == [int(mine.images[i].numpy().astype(np.int64).sum()) for i in range(6)]
    ref_ds = deeplake.load(theirs, creds=s3_creds, read_only=True)
    np.testing.assert_array_equal(ref_ds.v.numpy(), np.arange(30, dtype=np.float32).reshape(10, 3))
    assert [ref_ds.t[i].data()["value"] for i in range(10)] == [f"r{i}" for i in range(10)]
    assert len(ref_ds.commits) >= 1
