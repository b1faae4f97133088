"""deeplake.dataset / empty / load / exists / delete / rename / copy / like."""
from __future__ import annotations

import atexit
import json
import os
import pathlib
import weakref
from typing import Dict, Optional, Union

from deeplake.constants import DEFAULT_LOCAL_CACHE_SIZE, DEFAULT_MEMORY_CACHE_SIZE, FIRST_COMMIT_ID, MB
from deeplake.core.context import DatasetContext
from deeplake.core.dataset import Dataset
from deeplake.core.state import DatasetState
from deeplake.errors import (
    CheckoutError,
    DatasetCorruptError,
    DatasetHandlerError,
    LockedException,
    ReadOnlyModeError,
)
from deeplake.format import keys
from deeplake.format.meta import DatasetMeta, dumps_compact, empty_version_control_info

PathLike = Union[str, pathlib.Path]

# open writable states, so a second handle in this process sees unflushed writes
_OPEN_STATES: "weakref.WeakSet[DatasetState]" = weakref.WeakSet()


def _flush_all_open() -> None:
    for st in list(_OPEN_STATES):
        try:
            if st.is_dirty:
                st.flush()
        except Exception:
            pass


atexit.register(_flush_all_open)


def _split_version(path: PathLike):
    path = os.fspath(path) if not isinstance(path, str) else path
    if path.startswith("hub://") or "://" not in path:
        base, sep, ver = path.rpartition("@")
        if sep and "/" not in ver and ver:
            return base, ver
        return path, None
    scheme, rest = path.split("://", 1)
    base, sep, ver = rest.rpartition("@")
    if sep and ver and "/" not in ver:
        return f"{scheme}://{base}", ver
    return path, None


def _check_cloud(path: str) -> None:
    if path.startswith("hub://"):
        from deeplake.errors import CloudServiceUnavailableError

        raise CloudServiceUnavailableError(
            f"Cannot open '{path}': hub:// paths need the Activeloop cloud service, which this "
            f"offline implementation cannot reach. Use a local path, mem:// or an object store."
        )


def _base_storage(path: str, creds, read_only: bool):
    from deeplake.storage import storage_provider_from_path

    _check_cloud(path)
    if isinstance(creds, str) and creds != "ENV":
        raise ValueError("creds must be a dict or the string 'ENV'.")
    return storage_provider_from_path(path, creds=creds if isinstance(creds, dict) else None, read_only=bool(read_only))


def _dataset_exists(storage, commit_id: str = FIRST_COMMIT_ID) -> bool:
    for key in (keys.dataset_meta_key(commit_id), keys.VERSION_CONTROL_INFO):
        try:
            storage[key]
            return True
        except KeyError:
            continue
    return False


def _chain(base, memory_cache_size, local_cache_size):
    from deeplake.storage import get_cache_chain

    return get_cache_chain(base, memory_cache_size, local_cache_size)


def _open(path: str, base, *, read_only, requested_read_only=None, memory_cache_size, local_cache_size, lock_enabled, lock_timeout,
          version: Optional[str], create: bool, verbose: bool, reset: bool = False) -> Dataset:
    storage = _chain(base, memory_cache_size, local_cache_size)
    ctx = DatasetContext(storage, path, read_only=bool(read_only))
    state = DatasetState(ctx, memory_cache_bytes=int(memory_cache_size * MB))
    state.user_read_only = bool(requested_read_only)
    state.lock_enabled = bool(lock_enabled)
    if create:
        ctx.vc_info = empty_version_control_info()
        state.meta = DatasetMeta()
        state.mark_meta_dirty()
        state.pending_version_info = True
    else:
        from deeplake.storage.journal import recover

        recover(base)  # a flush cut short by a dead writer is completed first
        ctx.load_version_info()
        _checkout_address(ctx, version)
        try:
            state.load()
        except KeyError:
            raise DatasetCorruptError(
                f"Dataset at '{path}' has no dataset_meta.json for commit '{ctx.commit_id}'."
            ) from None
    if not ctx.read_only and lock_enabled:
        _take_lock(state, lock_timeout, requested_read_only)
    ds = Dataset(state)
    if create:
        state.flush()
    if not ctx.read_only:
        _OPEN_STATES.add(state)
    return ds


