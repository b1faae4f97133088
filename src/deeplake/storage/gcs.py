"""Storage in a Google Cloud Storage bucket: ``gcs://``, ``gs://`` or ``gcp://bucket/prefix``.

Every key is the object ``prefix/key`` of the bucket. The google-cloud-storage
client is created on first use, never pickled, and re-created in each process
(forked transform workers, Ray actors), so a provider can be shipped anywhere.

Accepted ``creds`` (3.8 semantics):

* ``None``, ``{}``, ``"ENV"`` or ``"google_default"``: Google's default
  credentials (``GOOGLE_APPLICATION_CREDENTIALS``, gcloud's application default
  credentials, the metadata server).
* ``"anon"``: anonymous access (public buckets).
* a path to a service-account (or authorized-user) json file.
* the parsed json of such a file, as a dict (it has a ``"type"`` key).
* a ``google.auth.credentials.Credentials`` object.
* ``"browser"`` / ``"cache"``: interactive OAuth login, which this offline
  implementation cannot do; they raise GCSDefaultCredsNotFound.
* a dict of options: ``"endpoint_url"`` (an emulator or private endpoint, e.g.
  ``"http://127.0.0.1:4443"``; without another credential the client is then
  anonymous, as emulators do not authenticate), ``"project"``, ``"anon"``
  (bool), and ``"token"`` holding any of the forms above. These option keys may
  also sit beside the fields of a service-account dict.

Request failures raise the storage error classes shared with S3 (S3GetError,
S3SetError, S3DeletionError, S3ListError), always naming the bucket.
"""

from __future__ import annotations

import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Type

