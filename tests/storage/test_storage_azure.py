"""AzureProvider against Azurite (Microsoft's blob emulator, from npm) on loopback.

The storage contract, Azure-specific behaviour (schemes, key layout, creds
forms, ranged reads, batch deletes, pagination, pickling, fork safety, errors
naming the container) and datasets through the public API on az:// and
azure:// paths. Skips when node/npm or the Azurite install are unavailable.
"""
import multiprocessing
import pathlib
import pickle
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("azure.storage.blob")

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
from deeplake.storage import azure as azmod  # noqa: E402
from deeplake.storage.azure import AzureProvider, split_azure_root  # noqa: E402
from deeplake.storage.factory import storage_provider_from_path  # noqa: E402
from deeplake.testing.storage_tests import StorageProviderTests  # noqa: E402

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE))
from azurite_helpers import (  # noqa: E402
    ACCOUNT,
    ACCOUNT_KEY,
    CONTAINER,
    AzuriteUnavailable,
    container_client,
    free_port,
    start_azurite,
    stop_azurite,
    unique_az_path,
)


@pytest.fixture(scope="session")
def az_creds():
    try:
        proc, workdir, creds = start_azurite()
    except AzuriteUnavailable as err:
        pytest.skip(f"Azurite emulator unavailable: {err}")
    yield creds
    _release_azure_locks()
    stop_azurite(proc, workdir)


def _release_azure_locks():
    # a dataset lock still held would be released at interpreter exit, against a
    # stopped emulator, and each request would retry for a minute; free them now
    from deeplake.storage import lock as lockmod
    from deeplake.storage.base import StorageProvider

    for held in list(getattr(lockmod, "_HELD", ())):
        storage = getattr(held, "storage", None)
        while isinstance(storage, StorageProvider) and hasattr(storage, "next_storage"):
            storage = storage.next_storage
        if isinstance(storage, AzureProvider):
            try:
                held.release()
            except Exception:
                pass


class TestAzureProvider(StorageProviderTests):
    @pytest.fixture
    def provider(self, az_creds):
        store = AzureProvider(unique_az_path("contract"), creds=az_creds)
        yield store
        store.disable_readonly()

    def reopen_provider(self, provider):
        return AzureProvider(provider.root, creds=provider.creds)


@pytest.fixture
def store(az_creds):
    return AzureProvider(unique_az_path("unit"), creds=az_creds)


# ----------------------------------------------------------------- layout, creds
def test_root_forms():
    assert split_azure_root("az://acc/c/a/b/") == ("az://acc/c/a/b", "acc", "c", "a/b/")
    assert split_azure_root("azure://acc/c") == ("azure://acc/c", "acc", "c", "")
    assert split_azure_root("AZ://acc/c/") == ("az://acc/c", "acc", "c", "")
    for bad in ("az://", "az://acc", "az://acc/", "s3://b/x", "acc/c/x"):
        with pytest.raises(ValueError):
            split_azure_root(bad)


def test_creds_forms():
    with pytest.raises(ValueError, match="bogus"):
        AzureProvider("az://a/c/x", creds={"bogus": 1})
    with pytest.raises(ValueError):
        AzureProvider("az://a/c/x", creds=42)
    default = AzureProvider("az://acc/c/x")
    assert default.account_url == "https://acc.blob.core.windows.net"
    renamed = AzureProvider("az://acc/c/x", creds={"account_name": "other", "account_key": "k"})
    assert renamed.account_name == "other"
    assert renamed.account_url == "https://other.blob.core.windows.net"
    assert AzureProvider("az://a/c", creds={"endpoint_url": "http://h:1/a"}).account_url == \
        "http://h:1/a"
    from azure.core.credentials import AzureNamedKeyCredential, AzureSasCredential

    key = renamed._credential()
    assert isinstance(key, AzureNamedKeyCredential) and key.named_key.name == "other"
    sas = AzureProvider("az://a/c", creds={"sas_token": "?sv=1&sig=x"})._credential()
    assert isinstance(sas, AzureSasCredential) and sas.signature == "sv=1&sig=x"
    assert AzureProvider("az://a/c", creds="anon")._credential() is None
    marker = object()
    assert AzureProvider("az://a/c", creds={"credential": marker})._credential() is marker


