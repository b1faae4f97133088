"""Storage in an S3 (or S3-compatible) bucket: ``s3://bucket/prefix``.

Every key is the object ``prefix/key`` of the bucket. The boto3 client is
created on first use, never pickled, and re-created in each process (forked
transform workers, Ray actors), so a provider can be shipped anywhere.

Transient failures (throttling, dropped connections, 5xx) are retried by
botocore's "standard" retry mode; reading a response body is retried here,
because botocore's retries end once the headers have arrived.
"""

from __future__ import annotations

import os
import random
import threading
import time
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

#: Credential keys accepted in ``creds`` (3.8 names); anything else is refused.
CREDS_KEYS = frozenset(
    {
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "endpoint_url",
        "aws_region",
        "region",
        "profile_name",
    }
)

_DELETE_BATCH = 1000  # DeleteObjects takes at most this many keys
_LIST_PAGE_SIZE = 1000  # ListObjectsV2 returns at most this many keys a page
_BODY_READ_ATTEMPTS = 4
_MISSING_KEY_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
_DENIED_CODES = frozenset(
    {"AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
     "InvalidToken", "Forbidden"}
)


def _boto():
    """boto3 and botocore, imported on first use."""
    try:
        import boto3
        import botocore
        import botocore.config
        import botocore.exceptions
    except ImportError as err:
        raise ModuleNotInstalledException(
            "s3:// paths need boto3. Install it with `pip install deeplake[s3]`."
        ) from err
    return boto3, botocore


def _connection_errors() -> tuple:
    """botocore errors raised while a response body is streamed (failures to
    connect at all were already retried by botocore and are not repeated)."""
    _, botocore = _boto()
    exc = botocore.exceptions
    names = ("ReadTimeoutError", "ConnectionClosedError", "IncompleteReadError",
             "ResponseStreamingError")
    return tuple(getattr(exc, n) for n in names if hasattr(exc, n))


def split_s3_root(root: str):
    """``s3://bucket/a/b/`` -> (``s3://bucket/a/b``, ``bucket``, ``a/b/``)."""
    if not root.lower().startswith("s3://"):
        raise ValueError(f"Expected an s3:// path, got {root!r}.")
    rest = root[5:].strip("/")
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise ValueError(f"The S3 path {root!r} names no bucket.")
    prefix = prefix.strip("/")
    clean = f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"
    return clean, bucket, prefix + "/" if prefix else ""


def _normalize_creds(creds) -> Dict[str, Any]:
    """A creds dict with only the known keys; ``None``, ``{}`` and ``"ENV"`` mean
    boto3's default chain (environment, config files, instance role)."""
    if creds is None or creds == "ENV":
        return {}
    if not isinstance(creds, dict):
        raise ValueError("creds must be a dict or the string 'ENV'.")
    unknown = set(creds) - CREDS_KEYS
    if unknown:
        raise ValueError(
            f"Unknown S3 creds keys {sorted(unknown)}; expected some of {sorted(CREDS_KEYS)}."
        )
    return {k: v for k, v in creds.items() if v is not None}