def _checkout_address(ctx: DatasetContext, version: Optional[str]) -> None:
    info = ctx.vc_info
    address = version or "main"
    if address in info["branches"]:
        ctx.branch = address
        ctx.commit_id = info["branches"][address]
    elif address in info["commits"]:
        ctx.commit_id = address
        ctx.branch = info["commits"][address]["branch"]
        if not ctx.is_head(address):
            ctx.read_only = True
    else:
        raise CheckoutError(f"Address '{address}' is neither a branch nor a commit id of this dataset.")


def _take_lock(state: DatasetState, timeout, read_only_requested) -> None:
    from deeplake.storage.lock import lock_dataset

    ctx = state.ctx
    version = None if ctx.commit_id == FIRST_COMMIT_ID else ctx.commit_id
    try:
        state.lock = lock_dataset(ctx.storage.next_storage if hasattr(ctx.storage, "next_storage") else ctx.storage,
                                  version, timeout=timeout, owner=state)
        state.lock_version = version
    except LockedException:
        if read_only_requested is False:
            raise
        ctx.read_only = True


def _release_lock(state: DatasetState) -> None:
    if state.lock is None:
        return
    from deeplake.storage.lock import unlock_dataset

    ctx = state.ctx
    version = getattr(state, "lock_version", None)
    base = ctx.storage.next_storage if hasattr(ctx.storage, "next_storage") else ctx.storage
    try:
        unlock_dataset(base, version, owner=state)
    except Exception:
        pass
    state.lock = None


def _flush_same_path(path: str) -> None:
    for st in list(_OPEN_STATES):
        if st.ctx.path == path and st.is_dirty:
            st.flush()


def _norm_path(path: PathLike) -> str:
    p = os.fspath(path)
    if "://" in p:
        return p
    return os.path.abspath(os.path.expanduser(p))


def dataset(path: PathLike, runtime: Optional[Dict] = None, read_only: Optional[bool] = None, overwrite: bool = False,
            public: bool = False, memory_cache_size: int = DEFAULT_MEMORY_CACHE_SIZE,
            local_cache_size: int = DEFAULT_LOCAL_CACHE_SIZE, creds=None, token: Optional[str] = None,
            org_id: Optional[str] = None, verbose: bool = True, access_method: str = "stream", unlink: bool = False,
            reset: bool = False, check_integrity: Optional[bool] = False, lock_enabled: Optional[bool] = True,
            lock_timeout: Optional[int] = 0, index_params=None) -> Dataset:
    """Open the dataset at ``path``, creating it when there is none."""
    raw, version = _split_version(path)
    _check_access_method(access_method)
    base = _base_storage(raw, creds, False)
    exists = _dataset_exists(base)
    if overwrite and exists:
        if version:
            raise ValueError("Cannot overwrite a dataset at a specific version; drop '@version' from the path.")
        base.clear()
        exists = False
    if exists:
        return load(path, read_only=read_only, memory_cache_size=memory_cache_size, local_cache_size=local_cache_size,
                    creds=creds, token=token, verbose=verbose, reset=reset, check_integrity=check_integrity,
                    lock_enabled=lock_enabled, lock_timeout=lock_timeout)
    if version:
        raise ValueError(f"Cannot create a dataset at a version ('{version}'); create it first, then commit.")
    if read_only:
        raise DatasetHandlerError(f"No dataset exists at '{raw}' to open read-only.")
    return _open(_display_path(raw), base, read_only=False, memory_cache_size=memory_cache_size,
                 local_cache_size=local_cache_size, lock_enabled=lock_enabled, lock_timeout=lock_timeout,
                 version=None, create=True, verbose=verbose)


def _display_path(raw: str) -> str:
    return raw if "://" in raw else os.path.expanduser(raw)


def _check_access_method(access_method: str) -> None:
    if access_method != "stream":
        kind = access_method.split(":")[0]
        if kind not in ("download", "local"):
            raise ValueError(f"Invalid access_method '{access_method}'; use 'stream', 'download' or 'local'.")
        if not os.environ.get("DEEPLAKE_DOWNLOAD_PATH"):
            raise ValueError(f"access_method='{access_method}' needs the DEEPLAKE_DOWNLOAD_PATH environment variable.")