def test_default_creds_need_azure_identity(monkeypatch):
    monkeypatch.setitem(sys.modules, "azure.identity", None)
    for default in (None, "ENV", {}):
        with pytest.raises(ModuleNotInstalledException, match=r"deeplake\[azure\]"):
            AzureProvider("az://acc/cont/x", creds=default).client


def test_missing_client_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "azure.storage.blob", None)
    with pytest.raises(ModuleNotInstalledException, match=r"deeplake\[azure\]"):
        AzureProvider("az://acc/cont/x", creds="anon").client


def test_opening_an_az_path_imports_no_azure():
    code = ("import sys; from deeplake.storage.factory import storage_provider_from_path as f; "
            "p = f('azure://acc/cont/x', creds={'account_key': 'k'}); "
            "assert not [m for m in sys.modules if m.startswith('azure')]; "
            "print(type(p).__name__)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "AzureProvider"


@pytest.mark.parametrize("scheme", ["az", "azure"])
def test_factory_opens_every_scheme(az_creds, scheme):
    path = unique_az_path(scheme=scheme)
    provider = storage_provider_from_path(path, creds=az_creds)
    assert isinstance(provider, AzureProvider)
    assert provider.root == path and provider.account_url == az_creds["account_url"]
    provider["k"] = b"v"
    ro = storage_provider_from_path(path.replace(f"{scheme}://", "az://"), creds=az_creds,
                                    read_only=True)
    assert ro.read_only and ro["k"] == b"v"
    with pytest.raises(ReadOnlyModeError):
        ro["k"] = b"w"


def test_keys_live_under_the_root_prefix(store, az_creds):
    store["t/chunks/c0"] = b"abc"
    prefix = store.root.split("/", 4)[4]
    blob = container_client(az_creds).get_blob_client(f"{prefix}/t/chunks/c0")
    assert blob.download_blob().readall() == b"abc"


def test_container_root_provider(az_creds):
    container_client(az_creds, "az-whole-container").create_container()
    whole = AzureProvider(f"az://{ACCOUNT}/az-whole-container", creds=az_creds)
    whole["a/b"] = b"1"
    assert whole.list() == ["a/b"]
    assert AzureProvider(f"az://{ACCOUNT}/az-whole-container/a", creds=az_creds)["b"] == b"1"
    whole.clear()
    assert len(whole) == 0


def test_connection_string_and_sas_token(store, az_creds):
    from datetime import datetime, timedelta, timezone

    from azure.storage.blob import ContainerSasPermissions, generate_container_sas

    store["k"] = b"v"
    conn = (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint={az_creds['account_url']};")
    assert AzureProvider(store.root, creds={"connection_string": conn})["k"] == b"v"
    sas = generate_container_sas(ACCOUNT, CONTAINER, account_key=ACCOUNT_KEY,
                                 permission=ContainerSasPermissions(read=True, list=True),
                                 expiry=datetime.now(timezone.utc) + timedelta(hours=1))
    reader = AzureProvider(store.root, creds={"sas_token": sas,
                                              "account_url": az_creds["account_url"]})
    assert reader["k"] == b"v" and reader.list() == ["k"]
    with pytest.raises(S3SetError, match=CONTAINER):  # the SAS grants no write
        reader["w"] = b"1"


def test_wrong_key_is_denied_naming_the_container(az_creds):
    bad = dict(az_creds, account_key="AAAA" + ACCOUNT_KEY[4:])
    with pytest.raises(S3Error, match=CONTAINER):
        AzureProvider(unique_az_path(), creds=bad)["k"] = b"v"


# ----------------------------------------------------------------- Azure specifics
def test_ranged_reads(store):
    store["big"] = bytes(range(256)) * 64
    assert store.get_bytes("big", 10, 20) == bytes(range(10, 20))
    assert store.get_bytes("big", 16380) == bytes(range(252, 256))
    assert store.get_bytes("big", None, 3) == b"\x00\x01\x02"
    assert store.get_bytes("big", 20000) == b""
    store["empty"] = b""
    assert store["empty"] == b"" and store.get_bytes("empty", 0, 4) == b""
    with pytest.raises(KeyError):
        store.get_bytes("absent", 0, 4)
    with pytest.raises(KeyError):
        store.get_bytes("absent", 5)


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
    store["pq"] = b"."  # shares the name prefix but is not in the folder p
    monkeypatch.setattr(azmod, "_LIST_PAGE_SIZE", 2)
    assert store.list("p") == [f"p/{i}" for i in range(7)]
    assert len(store) == 8


def test_delete_multiple_and_clear_in_batches(store, monkeypatch):
    monkeypatch.setattr(azmod, "_DELETE_BATCH", 3)
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


def test_rename(store, az_creds):
    store["a"] = b"1"
    store["b/c"] = b"2"
    target = unique_az_path("renamed")
    old_root = store.root
    store.rename(target)
    assert store.root == target
    assert set(store) == {"a", "b/c"}
    assert len(AzureProvider(old_root, creds=az_creds)) == 0
    other = AzureProvider(unique_az_path(), creds=az_creds)
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
def test_missing_container_errors_name_the_container(az_creds):
    ghost = AzureProvider(f"az://{ACCOUNT}/no-such-container/ds", creds=az_creds)
    with pytest.raises(S3SetError, match="no-such-container"):
        ghost["a"] = b"1"
    with pytest.raises(S3ListError, match="no-such-container"):
        ghost.list()
    with pytest.raises(S3GetError, match="no-such-container"):
        ghost["a"]
    with pytest.raises(S3Error, match="no-such-container"):
        deeplake.empty(f"az://{ACCOUNT}/no-such-container/ds", creds=az_creds)


def test_unreachable_endpoint_names_the_container(monkeypatch):
    monkeypatch.setattr(azmod, "_RETRY_TOTAL", 0)
    dead = AzureProvider("az://acc/somecontainer/ds",
                         creds={"account_key": ACCOUNT_KEY,
                                "account_url": f"http://127.0.0.1:{free_port()}/acc"})
    with pytest.raises(S3Error, match="somecontainer"):
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


@pytest.mark.parametrize("scheme", ["az", "azure"])
def test_dataset_lifecycle_on_azure(az_creds, scheme):
    path = unique_az_path("life", scheme=scheme)
    ds = make_dataset(path, az_creds)
    first = ds.commit("first")
    ds.checkout("alt", create=True)
    ds.labels.append(2)
    ds.text.append("on alt")
    ds.images.append(smooth_image(16, 24, 99))
    ds.commit("alt commit")
    ds.checkout("main")
    assert len(ds) == 12

    assert deeplake.exists(path, creds=az_creds)
    ro = deeplake.load(path, creds=az_creds, read_only=True)
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
    alt = deeplake.load(path, creds=az_creds, read_only=True)
    alt.checkout("alt")
    assert len(alt) == 13 and alt.text[12].data()["value"] == "on alt"
    old = deeplake.load(path, creds=az_creds, read_only=True)
    old.checkout(first)
    assert len(old) == 12
    ds.close()


def test_copy_local_to_azure_and_back(az_creds, tmp_path):
    local = deeplake.empty(str(tmp_path / "src"))
    with local:
        local.create_tensor("x", dtype="int32")
        local.x.extend(np.arange(20, dtype=np.int32).reshape(10, 2))
    remote = unique_az_path("copy", scheme="azure")
    deeplake.copy(str(tmp_path / "src"), remote, dest_creds=az_creds)
    on_azure = deeplake.load(remote, creds=az_creds, read_only=True)
    np.testing.assert_array_equal(on_azure.x.numpy(), np.arange(20).reshape(10, 2))
    deeplake.copy(remote, str(tmp_path / "back"), src_creds=az_creds)
    np.testing.assert_array_equal(deeplake.load(str(tmp_path / "back")).x.numpy(),
                                  np.arange(20).reshape(10, 2))
    local.close()
