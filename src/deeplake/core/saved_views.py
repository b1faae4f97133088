"""Saved views: a view stored as a small dataset of row indices (FORMAT.md §1.7).

A view saved inside a dataset lives at ``.queries/<id>/`` and is listed in the
root ``queries.json``; a view saved at ``path`` is a standalone dataset that
``deeplake.load`` turns back into the view. Virtual views hold only the
``VDS_INDEX`` tensor of selected rows; optimized views also hold copies of
the selected rows, so they stream without touching the source.
"""
from __future__ import annotations

import hashlib
import json
import os
import pathlib
import time
from typing import Dict, List, Optional

import numpy as np

from deeplake.constants import FIRST_COMMIT_ID
from deeplake.errors import DatasetViewSavingError, ReadOnlyModeError
from deeplake.format import keys

VDS_INDEX = "VDS_INDEX"
_OPTIMIZED_SUFFIX = "_OPTIMIZED"
_QUERIES_LOCK_TIMEOUT = 10


# ------------------------------------------------------------------ storage helpers
def _base_storage(ds):
    st = ds._ctx.storage
    while getattr(st, "next_storage", None) is not None:
        st = st.next_storage
    return st


def _is_memory(ds) -> bool:
    return ds.path.startswith("mem://") or bool(getattr(_base_storage(ds), "process_local", False))


def _read_queries(storage) -> List[dict]:
    try:
        return json.loads(bytes(storage[keys.QUERIES]).decode("utf-8"))
    except KeyError:
        return []


def _write_queries(storage, entries: List[dict]) -> None:
    from deeplake.storage.lock import _writable

    with _writable(storage):
        storage[keys.QUERIES] = json.dumps(entries).encode("utf-8")


def _queries_lock(storage):
    from deeplake.storage.lock import Lock

    lock = Lock(storage, keys.QUERIES_LOCK, duration=60, refresh=False)
    lock.acquire(timeout=_QUERIES_LOCK_TIMEOUT)
    return lock


def _check_can_write_views(ds) -> None:
    """Views go to the base storage (they are not part of any commit), so only a
    dataset opened read-only by the user, or read-only storage, refuses them."""
    if ds._state.user_read_only or _base_storage(ds).read_only:
        raise ReadOnlyModeError(
            f"Cannot save or change views of '{ds.path}': it is open read-only. "
            f"Pass path=... to save_view to store the view elsewhere."
        )


def _open_nested(ds, folder: str, create: bool):
    """The dataset at ``.queries/<folder>`` of ``ds``'s storage."""
    from deeplake.api.dataset import _open

    base = _base_storage(ds)
    rel = keys.QUERIES_FOLDER + "/" + folder
    sub = base.subdir(rel, read_only=not create and base.read_only)
    if create:
        sub.clear()
    path = sub.root if "://" not in ds.path else ds.path.rstrip("/") + "/" + rel
    return _open(path, sub, read_only=not create, memory_cache_size=256, local_cache_size=0,
                 lock_enabled=False, lock_timeout=0, version=None, create=create, verbose=False)


# ------------------------------------------------------------------ ViewEntry
class ViewEntry:
    """A view saved inside a dataset (spec 19.3)."""

    def __init__(self, info: Dict, dataset, source_dataset=None, external: bool = False):
        self.info = info
        self._ds = dataset
        self._src_ds = source_dataset if external else dataset
        self._external = external

    def __getitem__(self, key: str):
        return self.info[key]

    def get(self, key: str, default=None):
        return self.info.get(key, default)

    @property
    def id(self) -> str:
        return self.info["id"].split("]")[-1]

    @property
    def message(self) -> str:
        return self.info.get("message", "")

    @property
    def query(self) -> Optional[str]:
        return self.info.get("query")

    @property
    def tql_query(self) -> Optional[str]:
        return self.info.get("tql_query")

    @property
    def commit_id(self) -> str:
        return self.info["source-dataset-version"]

    @property
    def virtual(self) -> bool:
        return bool(self.info["virtual-datasource"])

    @property
    def source_dataset_path(self) -> str:
        return self.info["source-dataset"]

    @property
    def tensors(self) -> Optional[List[str]]:
        """Tensors of an optimized view (None for a virtual view: all of the source's)."""
        if self.virtual:
            return None
        vds = _open_nested(self._ds, self._folder, create=False)
        return list(vds.tensors)

    @property
    def _folder(self) -> str:
        return self.info.get("path") or self.info["id"]

    def __repr__(self) -> str:
        return (f"View(id='{self.id}', message='{self.message}', virtual={self.virtual}, "
                f"commit_id={self.commit_id}, query='{self.query}', tql_query='{self.tql_query}')")

    __str__ = __repr__

    def load(self, verbose: bool = True):
        """The saved view as a (read-only) Dataset view."""
        vds = _open_nested(self._ds, self._folder, create=False)
        view = view_of_vds(vds, parent=self._ds) if self.virtual else vds
        if self.tql_query:
            view = view.query(self.tql_query)
        object.__setattr__(view, "_view_entry", self)
        return view

    def optimize(self, tensors: Optional[List[str]] = None, unlink: bool = True, num_workers: int = 0,
                 scheduler: str = "threaded", progressbar: bool = True) -> "ViewEntry":
        """Copy the view's rows into the saved view so it streams without the source."""
        if self.tql_query is not None:
            raise Exception("Optimizing nonlinear query views is not supported")
        self.info = _optimize_saved_view(self._ds, self.info["id"], tensors=tensors, num_workers=num_workers,
                                         scheduler=scheduler, progressbar=progressbar)
        return self

    def delete(self) -> None:
        delete_view(self._ds, self.info["id"])