def empty(path: PathLike, runtime: Optional[dict] = None, overwrite: bool = False, public: bool = False,
          memory_cache_size: int = DEFAULT_MEMORY_CACHE_SIZE, local_cache_size: int = DEFAULT_LOCAL_CACHE_SIZE,
          creds=None, token: Optional[str] = None, org_id: Optional[str] = None, lock_enabled: Optional[bool] = True,
          lock_timeout: Optional[int] = 0, verbose: bool = True, index_params=None) -> Dataset:
    """Create an empty dataset (DatasetHandlerError if one exists and not ``overwrite``)."""
    raw, version = _split_version(path)
    if version:
        raise ValueError(f"Cannot create a dataset at a version ('{version}').")
    base = _base_storage(raw, creds, False)
    if _dataset_exists(base):
        if not overwrite:
            raise DatasetHandlerError(
                f"A dataset already exists at '{raw}'. Use deeplake.load to open it or pass overwrite=True."
            )
        base.clear()
    elif overwrite:
        base.clear()
    return _open(_display_path(raw), base, read_only=False, memory_cache_size=memory_cache_size,
                 local_cache_size=local_cache_size, lock_enabled=lock_enabled, lock_timeout=lock_timeout,
                 version=None, create=True, verbose=verbose)


def load(path: PathLike, read_only: Optional[bool] = None, memory_cache_size: int = DEFAULT_MEMORY_CACHE_SIZE,
         local_cache_size: int = DEFAULT_LOCAL_CACHE_SIZE, creds=None, token: Optional[str] = None,
         org_id: Optional[str] = None, verbose: bool = True, access_method: str = "stream", unlink: bool = False,
         reset: bool = False, check_integrity: Optional[bool] = None, lock_timeout: Optional[int] = 0,
         lock_enabled: Optional[bool] = True, index_params=None) -> Dataset:
    """Open an existing dataset (DatasetHandlerError if there is none)."""
    raw, version = _split_version(path)
    _check_access_method(access_method)
    base = _base_storage(raw, creds, bool(read_only))
    _flush_same_path(_display_path(raw))
    if not _dataset_exists(base):
        raise DatasetHandlerError(f"No dataset exists at '{raw}'. Use deeplake.empty or deeplake.dataset to create one.")
    ds = _open(_display_path(raw), base, read_only=bool(read_only) or base.read_only, requested_read_only=read_only,
               memory_cache_size=memory_cache_size,
               local_cache_size=local_cache_size, lock_enabled=lock_enabled, lock_timeout=lock_timeout,
               version=version, create=False, verbose=verbose, reset=reset)
    if check_integrity:
        _check_integrity(ds)
    from deeplake.core.saved_views import is_virtual_view_dataset, view_of_vds

    if is_virtual_view_dataset(ds):  # a view saved at a path opens as that view
        return view_of_vds(ds, creds=creds)
    return ds


def _check_integrity(ds: Dataset) -> None:
    for name, t in ds.tensors.items():
        eng = t._engine
        if eng.chunk_ids.num_samples != eng.num_samples:
            raise DatasetCorruptError(
                f"Tensor '{name}' meta says {eng.num_samples} samples but its chunk index holds "
                f"{eng.chunk_ids.num_samples}."
            )


def exists(path: PathLike, creds=None, token: Optional[str] = None) -> bool:
    raw, _ = _split_version(path)
    base = _base_storage(raw, creds, True)
    return _dataset_exists(base)


def delete(path: PathLike, force: bool = False, large_ok: bool = False, creds=None, token: Optional[str] = None,
           verbose: bool = False) -> None:
    raw, version = _split_version(path)
    if version:
        raise ValueError("Cannot delete a single version of a dataset; remove '@version' from the path.")
    base = _base_storage(raw, creds, False)
    if not _dataset_exists(base):
        if force:
            base.clear()
            return
        raise DatasetHandlerError(f"No dataset exists at '{raw}'.")
    try:
        meta = DatasetMeta.frombuffer(base[keys.DATASET_META])
        if not meta.allow_delete and not force:
            raise DatasetHandlerError(f"Dataset at '{raw}' has allow_delete=False; set it to True first.")
    except KeyError:
        pass
    _forget_open(_display_path(raw))
    base.clear()
    if not base.is_local or "://" in raw:
        return
    try:
        os.rmdir(base.root)
    except OSError:
        pass


