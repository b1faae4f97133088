"""GCSProvider against a real GCS-compatible server (gcp-storage-emulator, in-process, on loopback).

The storage contract, GCS-specific behaviour (schemes, key layout, creds forms,
ranged reads, batch deletes, pagination, pickling, fork safety, errors naming
the bucket) and datasets through the public API on gcs:// and gs:// paths.
"""
import json
import multiprocessing
import pathlib
import pickle
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("google.cloud.storage")
pytest.importorskip("gcp_storage_emulator.server")

import deeplake  # noqa: E402
from deeplake.errors import (  # noqa: E402
    GCSDefaultCredsNotFound,
    ModuleNotInstalledException,
    PathNotEmptyException,
    ReadOnlyModeError,
    S3Error,
    S3ListError,
    S3SetError,
)
from deeplake.storage import gcs as gcsmod  # noqa: E402
from deeplake.storage.factory import storage_provider_from_path  # noqa: E402
from deeplake.storage.gcs import GCSProvider, split_gcs_root  # noqa: E402
from deeplake.testing.storage_tests import StorageProviderTests  # noqa: E402

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE))
from gcs_emulator_helpers import GCS_BUCKET, start_gcs_emulator, unique_gcs_path  # noqa: E402


@pytest.fixture(scope="session")
def gcs_creds():
    # not stopped: its thread is a daemon, and datasets still open flush at exit
    _server, creds = start_gcs_emulator()
    return creds


def raw_bucket(creds, name=GCS_BUCKET):
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    client = storage.Client(project="test", credentials=AnonymousCredentials(),
                            client_options=ClientOptions(api_endpoint=creds["endpoint_url"]))
    return client, client.bucket(name)


class TestGCSProvider(StorageProviderTests):
    @pytest.fixture
    def provider(self, gcs_creds):
        store = GCSProvider(unique_gcs_path("contract"), creds=gcs_creds)
        yield store
        store.disable_readonly()

    def reopen_provider(self, provider):
        return GCSProvider(provider.root, creds=provider.creds)


@pytest.fixture
def store(gcs_creds):
    return GCSProvider(unique_gcs_path("unit"), creds=gcs_creds)


# ----------------------------------------------------------------- layout, creds
def test_root_forms():
    assert split_gcs_root("gcs://b/a/b/") == ("gcs://b/a/b", "b", "a/b/")
    assert split_gcs_root("gs://b") == ("gs://b", "b", "")
    assert split_gcs_root("GCP://b/") == ("gcp://b", "b", "")
    for bad in ("gcs://", "s3://b/x", "b/x"):
        with pytest.raises(ValueError):
            split_gcs_root(bad)


@pytest.mark.parametrize("scheme", ["gcs", "gs", "gcp"])
def test_factory_opens_every_scheme(gcs_creds, scheme):
    path = unique_gcs_path(scheme=scheme)
    provider = storage_provider_from_path(path, creds=gcs_creds)
    assert isinstance(provider, GCSProvider)
    assert provider.root == path and provider.endpoint_url == gcs_creds["endpoint_url"]
    provider["k"] = b"v"
    ro = storage_provider_from_path(path.replace(f"{scheme}://", "gs://"), creds=gcs_creds,
                                    read_only=True)
    assert ro.read_only and ro["k"] == b"v"


def test_keys_live_under_the_root_prefix(store, gcs_creds):
    store["t/chunks/c0"] = b"abc"
    prefix = store.root.split("/", 3)[3]
    _, bucket = raw_bucket(gcs_creds)
    assert bucket.blob(f"{prefix}/t/chunks/c0").download_as_bytes() == b"abc"


def test_bucket_root_provider(gcs_creds):
    client, _ = raw_bucket(gcs_creds)
    client.create_bucket("gcs-whole-bucket")
    whole = GCSProvider("gs://gcs-whole-bucket", creds=gcs_creds)
    whole["a/b"] = b"1"
    assert whole.list() == ["a/b"]
    assert GCSProvider("gs://gcs-whole-bucket/a", creds=gcs_creds)["b"] == b"1"
    whole.clear()
    assert len(whole) == 0


