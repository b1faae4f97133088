"""Key -> bytes storage: base contract, memory and local backends, LRU cache."""

from deeplake.storage.base import StorageProvider
from deeplake.storage.factory import get_cache_chain, storage_provider_from_path
from deeplake.storage.local import LocalProvider
from deeplake.storage.lru_cache import LRUCache, get_base_storage
from deeplake.storage.memory import MemoryProvider

__all__ = [
    "StorageProvider",
    "MemoryProvider",
    "LocalProvider",
    "LRUCache",
    "get_base_storage",
    "storage_provider_from_path",
    "get_cache_chain",
]