from deeplake.errors import (
    GCSDefaultCredsNotFound,
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

SCHEMES = ("gcs", "gs", "gcp")
#: Option keys of a creds dict (the rest of a dict is a service-account json).
OPTION_KEYS = frozenset({"endpoint_url", "project", "anon", "token"})
#: Parallel GETs in ``get_items``.
_DELETE_BATCH = 100  # the JSON API's limit of calls in one batch request
_LIST_PAGE_SIZE = 1000
_TIMEOUT = (60, 300)  # connect, read (seconds)
_RETRY_SECONDS = 120.0
_INTERACTIVE = ("browser", "cache")
_DEFAULT_WORDS = ("ENV", "google_default")
_SCOPE = "https://www.googleapis.com/auth/devstorage.full_control"


def _google():
    """The google-cloud-storage modules, imported on first use."""
    try:
        import google.api_core.exceptions as api_exceptions
        import google.auth
        import google.auth.credentials
        import google.cloud.storage as storage
        from google.api_core.client_options import ClientOptions
        from google.cloud.storage.retry import DEFAULT_RETRY
    except ImportError as err:
        raise ModuleNotInstalledException(
            "gcs:// paths need google-cloud-storage. Install it with `pip install deeplake[gcp]`."
        ) from err
    # transient errors (429, 5xx, dropped connections) are retried with backoff
    # for at most _RETRY_SECONDS per request
    return storage, google.auth, api_exceptions, ClientOptions, DEFAULT_RETRY.with_timeout(
        _RETRY_SECONDS)


def split_gcs_root(root: str):
    """``gs://bucket/a/b/`` -> (``gs://bucket/a/b``, ``bucket``, ``a/b/``); the scheme is kept."""
    scheme, sep, rest = root.partition("://")
    if not sep or scheme.lower() not in SCHEMES:
        raise ValueError(f"Expected a gcs://, gs:// or gcp:// path, got {root!r}.")
    rest = rest.strip("/")
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise ValueError(f"The GCS path {root!r} names no bucket.")
    prefix = prefix.strip("/")
    scheme = scheme.lower()
    clean = f"{scheme}://{bucket}/{prefix}" if prefix else f"{scheme}://{bucket}"
    return clean, bucket, prefix + "/" if prefix else ""


def _split_creds(creds):
    """(options dict, credential source) from any accepted ``creds`` form."""
    if creds is None:
        return {}, None
    if isinstance(creds, str):
        return {}, creds
    if isinstance(creds, dict):
        options = {k: v for k, v in creds.items() if k in OPTION_KEYS and v is not None}
        rest = {k: v for k, v in creds.items() if k not in OPTION_KEYS}
        if rest and "type" not in rest:
            raise ValueError(
                f"Unknown GCS creds keys {sorted(rest)}: pass a service-account json dict "
                f"(with 'type'), or options among {sorted(OPTION_KEYS)}."
            )
        source = rest or options.pop("token", None)
        options.pop("token", None)
        if options.pop("anon", False):
            source = "anon"
        return options, source
    if hasattr(creds, "before_request"):  # a google.auth Credentials object
        return {}, creds
    raise ValueError("GCS creds must be a dict, a path to a json key file, 'ENV' or 'anon'.")


def _check_source(source) -> None:
    """Fail early (before any request) on sources that can never work."""
    if isinstance(source, str):
        if source in _INTERACTIVE:
            raise GCSDefaultCredsNotFound(
                f"GCS creds {source!r} need an interactive Google login, which is not available "
                "offline. Pass a service-account json (path or dict), 'ENV' or 'anon'."
            )
        if source not in _DEFAULT_WORDS + ("anon",) and not os.path.exists(source):
            raise FileNotFoundError(f"GCS credentials file not found: {source}")


class GCSProvider(RemoteStorageProvider):
    pool_name = "deeplake-gcs"

    """Keys are objects under ``gcs://bucket/prefix``."""

    supports_ranged_reads = True
    is_local = False

    def __init__(self, root: str, creds=None, token: Optional[str] = None,
                 project: Optional[str] = None):
        self.root, self.bucket, self.path = split_gcs_root(root)
        self.creds = creds if creds != {} else None
        self.options, self._source = _split_creds(creds)
        _check_source(self._source)
        self.token = token  # Activeloop tokens are only for hub:// paths; kept for 3.8 callers
        self.endpoint_url: Optional[str] = self.options.get("endpoint_url")
        self.project: Optional[str] = project or self.options.get("project")
        self._read_only = False
        self._client = None
        self._bucket_handle = None
        self._batch_client = None
        self._pool: Optional[ThreadPoolExecutor] = None
        self._lock = threading.Lock()
        self._batch_lock = threading.Lock()
        self._pid = os.getpid()

    # -- client ---------------------------------------------------------------

    @property
    def client(self):
        """The google-cloud-storage client, created on first use."""
        if self._pid != os.getpid():
            self._after_fork()
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._make_client()
                    self._bucket_handle = self._client.bucket(self.bucket)
        return self._client

    @property
    def bucket_handle(self):
        self.client
        return self._bucket_handle

    def _credentials(self):
        """(credentials, project) for the creds source."""
        _, gauth, _, _, _ = _google()
        from google.auth.credentials import AnonymousCredentials

        source = self._source
        if source == "anon" or (source is None and self.endpoint_url):
            return AnonymousCredentials(), None
        if source is None or source in _DEFAULT_WORDS:
            try:
                return gauth.default(scopes=[_SCOPE])
            except gauth.exceptions.DefaultCredentialsError as err:
                raise GCSDefaultCredsNotFound(
                    f"No default Google credentials found for bucket '{self.bucket}': pass a "
                    "service-account json as creds, or set GOOGLE_APPLICATION_CREDENTIALS."
                ) from err
        if isinstance(source, str):
            with open(source) as f:
                source = json.load(f)
        if isinstance(source, dict):
            return self._credentials_from_info(source)
        return source, None

    def _credentials_from_info(self, info: Dict[str, Any]):
        # only the two key-file kinds deeplake documents; others (external
        # accounts) could run commands named in the file, so they are refused
        kind = info.get("type")
        if kind == "service_account":
            from google.oauth2 import service_account
            creds = service_account.Credentials.from_service_account_info(info, scopes=[_SCOPE])
            return creds, info.get("project_id")
        if kind == "authorized_user":
            from google.oauth2.credentials import Credentials
            return Credentials.from_authorized_user_info(info, scopes=[_SCOPE]), info.get(
                "quota_project_id")
        raise ValueError(f"Unsupported GCS credentials type {kind!r} for bucket '{self.bucket}': "
                         "expected 'service_account' or 'authorized_user'.")

    def _make_client(self):
        storage, _, _, ClientOptions, _ = _google()
        credentials, found_project = self._credentials()
        options = ClientOptions(api_endpoint=self.endpoint_url) if self.endpoint_url else None
        # a placeholder project stops the client from looking one up; object
        # requests never use it
        project = self.project or found_project or "<none>"
        client = storage.Client(project=project, credentials=credentials, client_options=options)
        import requests.adapters

        # requests keeps 10 connections a host by default; get_items runs more threads
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=MAX_PARALLEL_REQUESTS + 8)
        client._http.mount("https://", adapter)
        client._http.mount("http://", adapter)
        return client

    def _batch_bucket(self):
        """A bucket handle on a client used only for batch requests: an open batch
        captures every request made through its client, from any thread."""
        if self._batch_client is None:
            self._batch_client = self._make_client()
        return self._batch_client, self._batch_client.bucket(self.bucket)

    def _key(self, path: str) -> str:
        return self.path + path

    # -- error handling --------------------------------------------------------

    def _call(self, fn: Callable[[], Any], error_class: Type[S3Error], path: str = "",
              missing_is_key_error: bool = True):
        """Run ``fn``, turning google errors into KeyError or ``error_class`` naming the bucket."""
        _, gauth, exc, _, _ = _google()
        try:
            return fn()
        except exc.NotFound as err:
            if missing_is_key_error and "bucket" not in str(err.message).lower():
                raise KeyError(path) from None
            raise error_class(
                f"The bucket '{self.bucket}' does not exist or '{self._key(path)}' is missing "
                f"(root {self.root}): {err.message}") from None
        except (exc.Forbidden, exc.Unauthorized) as err:
            raise error_class(
                f"Access to bucket '{self.bucket}' was denied ({err.code}): check the creds "
                f"for {self.root}.") from None
        except exc.GoogleAPICallError as err:
            raise error_class(f"GCS error on bucket '{self.bucket}', key '{self._key(path)}': "
                              f"{err.code} {err.message}") from None
        except exc.RetryError as err:
            raise error_class(f"Requests to bucket '{self.bucket}' kept failing for "
                              f"'{self._key(path)}': {err.cause or err}") from None
        except gauth.exceptions.GoogleAuthError as err:
            raise error_class(f"GCS authentication for bucket '{self.bucket}' failed: {err}") from err
        except (ConnectionError, OSError) as err:
            if isinstance(err, (S3Error, KeyError)):
                raise
            raise error_class(f"Connection to bucket '{self.bucket}' failed for "
                              f"'{self._key(path)}': {err}") from err

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
        _, _, exc, _, retry = _google()
        blob = self.bucket_handle.blob(self._key(path))
        kwargs: Dict[str, Any] = {"timeout": _TIMEOUT, "retry": retry}
        if start or end_byte is not None:
            kwargs.update(start=start, end=None if end_byte is None else end_byte - 1,
                          checksum=None)

        def fetch():
            try:
                return blob.download_as_bytes(**kwargs)
            except exc.RequestRangeNotSatisfiable:  # the range starts past the end
                return b""

        return self._call(fetch, S3GetError, path)

    def _after_fork(self) -> None:
        super()._after_fork()
        self._bucket_handle = None
        self._batch_client = None
        self._batch_lock = threading.Lock()

    def _blob_meta(self, path: str):
        _, _, _, _, retry = _google()
        blob = self._call(lambda: self.bucket_handle.get_blob(
            self._key(path), timeout=_TIMEOUT, retry=retry), S3GetError, path)
        if blob is None:
            raise KeyError(path)
        return blob

    def __contains__(self, path: object) -> bool:
        if not isinstance(path, str):
            return False
        try:
            self._blob_meta(path)
        except KeyError:
            return False
        return True

    def get_object_size(self, path: str) -> int:
        return int(self._blob_meta(path).size or 0)

    # -- listing ---------------------------------------------------------------

    def _iter_objects(self, prefix: str) -> Iterator[str]:
        """Full names of every object whose name starts with ``prefix``."""
        _, _, _, _, retry = _google()
        blobs = self.client.list_blobs(self.bucket, prefix=prefix or None,
                                       page_size=_LIST_PAGE_SIZE, timeout=_TIMEOUT, retry=retry)
        pages = iter(blobs.pages)
        while True:
            page = self._call(lambda: next(pages, None), S3ListError, prefix,
                              missing_is_key_error=False)
            if page is None:
                return
            for blob in page:
                yield blob.name

    # -- writes ----------------------------------------------------------------

    def __setitem__(self, path: str, value) -> None:
        self.check_readonly()
        body = value if isinstance(value, bytes) else bytes(memoryview(value).cast("B"))
        _, _, _, _, retry = _google()
        blob = self.bucket_handle.blob(self._key(path))
        # a whole-object upload is idempotent here, so retrying it is safe
        self._call(lambda: blob.upload_from_string(
            body, content_type="application/octet-stream", timeout=_TIMEOUT, retry=retry),
            S3SetError, path, missing_is_key_error=False)

    def write_parts(self, path: str, parts) -> None:
        parts = list(parts)
        if len(parts) == 1:
            self[path] = parts[0]
        else:
            self[path] = b"".join(memoryview(p).cast("B") for p in parts)

    def __delitem__(self, path: str) -> None:
        self.check_readonly()
        _, _, _, _, retry = _google()
        self._call(lambda: self.bucket_handle.delete_blob(
            self._key(path), timeout=_TIMEOUT, retry=retry), S3DeletionError, path)

    def delete_multiple(self, paths: Iterable[str]) -> None:
        """Delete ``paths`` in batch requests (keys already absent are ignored)."""
        self.check_readonly()
        self._delete_full_keys([self._key(p) for p in paths])

    def _delete_full_keys(self, keys: List[str]) -> None:
        for i in range(0, len(keys), _DELETE_BATCH):
            chunk = keys[i:i + _DELETE_BATCH]
            if len(chunk) == 1:
                try:
                    self._call(lambda: self.bucket_handle.delete_blob(chunk[0], timeout=_TIMEOUT),
                               S3DeletionError, chunk[0])
                except KeyError:
                    pass
                continue
            if self._pid != os.getpid():
                self._after_fork()
            with self._batch_lock:
                batch = None

                def run():
                    nonlocal batch
                    client, bucket = self._batch_bucket()
                    batch = client.batch(raise_exception=False)
                    with batch:
                        for key in chunk:
                            bucket.delete_blob(key)

                self._call(run, S3DeletionError, missing_is_key_error=False)
            failed = [(key, r) for key, r in zip(chunk, getattr(batch, "_responses", ()))
                      if not (200 <= r.status_code < 300 or r.status_code == 404)]
            if failed:
                key, response = failed[0]
                raise S3DeletionError(
                    f"Could not delete {len(failed)} object(s) from bucket '{self.bucket}', "
                    f"e.g. '{key}': HTTP {response.status_code}")

    def clear(self, prefix: str = "") -> None:
        """Delete every object under the folder ``prefix`` of the root."""
        self.check_readonly()
        folder = normalize_prefix(prefix)
        self._delete_full_keys([self._key(k) for k in self._keys_under(folder)])

    def rename(self, new_root: str) -> None:
        """Move every object to ``new_root`` (same creds; the target must be empty)."""
        self.check_readonly()
        target = GCSProvider(new_root, creds=self.creds, token=self.token, project=self.project)
        if target._keys_under(""):
            raise PathNotEmptyException(f"Cannot rename to '{target.root}': the path is not empty.")
        keys = self._keys_under("")

        def move(key):
            source = self.bucket_handle.blob(self._key(key))
            self._call(lambda: self.bucket_handle.copy_blob(
                source, target.bucket_handle, target._key(key), timeout=_TIMEOUT),
                S3SetError, key, missing_is_key_error=False)

        list(self._executor().map(move, keys))
        self._delete_full_keys([self._key(k) for k in keys])
        self.root, self.bucket, self.path = target.root, target.bucket, target.path
        self._bucket_handle = None
        self._client = None
        self._batch_client = None

    # -- handles ---------------------------------------------------------------

    def subdir(self, path: str, read_only: bool = False) -> "GCSProvider":
        sub = GCSProvider(f"{self.root}/{path.strip('/')}", creds=self.creds, token=self.token,
                          project=self.project)
        sub._read_only = read_only
        return sub

    def __getstate__(self) -> Dict[str, Any]:
        # no client, pool or lock: each process builds its own on first use
        return {"root": self.root, "creds": self.creds, "token": self.token,
                "project": self.project, "read_only": self._read_only}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__init__(state["root"], creds=state["creds"], token=state["token"],
                      project=state["project"])
        self._read_only = state["read_only"]