def _forget_open(path: str) -> None:
    for st in list(_OPEN_STATES):
        if st.ctx.path == path:
            _release_lock(st)
            _OPEN_STATES.discard(st)


def rename(old_path: PathLike, new_path: PathLike, creds=None, token: Optional[str] = None) -> Dataset:
    from deeplake.errors import RenameError

    old_raw, _ = _split_version(old_path)
    new_raw, _ = _split_version(new_path)
    base = _base_storage(old_raw, creds, False)
    if not _dataset_exists(base):
        raise DatasetHandlerError(f"No dataset exists at '{old_raw}'.")
    if "://" not in old_raw and os.path.dirname(os.path.abspath(os.path.expanduser(old_raw))) != os.path.dirname(
        os.path.abspath(os.path.expanduser(new_raw))
    ):
        raise RenameError("Only the name of the dataset can change; use deeplake.copy to move it elsewhere.")
    if "://" in old_raw or "://" in new_raw:
        if old_raw.split("://")[0] != new_raw.split("://")[0]:
            raise RenameError("Renaming cannot move a dataset to another storage backend; use deeplake.copy.")
    if os.path.exists(os.path.expanduser(new_raw)) and os.listdir(os.path.expanduser(new_raw)):
        raise DatasetHandlerError(f"Path '{new_raw}' is not empty.")
    _flush_same_path(_display_path(old_raw))
    _forget_open(_display_path(old_raw))
    base.rename(_norm_path(new_raw) if "://" not in new_raw else new_raw)
    return load(new_raw, creds=creds)


def like(dest: PathLike, src, runtime=None, tensors=None, overwrite: bool = False, creds=None,
         token: Optional[str] = None, public: bool = False) -> Dataset:
    """A new empty dataset at ``dest`` with the tensors (meta and info) of ``src``."""
    src_ds = src if isinstance(src, Dataset) else load(src, read_only=True)
    out = empty(dest, overwrite=overwrite, creds=creds)
    names = tensors or list(src_ds.tensors)
    with out:
        for name in names:
            out.create_tensor_like(name, src_ds[name])
        if src_ds.info.keys():
            out.info.update(dict(src_ds.info.items()))
    return out


def copy(src, dest: PathLike, runtime=None, tensors=None, overwrite: bool = False, src_creds=None, dest_creds=None,
         token=None, num_workers: int = 0, scheduler: str = "threaded", progressbar: bool = True, public: bool = False):
    src_ds = src if isinstance(src, Dataset) else load(src, read_only=True, creds=src_creds)
    return copy_dataset_view(src_ds, dest, tensors=tensors, overwrite=overwrite, creds=dest_creds,
                             num_workers=num_workers, scheduler=scheduler, progressbar=progressbar)


def deepcopy(src, dest: PathLike, runtime=None, tensors=None, overwrite: bool = False, src_creds=None,
             dest_creds=None, token=None, num_workers: int = 0, scheduler: str = "threaded",
             progressbar: bool = True, public: bool = False, verbose: bool = True):
    """Copy a dataset with its whole version history."""
    from deeplake.core.copying import deepcopy_dataset

    src_ds = src if isinstance(src, Dataset) else load(src, read_only=True, creds=src_creds)
    return deepcopy_dataset(src_ds, dest, tensors=tensors, overwrite=overwrite, creds=dest_creds,
                            num_workers=num_workers, scheduler=scheduler, progressbar=progressbar)


def copy_dataset_view(ds: Dataset, dest: PathLike, tensors=None, overwrite=False, creds=None, progressbar=True,
                      num_workers: int = 0, scheduler: str = "threaded"):
    """Copy the rows of ``ds`` (a dataset or view) into a new dataset, without history."""
    from deeplake.core.copying import copy_rows

    return copy_rows(ds, dest, tensors=tensors, overwrite=overwrite, creds=creds, num_workers=num_workers,
                     scheduler=scheduler, progressbar=progressbar)