# ------------------------------------------------------------------ save
def _view_hash(ds) -> str:
    sha = hashlib.sha3_256()
    for part in (ds.path, json.dumps(ds.index.to_json()), ds._ctx.commit_id,
                 getattr(ds, "_query", None), getattr(ds, "_tql_query", None)):
        sha.update(str(part).encode("utf-8"))
    return sha.hexdigest()


def _source_version(ds) -> str:
    from deeplake.version_control import history

    return history.commit_id(ds._ctx) or FIRST_COMMIT_ID


def _view_info(ds, id: Optional[str], message: Optional[str], optimized: bool) -> dict:
    from deeplake.version_control import history

    if history.has_head_changes(ds._state):
        raise DatasetViewSavingError(
            "The dataset's HEAD node has uncommitted changes. Commit them (ds.commit(...)) before saving a view, "
            "so the view keeps pointing at the data it was made from."
        )
    path = ds.path if "://" in ds.path else os.path.abspath(ds.path)
    info = {
        "id": _view_hash(ds) if id is None else id,
        "virtual-datasource": not optimized,
        "source-dataset": path,
        "source-dataset-version": _source_version(ds),
        "created_at": getattr(ds, "_created_at", None) or time.time(),
    }
    if message is not None:
        info["message"] = message
    made_by_query = False
    for attr, key in (("_query", "query"), ("_tql_query", "tql_query")):
        text = getattr(ds, attr, None)
        if text:
            info[key] = text
            # a query view records the index of the dataset it was run on (its rows are in VDS_INDEX)
            info["source-dataset-index"] = getattr(ds, "_source_ds_idx", None)
            made_by_query = True
    if not made_by_query:
        info["source-dataset-index"] = ds.index.to_json()
    return info


def _row_indices(ds) -> np.ndarray:
    n = ds._parent_len()
    return np.asarray(ds._index.values[0].numpy_indices(n), dtype=np.uint64).reshape(-1)


def _write_vds(ds, vds, info: dict, optimized: bool, tensors, num_workers, scheduler, ignore_errors,
               progressbar: bool = False) -> None:
    with vds:
        if optimized:
            from deeplake.core.copying import copy_rows_into

            view = ds if ds._index.values[0].subscriptable() else _as_list_view(ds)
            copy_rows_into(view, vds, tensors=tensors, num_workers=num_workers, scheduler=scheduler,
                           progressbar=progressbar, ignore_errors=ignore_errors)
            vds.create_tensor(VDS_INDEX, dtype="uint64", hidden=True, create_shape_tensor=False,
                              create_id_tensor=False, create_sample_info_tensor=False)
        else:
            vds.create_tensor(VDS_INDEX, dtype="uint64", create_shape_tensor=False, create_id_tensor=False,
                              create_sample_info_tensor=False)
            info["first-index-subscriptable"] = ds.index.subscriptable_at(0)
            if len(ds.index) > 1:
                info["sub-sample-index"] = ds.index.to_json()[1:]
        rows = _row_indices(ds)
        if len(rows):
            vds[VDS_INDEX].extend(rows.reshape(-1, 1))  # one (1,)-shaped row per index, as the reference stores
        vds.info.update(info)


