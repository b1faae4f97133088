"""Storage in an Azure Blob Storage container: ``az://`` or ``azure://account/container/prefix``.

Every key is the blob ``prefix/key`` of the container. The azure-storage-blob
client is created on first use, never pickled, and re-created in each process
(forked transform workers, Ray actors), so a provider can be shipped anywhere.

Accepted ``creds`` (3.8 keys plus endpoint options):

* ``None``, ``{}`` or ``"ENV"``: azure-identity's DefaultAzureCredential
  (environment variables, managed identity, Azure CLI login...).
* ``"anon"`` or ``{"anon": True}``: no credential (public containers).
* a dict with any of:

  - ``"account_name"``: overrides the account named in the path;
  - ``"account_key"``: the storage account's shared key;
  - ``"sas_token"``: a SAS token (used when no account key is given);
  - ``"credential"``: any azure credential object (e.g. a TokenCredential);
  - ``"connection_string"``: a full storage connection string (it carries the
    endpoint and the key or SAS);
  - ``"account_url"`` (alias ``"endpoint_url"``): the blob endpoint, e.g.
    ``"http://127.0.0.1:10000/devstoreaccount1"`` for Azurite; the default is
    ``https://<account>.blob.core.windows.net``.

  A dict holding none of the credential keys falls back to DefaultAzureCredential.

Request failures raise the storage error classes shared with S3 (S3GetError,
S3SetError, S3DeletionError, S3ListError), always naming the container.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Type

from deeplake.errors import (
    ModuleNotInstalledException,
    PathNotEmptyException,
    S3DeletionError,
    S3Error,
    S3GetError,
    S3ListError,
    S3SetError,
)
from deeplake.storage.base import check_byte_range, normalize_prefix
from deeplake.storage.remote import MAX_PARALLEL_REQUESTS, RemoteStorageProvider

SCHEMES = ("az", "azure")
CREDS_KEYS = frozenset({"account_name", "account_key", "sas_token", "credential",
                        "connection_string", "account_url", "endpoint_url", "anon"})
_SECRET_KEYS = ("account_key", "sas_token", "credential", "connection_string")
#: Parallel GETs in ``get_items``.
_DELETE_BATCH = 256  # the blob batch API's limit of sub-requests
_LIST_PAGE_SIZE = 5000
_RETRY_TOTAL = 5  # azure-core retries transient errors (429, 5xx, dropped connections)
_CONNECT_TIMEOUT = 60
_READ_TIMEOUT = 300
_END = object()
_PIP_HINT = "Install it with `pip install deeplake[azure]`."


def _azure():
    """(azure.storage.blob, azure.core.exceptions), imported on first use."""
    try:
        import azure.core.exceptions as exceptions
        import azure.storage.blob as blob
    except ImportError as err:
        raise ModuleNotInstalledException(
            f"az:// paths need azure-storage-blob. {_PIP_HINT}") from err
    return blob, exceptions


def split_azure_root(root: str):
    """``az://acct/cont/a/b/`` -> (``az://acct/cont/a/b``, ``acct``, ``cont``, ``a/b/``)."""
    scheme, sep, rest = root.partition("://")
    if not sep or scheme.lower() not in SCHEMES:
        raise ValueError(f"Expected an az:// or azure:// path, got {root!r}.")
    parts = rest.strip("/").split("/", 2)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise ValueError(f"The Azure path {root!r} must name an account and a container: "
                         "az://<account_name>/<container_name>/<root_folder>.")
    account, container = parts[0], parts[1]
    prefix = parts[2].strip("/") if len(parts) == 3 else ""
    scheme = scheme.lower()
    clean = f"{scheme}://{account}/{container}" + (f"/{prefix}" if prefix else "")
    return clean, account, container, prefix + "/" if prefix else ""


def _normalize_creds(creds) -> Dict[str, Any]:
    if creds is None or creds == "ENV":
        return {}
    if creds == "anon":
        return {"anon": True}
    if not isinstance(creds, dict):
        raise ValueError("Azure creds must be a dict (account_key, sas_token, "
                         "connection_string, ...), 'ENV' or 'anon'.")
    unknown = sorted(set(creds) - CREDS_KEYS)
    if unknown:
        raise ValueError(f"Unknown Azure creds keys {unknown}; expected among {sorted(CREDS_KEYS)}.")
    return {k: v for k, v in creds.items() if v is not None}


