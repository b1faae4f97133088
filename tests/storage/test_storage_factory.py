import sys
from pathlib import Path

import pytest

import deeplake.storage as storage_pkg
from deeplake.constants import MB
from deeplake.errors import CloudServiceUnavailableError, DeepLakeError, ModuleNotInstalledException
from deeplake.storage import (
    LocalProvider,
    LRUCache,
    MemoryProvider,
    StorageProvider,
    get_cache_chain,
    storage_provider_from_path,
)
from deeplake.storage.memory import forget_memory_store
from deeplake.storage.registry import register_scheme, scheme_of


def test_public_names():
    for name in [
        "StorageProvider",
        "MemoryProvider",
        "LocalProvider",
        "LRUCache",
        "storage_provider_from_path",
        "get_cache_chain",
    ]:
        assert name in storage_pkg.__all__


def test_local_paths(tmp_path):
    for path in [str(tmp_path / "a"), tmp_path / "b", "file://" + str(tmp_path / "c")]:
        provider = storage_provider_from_path(path)
        assert type(provider) is LocalProvider
        assert Path(provider.root).is_absolute()


def test_memory_paths_share_a_store():
    first = storage_provider_from_path("mem://factory-test")
    first["k"] = b"v"
    second = storage_provider_from_path("mem://factory-test", read_only=True)
    assert type(second) is MemoryProvider and second["k"] == b"v" and second.read_only
    forget_memory_store("mem://factory-test")


def test_read_only_flag(tmp_path):
    assert storage_provider_from_path(tmp_path, read_only=True).read_only
    assert not storage_provider_from_path(tmp_path).read_only


@pytest.mark.parametrize(
    "path", ["gdrive://folder/ds"]
)
def test_cloud_backends_are_not_available_yet(path):
    with pytest.raises(ModuleNotInstalledException, match="not available"):
        storage_provider_from_path(path, creds={"aws_access_key_id": "x"})
    with pytest.raises(ImportError):
        storage_provider_from_path(path)


def test_cloud_backends_import_nothing_heavy():
    # a fresh interpreter: other tests of the session import the cloud clients
    import subprocess

    code = ("import sys; from deeplake.storage import storage_provider_from_path as f\n"
            "for p in ('gcs://bucket/ds', 'gs://bucket/ds', 'gcp://bucket/ds'):\n"
            "    assert type(f(p)).__name__ == 'GCSProvider'\n"
            "try:\n    f('az://acct/c/ds')\nexcept ImportError:\n    pass\n"
            "heavy = [m for m in ('google.cloud.storage', 'google.auth', 'boto3', 'azure')\n"
            "         if m in sys.modules]\n"
            "assert not heavy, heavy")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    with pytest.raises(DeepLakeError):
        storage_provider_from_path("gcs://bucket/ds", creds="browser")


def test_hub_paths_need_the_cloud():
    with pytest.raises(CloudServiceUnavailableError, match="offline"):
        storage_provider_from_path("hub://org/ds")


def test_unknown_scheme():
    with pytest.raises(ModuleNotInstalledException, match="ftp://"):
        storage_provider_from_path("ftp://host/ds")


def test_scheme_parsing():
    assert scheme_of("S3://b") == "s3"
    assert scheme_of("/data/x") is None
    assert scheme_of("C://data") is None
    assert scheme_of("relative/path") is None


def test_registered_scheme_is_imported_on_use(tmp_path):
    register_scheme("testlocal", "deeplake.storage.local:LocalProvider")
    with pytest.raises(TypeError):  # our provider takes no creds/token: proves it was called
        storage_provider_from_path("testlocal://x")
    register_scheme("testmissing", "no_such_module_xyz:Provider", extra="xyz")
    with pytest.raises(ModuleNotInstalledException, match=r"deeplake\[xyz\]"):
        storage_provider_from_path("testmissing://x")


def test_cache_chain_memory_only(tmp_path):
    base = LocalProvider(tmp_path)
    chain = get_cache_chain(base, memory_cache_size_mb=3, local_cache_size_mb=0)
    assert isinstance(chain, LRUCache)
    assert isinstance(chain.cache_storage, MemoryProvider)
    assert chain.next_storage is base
    assert chain.cache_size == 3 * MB == 3_000_000
    assert chain.root == base.root


def test_cache_chain_with_local_cache(tmp_path):
    base = MemoryProvider("mem://chain-test")
    chain = get_cache_chain(base, 1, 2, local_cache_dir=tmp_path / "cache")
    disk = chain.next_storage
    assert isinstance(disk, LRUCache)
    assert isinstance(disk.cache_storage, LocalProvider)
    assert disk.cache_storage.root == str(tmp_path / "cache")
    assert disk.cache_size == 2 * MB
    assert disk.next_storage is base
    chain["k"] = b"v"
    chain.flush()
    assert base["k"] == b"v"
    forget_memory_store("mem://chain-test")


def test_cache_chain_default_local_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCAL_CACHE_PREFIX", str(tmp_path / "prefix"))
    base = LocalProvider(tmp_path / "my ds")
    chain = get_cache_chain(base, 1, 1)
    folder = Path(chain.next_storage.cache_storage.root)
    assert folder.parent == tmp_path / "prefix"
    assert "/" not in folder.name and folder.name


def test_cache_chain_defaults_and_read_only(tmp_path):
    base = LocalProvider(tmp_path)
    base.enable_readonly()
    chain = get_cache_chain(base)
    assert chain.cache_size == 2000 * MB
    assert isinstance(chain.next_storage, StorageProvider) and chain.next_storage is base
    assert chain.read_only
    with pytest.raises(ValueError):
        get_cache_chain(base, -1)