def _as_list_view(ds):
    """A single-row view (ds[i]) as a one-row list view, for copying."""
    from deeplake.core.index import Index

    return ds._derive(Index.from_json([[int(_row_indices(ds)[0])]] + ds.index.to_json()[1:]))


def save_view(ds, message: Optional[str] = None, path=None, id: Optional[str] = None, optimize: bool = False,
              tensors: Optional[List[str]] = None, num_workers: int = 0, scheduler: str = "threaded",
              verbose: bool = True, ignore_errors: bool = False, **ds_args) -> str:
    """Save ``ds`` (a view) inside its dataset, or at ``path``; returns where it was saved."""
    if id is not None and not isinstance(id, str):
        raise TypeError(f"id {id!r} is of type {type(id).__name__}, expected `str`.")
    if isinstance(id, str) and (not id or "/" in id or "\\" in id or id in (".", "..")):
        raise ValueError(f"Invalid view id {id!r}: it must be a non-empty name without '/'.")
    if isinstance(path, pathlib.PurePath):
        path = os.fspath(path)
    saved = getattr(ds, "_vds_path", None)
    if path is None and saved is not None and (id is None or id == getattr(ds, "_vds_id", None)):
        return saved  # this very view was loaded from a saved view
    if not ds._ctx.read_only:
        ds._state.flush()
    if path is None:
        return _save_inside(ds, id, message, optimize, tensors, num_workers, scheduler, ignore_errors)
    return _save_at_path(ds, path, id, message, optimize, tensors, num_workers, scheduler, ignore_errors, ds_args)


def _save_inside(ds, id, message, optimize, tensors, num_workers, scheduler, ignore_errors) -> str:
    parent = getattr(ds, "_view_parent", None)
    target = parent if parent is not None else ds
    if _is_memory(target):
        raise NotImplementedError(
            "Saving views inside an in-memory (mem://) dataset is not supported; pass path=... to save it elsewhere."
        )
    _check_can_write_views(target)
    info = _view_info(ds, id, message, optimize)
    base = _base_storage(target)
    vds = _open_nested(target, info["id"], create=True)
    try:
        _write_vds(ds, vds, info, optimize, tensors, num_workers, scheduler, ignore_errors)
    except BaseException:
        base.clear(keys.view_prefix(info["id"]).rstrip("/"))
        raise
    lock = _queries_lock(base)
    try:
        entries = [e for e in _read_queries(base) if e.get("id") != info["id"]]
        pos = next((i for i, e in enumerate(_read_queries(base)) if e.get("id") == info["id"]), None)
        if pos is None:
            entries.append(info)
        else:
            entries.insert(pos, info)
        _write_queries(base, entries)
    finally:
        lock.release()
    return vds.path


def _save_at_path(ds, path, id, message, optimize, tensors, num_workers, scheduler, ignore_errors, ds_args) -> str:
    import deeplake

    def _abs(p):
        return p if "://" in p else os.path.abspath(os.path.expanduser(p))

    if _abs(str(path)) == _abs(ds.path):
        raise DatasetViewSavingError("Rewriting parent dataset is not allowed.")
    info = _view_info(ds, id, message, optimize)
    ds_args = dict(ds_args)
    ds_args["verbose"] = False
    try:
        vds = deeplake.empty(path, **ds_args)
    except Exception as e:
        raise DatasetViewSavingError(f"Cannot create the view dataset at '{path}': {e}") from e
    try:
        _write_vds(ds, vds, info, optimize, tensors, num_workers, scheduler, ignore_errors)
    finally:
        vds.close()
    return vds.path