def test_creds_forms(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="bogus"):
        GCSProvider("gcs://b/x", creds={"bogus": 1})
    with pytest.raises(ValueError):
        GCSProvider("gcs://b/x", creds=42)
    with pytest.raises(FileNotFoundError):
        GCSProvider("gcs://b/x", creds=str(tmp_path / "missing.json"))
    for interactive in ("browser", "cache"):
        with pytest.raises(GCSDefaultCredsNotFound, match="offline"):
            GCSProvider("gcs://b/x", creds=interactive)
        with pytest.raises(GCSDefaultCredsNotFound):
            GCSProvider("gcs://b/x", creds={"token": interactive})
    from google.auth.credentials import AnonymousCredentials

    assert isinstance(GCSProvider("gcs://b/x", creds="anon")._credentials()[0], AnonymousCredentials)
    assert isinstance(GCSProvider("gcs://b/x", creds={"anon": True})._credentials()[0],
                      AnonymousCredentials)
    # no default credentials on this machine: a clear, GCS-specific error
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")
    monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
    from google.auth.compute_engine import _metadata

    monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", True)  # read at import; skips a slow probe
    for default in (None, "ENV", {}):
        with pytest.raises(GCSDefaultCredsNotFound, match="'b'"):
            GCSProvider("gcs://b/x", creds=default).client


def _service_account_info():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return {"type": "service_account", "project_id": "proj-x", "private_key_id": "k1",
            "private_key": pem, "client_email": "sa@proj-x.iam.gserviceaccount.com",
            "client_id": "1", "token_uri": "https://oauth2.googleapis.com/token"}


def test_service_account_dict_and_file(tmp_path):
    pytest.importorskip("cryptography")
    from google.oauth2 import service_account

    info = _service_account_info()
    as_dict = GCSProvider("gcs://b/x", creds=info)
    creds, project = as_dict._credentials()
    assert isinstance(creds, service_account.Credentials) and project == "proj-x"
    assert creds.service_account_email == info["client_email"]
    with_options = GCSProvider("gcs://b/x", creds=dict(info, project="other"))
    assert with_options.project == "other"
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(info))
    for creds_form in (str(key_file), {"token": str(key_file)}):
        creds, project = GCSProvider("gcs://b/x", creds=creds_form)._credentials()
        assert isinstance(creds, service_account.Credentials) and project == "proj-x"


def test_opening_a_gcs_path_imports_no_google():
    code = ("import sys; from deeplake.storage.factory import storage_provider_from_path as f; "
            "p = f('gs://b/x', creds={'endpoint_url': 'http://127.0.0.1:9'}); "
            "assert 'google.cloud.storage' not in sys.modules; print(type(p).__name__)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "GCSProvider"


def test_missing_client_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "google.cloud.storage", None)
    with pytest.raises(ModuleNotInstalledException, match=r"deeplake\[gcp\]"):
        GCSProvider("gcs://b/x", creds="anon").client


# ----------------------------------------------------------------- GCS specifics
def test_ranged_reads(store):
    store["big"] = bytes(range(256)) * 64
    assert store.get_bytes("big", 10, 20) == bytes(range(10, 20))
    assert store.get_bytes("big", 16380) == bytes(range(252, 256))
    assert store.get_bytes("big", None, 3) == b"\x00\x01\x02"
    assert store.get_bytes("big", 20000) == b""
    with pytest.raises(KeyError):
        store.get_bytes("absent", 0, 4)


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
    keys = [f"k/{i}" for i in range(24)]
    for k in keys:
        store[k] = k.encode()
    assert store.get_items(keys + ["k/absent"]) == {k: k.encode() for k in keys}


def test_list_paginates(store, monkeypatch):
    for i in range(7):
        store[f"p/{i}"] = b"."
    monkeypatch.setattr(gcsmod, "_LIST_PAGE_SIZE", 2)
    assert store.list("p") == [f"p/{i}" for i in range(7)]
    assert len(store) == 7


def test_delete_multiple_and_clear_in_batches(store, monkeypatch):
    monkeypatch.setattr(gcsmod, "_DELETE_BATCH", 3)
    for i in range(8):
        store[f"d/{i}"] = b"."
        store[f"e/{i}"] = b"."
    store.delete_multiple([f"d/{i}" for i in range(7)] + ["d/absent"])
    assert store.list("d") == ["d/7"]
    store.clear("e")
    assert store.list() == ["d/7"]
    with pytest.raises(KeyError):
        del store["d/absent"]


def test_get_object_size_and_missing(store):
    store["s"] = b"x" * 1234
    assert store.get_object_size("s") == 1234
    with pytest.raises(KeyError):
        store.get_object_size("nope")