class AzureProvider(RemoteStorageProvider):
    pool_name = "deeplake-azure"

    """Keys are blobs under ``az://account/container/prefix``."""

    supports_ranged_reads = True
    is_local = False

    def __init__(self, root: str, creds=None, token: Optional[str] = None):
        self.root, path_account, self.container, self.path = split_azure_root(root)
        self.creds = creds if creds != {} else None
        self.options = _normalize_creds(creds)
        self.account_name: str = self.options.get("account_name") or path_account
        self.account_url: str = (self.options.get("account_url")
                                 or self.options.get("endpoint_url")
                                 or f"https://{self.account_name}.blob.core.windows.net")
        self.token = token  # Activeloop tokens are only for hub:// paths; kept for 3.8 callers
        self._read_only = False
        self._client = None
        self._pool: Optional[ThreadPoolExecutor] = None
        self._lock = threading.Lock()
        self._pid = os.getpid()

    # -- client ---------------------------------------------------------------

    @property
    def client(self):
        """The ContainerClient, created on first use (and again after a fork)."""
        if self._pid != os.getpid():
            self._after_fork()
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._make_client()
        return self._client

    def _credential(self):
        opts = self.options
        if opts.get("anon"):
            return None
        if opts.get("credential") is not None:
            return opts["credential"]
        if opts.get("account_key"):
            from azure.core.credentials import AzureNamedKeyCredential
            return AzureNamedKeyCredential(self.account_name, opts["account_key"])
        if opts.get("sas_token"):
            from azure.core.credentials import AzureSasCredential
            return AzureSasCredential(opts["sas_token"].lstrip("?"))
        try:
            from azure.identity import DefaultAzureCredential
        except ImportError as err:
            raise ModuleNotInstalledException(
                f"Azure default credentials (creds None or 'ENV') for container "
                f"'{self.container}' need azure-identity. {_PIP_HINT} Or pass "
                "account_key, sas_token or connection_string in creds.") from err
        return DefaultAzureCredential()

    def _make_client(self):
        blob, _ = _azure()
        settings = dict(retry_total=_RETRY_TOTAL, connection_timeout=_CONNECT_TIMEOUT,
                        read_timeout=_READ_TIMEOUT, max_single_put_size=256 * 1024 * 1024,
                        max_single_get_size=256 * 1024 * 1024)
        try:
            import requests
            import requests.adapters

            # requests keeps 10 connections a host by default; get_items runs more threads
            session = requests.Session()
            adapter = requests.adapters.HTTPAdapter(pool_maxsize=MAX_PARALLEL_REQUESTS + 8)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            settings["session"] = session
        except ImportError:
            pass
        if self.options.get("connection_string"):
            service = blob.BlobServiceClient.from_connection_string(
                self.options["connection_string"], **settings)
        else:
            service = blob.BlobServiceClient(self.account_url, credential=self._credential(),
                                             **settings)
        return service.get_container_client(self.container)

    def _key(self, path: str) -> str:
        return self.path + path

    # -- error handling --------------------------------------------------------

    def _call(self, fn: Callable[[], Any], error_class: Type[S3Error], path: str = "",
              missing_is_key_error: bool = True):
        """Run ``fn``, turning azure errors into KeyError or ``error_class`` naming the container."""
        _, exc = _azure()
        try:
            return fn()
        except exc.ResourceNotFoundError as err:
            code = str(getattr(err, "error_code", "") or "")
            if missing_is_key_error and code != "ContainerNotFound":
                raise KeyError(path) from None
            raise error_class(
                f"The container '{self.container}' (account '{self.account_name}') does not "
                f"exist or '{self._key(path)}' is missing (root {self.root}): {code}") from None
        except exc.ClientAuthenticationError as err:
            raise error_class(
                f"Access to container '{self.container}' was denied: check the creds for "
                f"{self.root} ({getattr(err, 'error_code', '') or err.status_code}).") from None
        except exc.ServiceRequestError as err:
            raise error_class(f"Connection to container '{self.container}' at {self.account_url} "
                              f"failed for '{self._key(path)}': {err}") from None
        except exc.AzureError as err:
            status = getattr(err, "status_code", None)
            raise error_class(f"Azure error on container '{self.container}', key "
                              f"'{self._key(path)}': {status} {err.message}") from None

    # -- reads -----------------------------------------------------------------

    def __getitem__(self, path: str) -> bytes:
        return self.get_bytes(path)

    def get_bytes(self, path: str, start_byte: Optional[int] = None,
                  end_byte: Optional[int] = None) -> bytes:
        check_byte_range(start_byte, end_byte)
        start = start_byte or 0
        if end_byte is not None and end_byte == start:
            self.get_object_size(path)  # KeyError when missing
            return b""
        _, exc = _azure()
        blob = self.client.get_blob_client(self._key(path))
        ranged = bool(start) or end_byte is not None
        length = None if end_byte is None else end_byte - start

        def fetch():
            try:
                if not ranged:
                    return blob.download_blob().readall()
                return blob.download_blob(offset=start, length=length).readall()
            except exc.HttpResponseError as err:
                if err.status_code == 416:  # the range starts past the end (or the blob is empty)
                    blob.get_blob_properties()  # KeyError when missing
                    return b""
                raise

        return self._call(fetch, S3GetError, path)

    def get_object_size(self, path: str) -> int:
        blob = self.client.get_blob_client(self._key(path))
        return int(self._call(blob.get_blob_properties, S3GetError, path).size or 0)

    def __contains__(self, path: object) -> bool:
        if not isinstance(path, str):
            return False
        try:
            self.get_object_size(path)
        except KeyError:
            return False
        return True

    # -- listing ---------------------------------------------------------------

    def _iter_objects(self, prefix: str) -> Iterator[str]:
        """Full names of every blob whose name starts with ``prefix``."""
        rel = prefix[len(self.path):]
        pages = self._call(lambda: iter(self.client.list_blobs(
            name_starts_with=prefix or None, results_per_page=_LIST_PAGE_SIZE).by_page()),
            S3ListError, rel, missing_is_key_error=False)
        while True:
            # a page may legitimately be empty with more pages after it
            page = self._call(lambda: next(pages, _END), S3ListError, rel,
                              missing_is_key_error=False)
            if page is _END:
                return
            page = self._call(lambda: list(page), S3ListError, rel, missing_is_key_error=False)
            for item in page:
                yield item.name

    # -- writes ----------------------------------------------------------------

    def __setitem__(self, path: str, value) -> None:
        self.check_readonly()
        body = value if isinstance(value, bytes) else bytes(memoryview(value).cast("B"))
        blob = self.client.get_blob_client(self._key(path))
        self._call(lambda: blob.upload_blob(body, overwrite=True), S3SetError, path,
                   missing_is_key_error=False)

    def write_parts(self, path: str, parts) -> None:
        parts = list(parts)
        if len(parts) == 1:
            self[path] = parts[0]
        else:
            self[path] = b"".join(memoryview(p).cast("B") for p in parts)

    def __delitem__(self, path: str) -> None:
        self.check_readonly()
        blob = self.client.get_blob_client(self._key(path))
        self._call(blob.delete_blob, S3DeletionError, path)

    def delete_multiple(self, paths: Iterable[str]) -> None:
        """Delete ``paths`` in batch requests (keys already absent are ignored)."""
        self.check_readonly()
        self._delete_full_keys([self._key(p) for p in paths])

    def _delete_full_keys(self, keys: List[str]) -> None:
        for i in range(0, len(keys), _DELETE_BATCH):
            chunk = keys[i:i + _DELETE_BATCH]
            if len(chunk) == 1:
                try:
                    self._call(self.client.get_blob_client(chunk[0]).delete_blob,
                               S3DeletionError, chunk[0])
                except KeyError:
                    pass
                continue
            responses = self._call(
                lambda: list(self.client.delete_blobs(*chunk, raise_on_any_failure=False)),
                S3DeletionError, missing_is_key_error=False)
            failed = [(key, r.status_code) for key, r in zip(chunk, responses)
                      if not (200 <= r.status_code < 300 or r.status_code == 404)]
            if failed:
                key, status = failed[0]
                raise S3DeletionError(
                    f"Could not delete {len(failed)} blob(s) from container '{self.container}', "
                    f"e.g. '{key}': HTTP {status}")

    def clear(self, prefix: str = "") -> None:
        """Delete every blob under the folder ``prefix`` of the root."""
        self.check_readonly()
        folder = normalize_prefix(prefix)
        self._delete_full_keys([self._key(k) for k in self._keys_under(folder)])

    def rename(self, new_root: str) -> None:
        """Move every blob to ``new_root`` (same creds; the target must be empty)."""
        self.check_readonly()
        target = AzureProvider(new_root, creds=self.creds, token=self.token)
        if target._keys_under(""):
            raise PathNotEmptyException(f"Cannot rename to '{target.root}': the path is not empty.")
        keys = self._keys_under("")

        def move(key):
            # download + upload: works across accounts and needs no SAS for the copy source
            target[key] = self[key]

        list(self._executor().map(move, keys))
        self._delete_full_keys([self._key(k) for k in keys])
        self.root, self.container, self.path = target.root, target.container, target.path
        self.account_name, self.account_url = target.account_name, target.account_url
        self._client = None

    # -- handles ---------------------------------------------------------------

    def subdir(self, path: str, read_only: bool = False) -> "AzureProvider":
        sub = AzureProvider(f"{self.root}/{path.strip('/')}", creds=self.creds, token=self.token)
        sub._read_only = read_only
        return sub

    def __getstate__(self) -> Dict[str, Any]:
        # no client, pool or lock: each process builds its own on first use
        return {"root": self.root, "creds": self.creds, "token": self.token,
                "read_only": self._read_only}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__init__(state["root"], creds=state["creds"], token=state["token"])
        self._read_only = state["read_only"]

    def __repr__(self) -> str:
        return f"AzureProvider({self.root!r})"