# ------------------------------------------------------------------ handles
def delete_open_dataset(ds: Dataset, large_ok: bool = False) -> None:
    if not ds.allow_delete:
        raise DatasetHandlerError("This dataset has allow_delete=False; set ds.allow_delete = True first.")
    ds._ctx.check_writable("delete the dataset")
    state = ds._state
    _release_lock(state)
    _OPEN_STATES.discard(state)
    st = ds._ctx.storage
    st.clear()
    base = st
    while hasattr(base, "next_storage"):
        base = base.next_storage
    if getattr(base, "is_local", False):
        try:
            os.rmdir(base.root)
        except OSError:
            pass


def rename_open_dataset(ds: Dataset, path: PathLike) -> None:
    new = rename(ds.path, path)
    object.__setattr__(ds, "_state", new._state)


def close_dataset(ds: Dataset) -> None:
    state = ds._state
    if not state.ctx.read_only and state.is_dirty:
        state.flush()
    _release_lock(state)
    _OPEN_STATES.discard(state)


def set_read_only(ds: Dataset, value: bool) -> None:
    state = ds._state
    if value:
        if state.is_dirty:
            state.flush()
        _release_lock(state)
        state.ctx.read_only = True
        _OPEN_STATES.discard(state)
    else:
        base = state.ctx.storage
        while hasattr(base, "next_storage"):
            base = base.next_storage
        if base.read_only:
            raise ReadOnlyModeError(f"The storage of '{ds.path}' is read-only.")
        if not state.ctx.is_head():
            raise ReadOnlyModeError("Cannot write at a commit that is not the head of a branch; check out a branch.")
        state.ctx.read_only = False
        _take_lock(state, 0, False)
        _OPEN_STATES.add(state)


def dataset_getstate(ds: Dataset) -> dict:
    if ds.path.startswith("mem://"):
        from deeplake.errors import MemoryDatasetCanNotBePickledError

        raise MemoryDatasetCanNotBePickledError("Memory datasets cannot be pickled; use a local path.")
    ds.flush()
    return {
        "path": ds.path,
        "read_only": ds.read_only,
        "commit_id": ds._ctx.commit_id,
        "group": ds._group,
        "index": ds._index.to_json(),
        "only": ds._only,
        "pad": ds._pad,
    }


def dataset_setstate(ds: Dataset, d: dict) -> None:
    from deeplake.core.index import Index

    other = load(f"{d['path']}@{d['commit_id']}" if d["commit_id"] != FIRST_COMMIT_ID else d["path"],
                 read_only=True if d["read_only"] else None, lock_enabled=False)
    object.__setattr__(ds, "_state", other._state)
    object.__setattr__(ds, "_group", d["group"])
    object.__setattr__(ds, "_index", Index.from_json(d["index"]))
    from deeplake.core.writer import DatasetWriter
    from deeplake.core.schema import SchemaService

    object.__setattr__(ds, "_writer", DatasetWriter(ds))
    object.__setattr__(ds, "_schema", SchemaService(ds))
    object.__setattr__(ds, "_only", tuple(d["only"]) if d.get("only") else None)
    object.__setattr__(ds, "_pad", bool(d.get("pad", False)))


# ---------------------------------------------------------------- the cloud platform
def _platform_unavailable(what: str):
    from deeplake.errors import CloudServiceUnavailableError

    return CloudServiceUnavailableError(
        f"{what} needs the Activeloop platform (app.activeloop.ai), which this offline "
        f"implementation cannot reach. Datasets on local disk, mem:// and object stores work without it."
    )


def connect(src_path: str, creds_key: str, dest_path: Optional[str] = None, org_id: Optional[str] = None,
            ds_name: Optional[str] = None, token: Optional[str] = None):
    """Connecting a dataset to the Activeloop platform (spec: deeplake.connect): not available offline."""
    raise _platform_unavailable(f"Connecting '{src_path}' to an organization")


def list_datasets(org_id: str = "", token: Optional[str] = None):
    """Datasets of an Activeloop organization (spec: ``deeplake.list``): not available offline.

    Named so here because a module-level ``list`` would hide the builtin in this module.
    """
    raise _platform_unavailable("Listing an organization's datasets")