class S3Provider(RemoteStorageProvider):
    pool_name = "deeplake-s3"

    """Keys are objects under ``s3://bucket/prefix``."""

    supports_ranged_reads = True
    is_local = False

    def __init__(self, root: str, creds=None, token: Optional[str] = None):
        self.root, self.bucket, self.path = split_s3_root(root)
        self.creds = _normalize_creds(creds)
        self.token = token  # Activeloop tokens are only for hub:// paths; kept for 3.8 callers
        self.endpoint_url: Optional[str] = self.creds.get("endpoint_url")
        self.aws_region: Optional[str] = self.creds.get("aws_region") or self.creds.get("region")
        self.profile_name: Optional[str] = self.creds.get("profile_name")
        self._read_only = False
        self._client = None
        self._pool: Optional[ThreadPoolExecutor] = None
        self._lock = threading.Lock()
        self._pid = os.getpid()

    # -- client ---------------------------------------------------------------

    @property
    def client(self):
        """The boto3 S3 client, created on first use (thread-safe after that)."""
        if self._pid != os.getpid():
            self._after_fork()
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._make_client()
        return self._client

    def _make_client(self):
        boto3, botocore = _boto()
        config = botocore.config.Config(
            max_pool_connections=MAX_PARALLEL_REQUESTS + 8,
            connect_timeout=60,
            read_timeout=300,
            retries={"max_attempts": 5, "mode": "standard"},
        )
        session = boto3.session.Session(profile_name=self.profile_name)
        region = self.aws_region or session.region_name
        if region is None and self.endpoint_url:
            region = "us-east-1"  # S3-compatible servers ignore it, botocore needs one
        return session.client(
            "s3",
            aws_access_key_id=self.creds.get("aws_access_key_id"),
            aws_secret_access_key=self.creds.get("aws_secret_access_key"),
            aws_session_token=self.creds.get("aws_session_token"),
            endpoint_url=self.endpoint_url,
            region_name=region,
            config=config,
        )

    def _key(self, path: str) -> str:
        return self.path + path

    # -- error handling --------------------------------------------------------

    def _call(self, fn: Callable[[], Any], error_class: Type[S3Error], path: str = "",
              missing_is_key_error: bool = True):
        """Run ``fn`` (a request plus its body read), retrying dropped streams and
        turning botocore errors into KeyError or ``error_class`` naming the bucket."""
        _, botocore = _boto()
        transient = _connection_errors()
        for attempt in range(_BODY_READ_ATTEMPTS):
            try:
                return fn()
            except botocore.exceptions.ClientError as err:
                raise self._translate(err, error_class, path, missing_is_key_error) from None
            except transient as err:
                if attempt + 1 == _BODY_READ_ATTEMPTS:
                    raise error_class(
                        f"Connection to bucket '{self.bucket}' failed for '{self._key(path)}' "
                        f"after {_BODY_READ_ATTEMPTS} attempts: {err}"
                    ) from err
                time.sleep(min(2.0, 0.1 * 2**attempt) * (0.5 + random.random()))
            except botocore.exceptions.NoCredentialsError as err:
                raise error_class(
                    f"No AWS credentials found for bucket '{self.bucket}': pass creds= or set "
                    "them in the environment."
                ) from err
            except botocore.exceptions.BotoCoreError as err:
                raise error_class(f"S3 request on bucket '{self.bucket}' failed: {err}") from err

    def _translate(self, err, error_class, path: str, missing_is_key_error: bool) -> Exception:
        info = err.response.get("Error", {})
        code = str(info.get("Code", ""))
        if code == "NoSuchBucket":
            return error_class(f"The bucket '{self.bucket}' does not exist (root {self.root}).")
        if code in _MISSING_KEY_CODES and missing_is_key_error:
            return KeyError(path)
        if code in _DENIED_CODES:
            return error_class(
                f"Access to bucket '{self.bucket}' was denied ({code}): check the creds "
                f"(aws_access_key_id / aws_secret_access_key / endpoint_url) for {self.root}."
            )
        message = info.get("Message") or str(err)
        return error_class(f"S3 error on bucket '{self.bucket}', key '{self._key(path)}': "
                           f"{code} {message}")

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
        kwargs: Dict[str, Any] = {"Bucket": self.bucket, "Key": self._key(path)}
        if start or end_byte is not None:
            last = "" if end_byte is None else str(end_byte - 1)
            kwargs["Range"] = f"bytes={start}-{last}"

        def fetch():
            try:
                return self.client.get_object(**kwargs)["Body"].read()
            except Exception as err:
                response = getattr(err, "response", None) or {}
                if response.get("Error", {}).get("Code") == "InvalidRange":  # the range starts past the end
                    return b""
                raise

        return self._call(fetch, S3GetError, path)

    def _head(self, path: str) -> Dict[str, Any]:
        return self._call(
            lambda: self.client.head_object(Bucket=self.bucket, Key=self._key(path)),
            S3GetError, path)

    def __contains__(self, path: object) -> bool:
        if not isinstance(path, str):
            return False
        try:
            self._head(path)
        except KeyError:
            return False
        return True

    def get_object_size(self, path: str) -> int:
        return int(self._head(path)["ContentLength"])

    # -- listing ---------------------------------------------------------------

    def _iter_objects(self, prefix: str) -> Iterator[str]:
        """Full keys of every object whose key starts with ``prefix``."""
        paginator = self.client.get_paginator("list_objects_v2")
        pages = iter(paginator.paginate(
            Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": _LIST_PAGE_SIZE}))
        while True:
            page = self._call(lambda: next(pages, None), S3ListError, prefix,
                              missing_is_key_error=False)
            if page is None:
                return
            for item in page.get("Contents", ()):
                yield item["Key"]

    # -- writes ----------------------------------------------------------------

    def __setitem__(self, path: str, value) -> None:
        self.check_readonly()
        body = value if isinstance(value, bytes) else bytes(memoryview(value).cast("B"))
        self._call(
            lambda: self.client.put_object(Bucket=self.bucket, Key=self._key(path), Body=body),
            S3SetError, path, missing_is_key_error=False)

    def write_parts(self, path: str, parts) -> None:
        # a single PUT needs one body; joining is cheaper than a multipart upload
        # for chunk-sized objects (a few to tens of MB)
        parts = list(parts)
        if len(parts) == 1:
            self[path] = parts[0]
        else:
            self[path] = b"".join(memoryview(p).cast("B") for p in parts)

    def __delitem__(self, path: str) -> None:
        self.check_readonly()
        self._head(path)  # S3 deletes silently; the mapping contract wants KeyError
        self._call(
            lambda: self.client.delete_object(Bucket=self.bucket, Key=self._key(path)),
            S3DeletionError, path, missing_is_key_error=False)

    def delete_multiple(self, paths: Iterable[str]) -> None:
        """Delete ``paths`` in batches of 1000 (keys already absent are ignored)."""
        self.check_readonly()
        self._delete_full_keys([self._key(p) for p in paths])

    def _delete_full_keys(self, keys: List[str]) -> None:
        for i in range(0, len(keys), _DELETE_BATCH):
            batch = [{"Key": k} for k in keys[i:i + _DELETE_BATCH]]
            response = self._call(
                lambda: self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}),
                S3DeletionError, missing_is_key_error=False)
            errors = response.get("Errors") or []
            if errors:
                first = errors[0]
                raise S3DeletionError(
                    f"Could not delete {len(errors)} object(s) from bucket '{self.bucket}', "
                    f"e.g. '{first.get('Key')}': {first.get('Code')} {first.get('Message')}"
                )

    def clear(self, prefix: str = "") -> None:
        """Delete every object under the folder ``prefix`` of the root."""
        self.check_readonly()
        folder = normalize_prefix(prefix)
        self._delete_full_keys([self._key(k) for k in self._keys_under(folder)])

    def rename(self, new_root: str) -> None:
        """Move every object to ``new_root`` (same creds; the target must be empty)."""
        self.check_readonly()
        target = S3Provider(new_root, creds=self.creds, token=self.token)
        if target._keys_under(""):
            raise PathNotEmptyException(f"Cannot rename to '{target.root}': the path is not empty.")
        keys = self._keys_under("")

        def move(key):
            source = {"Bucket": self.bucket, "Key": self._key(key)}
            self._call(lambda: self.client.copy_object(
                CopySource=source, Bucket=target.bucket, Key=target._key(key)),
                S3SetError, key, missing_is_key_error=False)

        list(self._executor().map(move, keys))
        self._delete_full_keys([self._key(k) for k in keys])
        self.root, self.bucket, self.path = target.root, target.bucket, target.path

    # -- handles ---------------------------------------------------------------

    def subdir(self, path: str, read_only: bool = False) -> "S3Provider":
        sub = S3Provider(f"{self.root}/{path.strip('/')}", creds=self.creds, token=self.token)
        sub._read_only = read_only
        return sub

    def __getstate__(self) -> Dict[str, Any]:
        # no client, pool or lock: each process builds its own on first use
        return {"root": self.root, "creds": dict(self.creds), "token": self.token,
                "read_only": self._read_only}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__init__(state["root"], creds=state["creds"], token=state["token"])
        self._read_only = state["read_only"]

