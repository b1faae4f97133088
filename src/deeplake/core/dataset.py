"""The Dataset facade: documented Dataset API over a shared DatasetState.

A Dataset handle is (state, group path, index). Groups and views are handles
on the same state, so writes through any of them are seen by all.
"""
from __future__ import annotations

import contextlib
import posixpath
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np

from deeplake.core.dataset_ops import DatasetOpsMixin
from deeplake.core.index import Index
from deeplake.core.schema import SchemaService
from deeplake.core.state import DatasetState
from deeplake.core.tensor import Tensor
from deeplake.core.writer import DatasetWriter
from deeplake.errors import (
    InvalidKeyTypeError,
    InvalidOperationError,
    TensorDoesNotExistError,
    TensorGroupDoesNotExistError,
)

_OWN_ATTRS = frozenset(("_state", "_group", "_index", "_writer", "_schema", "_view_base", "_only", "_pad"))


class Dataset(DatasetOpsMixin):
    """A Deep Lake dataset, group or view (spec 19.1)."""

    def __init__(self, state: DatasetState, group: str = "", index: Optional[Index] = None):
        object.__setattr__(self, "_state", state)
        object.__setattr__(self, "_group", group.strip("/"))
        object.__setattr__(self, "_index", index if index is not None else Index())
        object.__setattr__(self, "_writer", DatasetWriter(self))
        object.__setattr__(self, "_schema", SchemaService(self))
        object.__setattr__(self, "_only", None)  # tensor subset view: full names kept
        object.__setattr__(self, "_pad", False)  # max_view: short tensors padded

    # ------------------------------------------------------------ plumbing
    @property
    def _ctx(self):
        return self._state.ctx

    @property
    def _root_state(self) -> DatasetState:
        return self._state

    def _engine_for_key(self, key: str):
        return self._state.engine(key)

    def _name_of_key(self, key: str) -> str:
        name = self._state.meta.name_of(key) or key
        if self._group and name.startswith(self._group + "/"):
            return name[len(self._group) + 1 :]
        return name

    def _full(self, name: str) -> str:
        name = name.strip("/")
        return posixpath.join(self._group, name) if self._group else name

    @contextlib.contextmanager
    def _write_context(self, what: str = "modify the dataset"):
        """Wrap a top-level write: refuse on read-only, flush when done."""
        self._ctx.check_writable(what)
        st = self._state
        st.write_depth += 1
        try:
            yield
        finally:
            st.write_depth -= 1
        st.maybe_flush()

    def __enter__(self):
        self._state.write_depth += 1
        return self

    def __exit__(self, *exc):
        self._state.write_depth -= 1
        if self._state.write_depth == 0:
            self._state.flush()
        return False

    # -------------------------------------------------------------- naming
    @property
    def path(self) -> str:
        return self._ctx.path

    @property
    def group_index(self) -> str:
        return self._group

    @property
    def read_only(self) -> bool:
        return self._ctx.read_only

    @read_only.setter
    def read_only(self, value: bool) -> None:
        from deeplake.api.dataset import set_read_only

        set_read_only(self, value)

    @property
    def index(self) -> Index:
        return self._index

    @property
    def meta(self):
        return self._state.meta

    @property
    def is_view(self) -> bool:
        return not self._index.is_trivial()

    @property
    def root(self) -> "Dataset":
        return Dataset(self._state, "", self._index)

    @property
    def parent(self) -> Optional["Dataset"]:
        if not self._group:
            return None
        return Dataset(self._state, posixpath.dirname(self._group), self._index)

    @property
    def no_view_dataset(self) -> "Dataset":
        return Dataset(self._state, self._group)

    @property
    def allow_delete(self) -> bool:
        return self._state.meta.allow_delete

    @allow_delete.setter
    def allow_delete(self, value: bool) -> None:
        with self._write_context("change allow_delete"):
            self._state.meta.allow_delete = bool(value)
            self._state.mark_meta_dirty()

    def __repr__(self) -> str:
        mode = "read_only=True, " if self.read_only else ""
        idx = "" if self._index.is_trivial() else f"index={self._index}, "
        grp = f"group_index='{self._group}', " if self._group else ""
        return f"Dataset(path='{self.path}', {mode}{idx}{grp}tensors={list(self.tensors)})"

    __str__ = __repr__

    # ------------------------------------------------------------ tensors
    def _visible_names(self, include_hidden: bool = False) -> List[str]:
        meta = self._state.meta
        names = meta.all_names() if include_hidden else meta.visible_names()
        position = {n: i for i, n in enumerate(meta.tensor_names)}
        names = sorted(names, key=position.__getitem__)
        if self._only is not None:
            names = [n for n in names if n in self._only]
        if not self._group:
            return names
        prefix = self._group + "/"
        return [n for n in names if n.startswith(prefix)]

    def _tensor(self, full_name: str) -> Tensor:
        key = self._state.meta.key_of(full_name)
        if key is None:
            raise TensorDoesNotExistError(f"Tensor '{full_name}' does not exist.")
        t = Tensor(key, self, self._index)
        if self._pad:
            t._pad_to = max(self._tensor_lengths() or [0])
        return t

    @property
    def tensors(self) -> Dict[str, Tensor]:
        """All visible tensors of this group, sub-groups included (names relative)."""
        out = {}
        for full in self._visible_names():
            rel = full[len(self._group) + 1 :] if self._group else full
            out[rel] = self._tensor(full)
        return out

    @property
    def _all_tensors_filtered(self):
        return list(self.tensors)

    @property
    def groups(self) -> Dict[str, "Dataset"]:
        """Immediate sub-groups of this group."""
        out = {}
        prefix = self._group + "/" if self._group else ""
        for g in self._state.meta.groups:
            if g.startswith(prefix) and "/" not in g[len(prefix) :]:
                out[g[len(prefix) :]] = Dataset(self._state, g, self._index)
        return dict(sorted(out.items()))

    def _has_group(self, full: str) -> bool:
        return full in self._state.meta.groups

    def __getitem__(self, item):
        if isinstance(item, str):
            full = self._full(item)
            if self._state.meta.key_of(full) is not None:
                return self._tensor(full)
            if self._has_group(full):
                return self._derive(self._index, full)
            raise TensorDoesNotExistError(f"Tensor or group '{full}' does not exist in '{self.path}'.")
        if isinstance(item, (list, tuple)) and item and all(isinstance(x, str) for x in item):
            from deeplake.core.views import tensor_subset_view

            return tensor_subset_view(self, list(item))
        try:
            index = self._index.compose(item, self._parent_len())
        except (TypeError, ValueError) as e:
            raise InvalidKeyTypeError(f"Invalid dataset index {item!r}: {e}") from None
        index.values[0].validate(self._parent_len())
        return self._derive(index)

    def _derive(self, index: Index, group: Optional[str] = None) -> "Dataset":
        ds = Dataset(self._state, self._group if group is None else group, index)
        object.__setattr__(ds, "_only", self._only)
        object.__setattr__(ds, "_pad", self._pad)
        return ds

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self[name]
        except TensorDoesNotExistError:
            raise AttributeError(f"'{type(self).__name__}' has no attribute or tensor '{name}'") from None

    def __setattr__(self, name: str, value):
        if name in _OWN_ATTRS or hasattr(type(self), name):
            object.__setattr__(self, name, value)
            return
        raise AttributeError(
            f"Cannot set attribute '{name}' on a dataset; use ds.create_tensor('{name}') and ds.{name}.extend(...)."
        )

    def __setitem__(self, item, value):
        if isinstance(item, str) and isinstance(self[item], Tensor):
            self[item]._update(value)
            return
        raise TypeError("Assign to tensors, e.g. ds.labels[0] = 1, or use ds[i].update({...}).")

    def __contains__(self, name: str) -> bool:
        full = self._full(name)
        return self._state.meta.key_of(full) is not None or self._has_group(full)

    # ------------------------------------------------------------- lengths
    def _tensor_lengths(self) -> List[int]:
        out = []
        for full in self._visible_names():
            eng = self._state.engine(self._state.meta.key_of(full))
            out.append(eng.sequences.num_sequences if eng.meta.is_sequence else eng.num_samples)
        return out

    def _parent_len(self) -> int:
        lengths = self._tensor_lengths()
        if not lengths:
            return 0
        return max(lengths) if self._pad else min(lengths)

    @property
    def num_samples(self) -> int:
        return len(self)

    def __len__(self) -> int:
        n = self._parent_len()
        if self._index.is_trivial():
            return n
        return self._index.length(n)

    @property
    def min_len(self) -> int:
        lengths = self._tensor_lengths()
        return self._index.length(min(lengths)) if lengths else 0

    @property
    def max_len(self) -> int:
        lengths = self._tensor_lengths()
        return self._index.length(max(lengths)) if lengths else 0

    @property
    def min_view(self) -> "Dataset":
        return self[: self._parent_len()] if self._index.is_trivial() else self

    @property
    def max_view(self) -> "Dataset":
        from deeplake.core.views import padded_view

        return padded_view(self)

    @property
    def sample_indices(self):
        return self._index.values[0].numpy_indices(self._parent_len())

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    # ------------------------------------------------------------ schema
    def create_tensor(self, name: str, htype: str = "unspecified", dtype="unspecified",
                      sample_compression: str = "unspecified", chunk_compression: str = "unspecified",
                      hidden: bool = False, create_sample_info_tensor: bool = True,
                      create_shape_tensor: bool = True, create_id_tensor: bool = True,
                      verify: bool = True, exist_ok: bool = False, verbose: bool = True,
                      downsampling=None, tiling_threshold: Optional[int] = None, **kwargs) -> Tensor:
        """Create a tensor (and its hidden companions) in this group."""
        with self._write_context(f"create tensor '{name}'"):
            return self._schema.create_tensor(
                name, htype=htype, dtype=dtype, sample_compression=sample_compression,
                chunk_compression=chunk_compression, hidden=hidden,
                create_sample_info_tensor=create_sample_info_tensor,
                create_shape_tensor=create_shape_tensor, create_id_tensor=create_id_tensor,
                verify=verify, exist_ok=exist_ok, downsampling=downsampling,
                tiling_threshold=tiling_threshold, **kwargs,
            )

    def create_tensor_like(self, name: str, source: Tensor, unlink: bool = False) -> Tensor:
        with self._write_context(f"create tensor '{name}'"):
            return self._schema.create_tensor_like(name, source, unlink)

    def create_group(self, name: str, exist_ok: bool = False) -> "Dataset":
        with self._write_context(f"create group '{name}'"):
            return self._schema.create_group(name, exist_ok)

    def delete_tensor(self, name: str, large_ok: bool = False) -> None:
        with self._write_context(f"delete tensor '{name}'"):
            self._schema.delete_tensor(name, large_ok)

    def delete_group(self, name: str, large_ok: bool = False) -> None:
        with self._write_context(f"delete group '{name}'"):
            self._schema.delete_group(name, large_ok)

    def rename_tensor(self, name: str, new_name: str) -> Tensor:
        with self._write_context(f"rename tensor '{name}'"):
            return self._schema.rename_tensor(name, new_name)

    def rename_group(self, name: str, new_name: str) -> None:
        with self._write_context(f"rename group '{name}'"):
            self._schema.rename_group(name, new_name)

    # ------------------------------------------------------------ samples
    def _check_not_view(self, op: str) -> None:
        if self.is_view:
            raise InvalidOperationError(f"Cannot {op} a dataset view; use the dataset itself.")

    def append(self, sample: Dict[str, Any], skip_ok: bool = False, append_empty: bool = False) -> None:
        """Append one row: a dict of tensor name -> sample."""
        self._check_not_view("append to")
        if not isinstance(sample, dict):
            from deeplake.errors import SampleAppendingError

            raise SampleAppendingError(
                "Dataset.append expects a dict of tensor name -> sample, e.g. ds.append({'images': img, 'labels': 1}); "
                "to append to one tensor use ds.<tensor>.append(sample)."
            )
        self.extend({k: [v] for k, v in sample.items()}, skip_ok=skip_ok, append_empty=append_empty)

    def extend(self, samples: Dict[str, Any], skip_ok: bool = False, append_empty: bool = False,
               ignore_errors: bool = False, progressbar: bool = False) -> None:
        """Append rows given as a dict of tensor name -> sequence of samples."""
        self._check_not_view("extend")
        from deeplake.core.rows import prepare_rows

        tensors, rows = prepare_rows(self, samples, skip_ok, append_empty)
        with self._write_context("extend the dataset"):
            if progressbar and rows:
                rows = _with_progress(rows)
            self._writer.extend_dataset(tensors, rows, ignore_errors=ignore_errors)

    def update(self, sample: Dict[str, Any]) -> None:
        """Update the samples of this (single-row or multi-row) view."""
        if self._index.values[0].subscriptable() and not self.is_view:
            raise ValueError("update() needs a dataset view, e.g. ds[0].update({...}).")
        with self._write_context("update the dataset"):
            tensors = {k: self[k] for k in sample}
            saved = {k: t.numpy(aslist=True) for k, t in tensors.items()}
            try:
                for k, v in sample.items():
                    self._writer.update_tensor(tensors[k], v)
            except Exception:
                for k, old in saved.items():
                    with contextlib.suppress(Exception):
                        self._writer.update_tensor(tensors[k], old if not tensors[k]._is_single() else old)
                raise

    def pop(self, index: Optional[int] = None) -> None:
        """Remove a row from every tensor (the last row by default)."""
        self._check_not_view("pop from")
        n = self.max_len  # documented: the default is the last row of the longest tensor
        if index is None:
            index = n - 1
        idx = [index] if isinstance(index, (int, np.integer)) else list(index)
        idx = [int(i) for i in idx]
        if len(set(idx)) != len(idx):
            raise ValueError(f"Duplicate indices in pop({index!r}).")
        for i in idx:
            if not 0 <= i < n:
                raise IndexError(f"Index {i} is out of range for dataset with max length {n}.")
        with self._write_context("pop from the dataset"):
            for t in self.tensors.values():
                self._writer.pop_tensor(t, [i for i in idx if i < t._stored_len()])

    # ------------------------------------------------------------ info etc.
    @property
    def info(self):
        if self._group:
            from deeplake.errors import GroupInfoNotSupportedError

            raise GroupInfoNotSupportedError("Groups do not have info; use the dataset's or a tensor's info.")
        from deeplake.core.info import DatasetInfo

        return DatasetInfo(self)

    @info.setter
    def info(self, value):
        self.info.replace_with(value)

    def flush(self) -> None:
        self._state.flush()

    def clear_cache(self) -> None:
        self.flush()
        for eng in list(self._state._engines_strong.values()):
            eng._chunks.clear()
        st = self._ctx.storage
        if hasattr(st, "clear_cache"):
            st.clear_cache()

    def size_approx(self) -> int:
        """Bytes of the chunks of the selected rows (estimated from chunk sizes)."""
        from deeplake.core.summary import size_approx

        return size_approx(self)

    def summary(self, force: bool = False) -> None:
        from deeplake.core.summary import summary_text

        print(summary_text(self))

    def rechunk(self, tensors=None, num_workers: int = 0, scheduler: str = "threaded", progressbar: bool = True) -> None:
        from deeplake.core.rechunk import rechunk

        with self._write_context("rechunk the dataset"):
            rechunk(self, tensors, progressbar, num_workers=num_workers, scheduler=scheduler)

    # ------------------------------------------------------------ lifecycle
    def delete(self, large_ok: bool = False) -> None:
        from deeplake.api.dataset import delete_open_dataset

        delete_open_dataset(self, large_ok)

    def rename(self, path) -> None:
        from deeplake.api.dataset import rename_open_dataset

        rename_open_dataset(self, path)

    def copy(self, dest, runtime=None, tensors=None, overwrite: bool = False, creds=None, token=None,
             num_workers: int = 0, scheduler: str = "threaded", progressbar: bool = True, public: bool = False):
        from deeplake.api.dataset import copy_dataset_view

        return copy_dataset_view(self, dest, tensors=tensors, overwrite=overwrite, creds=creds,
                                 num_workers=num_workers, scheduler=scheduler, progressbar=progressbar)

    def close(self) -> None:
        from deeplake.api.dataset import close_dataset

        close_dataset(self)

    def __getstate__(self):
        from deeplake.api.dataset import dataset_getstate

        return dataset_getstate(self)

    def __setstate__(self, state):
        from deeplake.api.dataset import dataset_setstate

        dataset_setstate(self, state)

    # ------------------------------------------------------------ version control
    def commit(self, message: Optional[str] = None, allow_empty: bool = False) -> str:
        """Store a snapshot of the dataset; returns the commit id."""
        from deeplake.version_control import history

        return history.commit(self._state, message, allow_empty)

    def checkout(self, address: str, create: bool = False, reset: bool = False) -> Optional[str]:
        """Move to a branch or commit (``create=True`` makes a new branch here)."""
        from deeplake.version_control import history

        return history.checkout(self._state, address, create, reset)

    @property
    def commit_id(self) -> Optional[str]:
        from deeplake.version_control import history

        return history.commit_id(self._ctx)

    @property
    def pending_commit_id(self) -> str:
        return self._ctx.commit_id

    @property
    def branch(self) -> str:
        return self._ctx.branch

    @property
    def branches(self) -> List[str]:
        return list(self._ctx.vc_info["branches"])

    @property
    def commits(self) -> List[Dict]:
        from deeplake.version_control import history

        return history.commits(self._ctx)

    @property
    def has_head_changes(self) -> bool:
        from deeplake.version_control import history

        return history.has_head_changes(self._state)

    @property
    def is_head_node(self) -> bool:
        return self._ctx.is_head()

    def get_commit_details(self, commit_id) -> Dict:
        from deeplake.version_control import history

        return history.commit_details(self._ctx, commit_id)

    def log(self) -> None:
        from deeplake.version_control import history

        print(history.log_text(self._ctx))

    # ------------------------------------------------------------ queries
    def query(self, query_string: str, runtime: Optional[Dict] = None, return_data: bool = False):
        """Run a TQL query; returns a view (or the data when ``return_data``)."""
        from deeplake.query.dataset_api import query

        return query(self, query_string, runtime=runtime, return_data=return_data)

    def filter(self, function, num_workers: int = 0, scheduler: str = "threaded", progressbar: bool = True,
               save_result: bool = False, result_path: Optional[str] = None, result_ds_args: Optional[dict] = None):
        """Rows for which ``function(sample)`` is true, or that match a TQL expression."""
        from deeplake.query.dataset_api import filter_dataset

        return filter_dataset(self, function, num_workers=num_workers, scheduler=scheduler,
                              progressbar=progressbar, save_result=save_result, result_path=result_path,
                              result_ds_args=result_ds_args)

    def sample_by(self, weights, replace: Optional[bool] = True, size: Optional[int] = None):
        from deeplake.query.dataset_api import sample_by

        return sample_by(self, weights, replace=replace, size=size)

    def random_split(self, lengths: Sequence[Union[int, float]]):
        from deeplake.query.dataset_api import random_split

        return random_split(self, lengths)

    def numpy(self, aslist: bool = False, fetch_chunks: bool = False):
        return {k: t.numpy(aslist=aslist, fetch_chunks=fetch_chunks) for k, t in self.tensors.items()}


def _with_progress(rows):
    return rows


from deeplake.core.saved_views import ViewEntry  # noqa: E402  (documented as deeplake.core.dataset.ViewEntry)