# ------------------------------------------------------------------ load
def view_of_vds(vds, parent=None, creds=None):
    """The view a virtual saved-view dataset stands for, on its source at the saved commit."""
    import deeplake
    from deeplake.core.dataset import Dataset
    from deeplake.core.index import Index

    info = dict(vds._state.info)
    version = info.get("source-dataset-version") or FIRST_COMMIT_ID
    source_path = parent.path if parent is not None else info["source-dataset"]
    src = deeplake.load(f"{source_path}@{version}", read_only=True, creds=creds, verbose=False, lock_enabled=False)
    rows = vds[VDS_INDEX].numpy().reshape(-1).astype(np.int64) if VDS_INDEX in vds._state.meta.tensor_names else []
    if info.get("first-index-subscriptable", True):
        first = [int(r) for r in rows]
    else:
        first = int(rows[0])
    entries = [first] + list(info.get("sub-sample-index") or [])
    view = Dataset(src._state, "", Index.from_json(entries))
    object.__setattr__(view, "_vds", vds)
    object.__setattr__(view, "_vds_id", info.get("id"))
    object.__setattr__(view, "_vds_path", vds.path)
    if parent is not None:
        object.__setattr__(view, "_view_parent", parent.root if hasattr(parent, "root") else parent)
    for key, attr in (("query", "_query"), ("tql_query", "_tql_query")):
        if info.get(key):
            object.__setattr__(view, attr, info[key])
    return view


def is_virtual_view_dataset(ds) -> bool:
    try:
        return bool(ds._state.info.get("virtual-datasource", False))
    except Exception:
        return False


def get_views(ds, commit_id: Optional[str] = None) -> List[ViewEntry]:
    """Views saved in ``ds`` (all of them, or those made at ``commit_id``)."""
    entries = _read_queries(_base_storage(ds))
    if commit_id is not None:
        entries = [e for e in entries if e.get("source-dataset-version") == commit_id]
    return [ViewEntry(e, ds.root) for e in entries]


def get_view(ds, id: str) -> ViewEntry:
    if not isinstance(id, str):
        raise TypeError(f"id must be a str, got {type(id).__name__}")
    for e in _read_queries(_base_storage(ds)):
        if e.get("id") == id:
            return ViewEntry(e, ds.root)
    raise KeyError(f"No view with id {id} found in the dataset.")


def load_view(ds, id: str, optimize: Optional[bool] = False, tensors: Optional[List[str]] = None,
              num_workers: int = 0, scheduler: str = "threaded", progressbar: Optional[bool] = True):
    entry = get_view(ds, id)
    if optimize:
        entry = entry.optimize(tensors=tensors, num_workers=num_workers, scheduler=scheduler,
                               progressbar=bool(progressbar))
    return entry.load()


def delete_view(ds, id: str) -> None:
    """Remove view ``id`` and its folder; KeyError when there is none."""
    if not isinstance(id, str):
        raise TypeError(f"id must be a str, got {type(id).__name__}")
    base = _base_storage(ds)
    entries = _read_queries(base)
    if not any(e.get("id") == id for e in entries):
        raise KeyError(f"No view with id {id} found in the dataset.")
    _check_can_write_views(ds)
    lock = _queries_lock(base)
    try:
        entries = _read_queries(base)
        for i, e in enumerate(entries):
            if e.get("id") == id:
                entries.pop(i)
                _write_queries(base, entries)  # unlist first: a crash leaves an orphan folder, not a broken entry
                base.clear(keys.QUERIES_FOLDER + "/" + (e.get("path") or e["id"]))
                return
    finally:
        lock.release()
    raise KeyError(f"No view with id {id} found in the dataset.")


def _optimize_saved_view(ds, id: str, tensors=None, num_workers: int = 0, scheduler: str = "threaded",
                         progressbar: bool = True) -> dict:
    _check_can_write_views(ds)
    base = _base_storage(ds)
    lock = _queries_lock(base)
    try:
        entries = _read_queries(base)
        pos = next((i for i, e in enumerate(entries) if e.get("id") == id), None)
        if pos is None:
            raise KeyError(f"No view with id {id} found in the dataset.")
        info = entries[pos]
        if not info["virtual-datasource"]:
            return info
        old_folder = info.get("path") or info["id"]
        vds = _open_nested(ds, old_folder, create=False)
        view = view_of_vds(vds, parent=ds)
        new_folder = old_folder + _OPTIMIZED_SUFFIX
        optimized = _open_nested(ds, new_folder, create=True)
        new_info = dict(vds._state.info)
        new_info["virtual-datasource"] = False
        new_info["path"] = new_folder
        new_info.pop("first-index-subscriptable", None)
        new_info.pop("sub-sample-index", None)
        _write_vds(view, optimized, new_info, True, tensors, num_workers, scheduler, False, progressbar)
        info = dict(info)
        info["virtual-datasource"] = False
        info["path"] = new_folder
        entries[pos] = info
        _write_queries(base, entries)
        base.clear(keys.QUERIES_FOLDER + "/" + old_folder)
        return info
    finally:
        lock.release()
