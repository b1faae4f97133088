"""From a user's path to a provider, and from a provider to its cache chain."""

from __future__ import annotations

import os
import re
from typing import Any, Dict, Optional, Union

from deeplake.constants import DEFAULT_LOCAL_CACHE_SIZE, DEFAULT_MEMORY_CACHE_SIZE, MB
from deeplake.storage.base import StorageProvider
from deeplake.storage.local import LocalProvider
from deeplake.storage.lru_cache import LRUCache
from deeplake.storage.memory import MemoryProvider
from deeplake.storage.registry import provider_class, scheme_of

#: Parent folder of on-disk caches unless LOCAL_CACHE_PREFIX says otherwise.
DEFAULT_LOCAL_CACHE_PREFIX = "~/.activeloop/cache"


def storage_provider_from_path(
    path: Union[str, "os.PathLike[str]"],
    creds: Optional[Dict[str, Any]] = None,
    read_only: bool = False,
    token: Optional[str] = None,
) -> StorageProvider:
    """The base provider for ``path``: a local folder, ``mem://...`` or a URL.

    Raises ModuleNotInstalledException for cloud schemes whose backend is not
    available and CloudServiceUnavailableError for ``hub://``.
    """
    if not isinstance(path, str):
        path = os.fspath(path)
    scheme = scheme_of(path)
    if scheme is None or scheme == "file":
        provider: StorageProvider = LocalProvider(path)
    elif scheme == "mem":
        provider = MemoryProvider(path)
    else:
        provider = provider_class(scheme)(path, creds=creds, token=token)
    if read_only:
        provider.enable_readonly()
    return provider


def _cache_folder_name(root: str) -> str:
    return re.sub(r"[:/\\]+", "_", root).strip("_") or "root"


def get_cache_chain(
    base: StorageProvider,
    memory_cache_size_mb: int = DEFAULT_MEMORY_CACHE_SIZE,
    local_cache_size_mb: int = DEFAULT_LOCAL_CACHE_SIZE,
    local_cache_dir: Optional[Union[str, "os.PathLike[str]"]] = None,
) -> LRUCache:
    """Memory LRU -> (local-disk LRU when ``local_cache_size_mb`` > 0) -> ``base``.

    Sizes are in MB of 10**6 bytes. The disk cache lives in ``local_cache_dir``
    or, by default, in ``$LOCAL_CACHE_PREFIX`` (``~/.activeloop/cache``) under
    a folder named after the dataset's root. The chain starts read-only when
    ``base`` is.
    """
    if memory_cache_size_mb < 0 or local_cache_size_mb < 0:
        raise ValueError("Cache sizes must be >= 0 MB.")
    next_storage: StorageProvider = base
    if local_cache_size_mb > 0:
        if local_cache_dir is None:
            prefix = os.environ.get("LOCAL_CACHE_PREFIX", DEFAULT_LOCAL_CACHE_PREFIX)
            local_cache_dir = os.path.join(prefix, _cache_folder_name(base.root))
        disk = LocalProvider(local_cache_dir)
        next_storage = LRUCache(disk, base, int(local_cache_size_mb * MB))
    top = LRUCache(MemoryProvider(), next_storage, int(memory_cache_size_mb * MB))
    lowest = top if next_storage is base else next_storage
    # a flush over storage that outlives the process lands whole (storage.journal)
    lowest.journaled = not isinstance(base, MemoryProvider)
    return top