def test_rename(store, gcs_creds):
    store["a"] = b"1"
    store["b/c"] = b"2"
    target = unique_gcs_path("renamed")
    store.rename(target)
    assert store.root == target
    assert set(store) == {"a", "b/c"}
    other = GCSProvider(unique_gcs_path(), creds=gcs_creds)
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


def test_pickles_without_the_client(store):
    store["k"] = b"v"
    assert store.client is not None
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
def test_missing_bucket_errors_name_the_bucket(gcs_creds):
    ghost = GCSProvider("gcs://no-such-gcs-bucket/ds", creds=gcs_creds)
    with pytest.raises(S3SetError, match="no-such-gcs-bucket"):
        ghost["a"] = b"1"
    with pytest.raises(S3ListError, match="no-such-gcs-bucket"):
        ghost.list()
    with pytest.raises(S3Error, match="no-such-gcs-bucket"):
        deeplake.empty("gcs://no-such-gcs-bucket/ds", creds=gcs_creds)


def test_unreachable_endpoint_names_the_bucket(monkeypatch):
    from gcs_emulator_helpers import free_port

    monkeypatch.setattr(gcsmod, "_RETRY_SECONDS", 0.5)

    dead = GCSProvider("gcs://somebucket/ds",
                       creds={"endpoint_url": f"http://127.0.0.1:{free_port()}"})
    with pytest.raises(S3Error, match="somebucket"):
        dead.list()


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


@pytest.mark.parametrize("scheme", ["gcs", "gs"])
def test_dataset_lifecycle_on_gcs(gcs_creds, scheme):
    path = unique_gcs_path("life", scheme=scheme)
    ds = make_dataset(path, gcs_creds)
    first = ds.commit("first")
    ds.checkout("alt", create=True)
    ds.labels.append(2)
    ds.text.append("on alt")
    ds.images.append(smooth_image(16, 24, 99))
    ds.commit("alt commit")
    ds.checkout("main")
    assert len(ds) == 12

    assert deeplake.exists(path, creds=gcs_creds)
    ro = deeplake.load(path, creds=gcs_creds, read_only=True)
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
    alt = deeplake.load(path, creds=gcs_creds, read_only=True)
    alt.checkout("alt")
    assert len(alt) == 13 and alt.text[12].data()["value"] == "on alt"
    old = deeplake.load(path, creds=gcs_creds, read_only=True)
    old.checkout(first)
    assert len(old) == 12


def test_pytorch_streams_from_gcs(gcs_creds):
    path = unique_gcs_path("loader")
    make_dataset(path, gcs_creds, n=10)
    ds = deeplake.load(path, creds=gcs_creds, read_only=True)
    labels = []
    for batch in ds.pytorch(tensors=["labels"], batch_size=4, num_workers=0):
        labels.extend(np.asarray(batch["labels"]).reshape(-1).tolist())
    assert labels == [i % 3 for i in range(10)]


def test_copy_local_to_gcs_and_back(gcs_creds, tmp_path):
    local = deeplake.empty(str(tmp_path / "src"))
    with local:
        local.create_tensor("x", dtype="int32")
        local.x.extend(np.arange(20, dtype=np.int32).reshape(10, 2))
    remote = unique_gcs_path("copy", scheme="gs")
    deeplake.copy(str(tmp_path / "src"), remote, dest_creds=gcs_creds)
    on_gcs = deeplake.load(remote, creds=gcs_creds, read_only=True)
    np.testing.assert_array_equal(on_gcs.x.numpy(), np.arange(20).reshape(10, 2))
    deeplake.copy(remote, str(tmp_path / "back"), src_creds=gcs_creds)
    np.testing.assert_array_equal(deeplake.load(str(tmp_path / "back")).x.numpy(),
                                  np.arange(20).reshape(10, 2))


def test_batch_deletes_do_not_capture_concurrent_reads(store):
    from concurrent.futures import ThreadPoolExecutor

    store["keep"] = b"kept"
    for i in range(30):
        store[f"gone/{i}"] = b"."
    with ThreadPoolExecutor(4) as pool:
        reads = [pool.submit(lambda: store["keep"]) for _ in range(20)]
        store.delete_multiple([f"gone/{i}" for i in range(30)])
        assert all(r.result() == b"kept" for r in reads)
    assert store.list() == ["keep"]
