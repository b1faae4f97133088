"""Copying datasets: the rows of a dataset or view (no history), or a whole
dataset with its version history (deepcopy).

A full, un-indexed dataset is copied chunk by chunk, byte for byte (chunks,
encoders and metas are format-stable), so a copy costs about what a file
copy costs. Views are copied row by row from their stored bytes, so
compressed samples are never decoded and re-encoded.

``num_workers``/``scheduler`` run the work on the transform schedulers
(deeplake.transform.parallel_ops): file copies as slices of keys, view
copies as row ranges encoded by each worker and stitched in order.
"""
from __future__ import annotations

import os
import posixpath
import shutil
from typing import Callable, Dict, Iterable, List, Optional, Tuple

import numpy as np

from deeplake.constants import FIRST_COMMIT_ID
from deeplake.core.engine.codec import EncodedBatch
from deeplake.errors import DatasetHandlerError, TensorDoesNotExistError
from deeplake.format import keys
from deeplake.format.diff import CommitDiff
from deeplake.format.meta import DatasetMeta
from deeplake.transform.parallel_ops import copy_keys

_EMPTY_LINK_CREDS = b'{"creds_keys": [], "managed_creds_keys": [], "used_creds_keys": []}'
# tensor files copied as they are (commit_diff is rewritten, chunk_set is per-node)
_TENSOR_FILES = keys.TENSOR_METADATA_FILES


# ------------------------------------------------------------------ shared helpers
def _check_workers(num_workers: int, scheduler: str) -> int:
    """Validates both arguments (UnsupportedSchedulerError, ValueError); 0 means serial."""
    from deeplake.transform.parallel_ops import effective_scheduler

    return effective_scheduler(num_workers, scheduler)[1]


def base_storage(storage):
    while getattr(storage, "next_storage", None) is not None:
        storage = storage.next_storage
    return storage


def _same_location(a: str, b: str) -> bool:
    def norm(p):
        return p.rstrip("/") if "://" in p else os.path.abspath(os.path.expanduser(p))

    return norm(a) == norm(b)


def _progress(total: int, enabled: bool, desc: str):
    if not enabled or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="file")


def file_copier(src, dst) -> Callable[[str, str], None]:
    """copy(src_key, dst_key): through the kernel for local -> local, else via bytes."""
    from deeplake.storage.local import LocalProvider

    if isinstance(src, LocalProvider) and isinstance(dst, LocalProvider):
        made = set()

        def copy_local(skey: str, dkey: str) -> None:
            target = os.path.join(dst.root, dkey)
            folder = os.path.dirname(target)
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            try:
                shutil.copyfile(os.path.join(src.root, skey), target)
            except FileNotFoundError:
                raise KeyError(skey) from None

        return copy_local

    def copy_bytes(skey: str, dkey: str) -> None:
        dst[dkey] = src[skey]

    return copy_bytes


def resolve_tensor_names(ds, tensors: Optional[Iterable[str]]) -> List[str]:
    """Visible tensor names (relative to ``ds``) selected by names of tensors and groups."""
    visible = list(ds.tensors)
    if tensors is None:
        return visible
    if isinstance(tensors, str):
        tensors = [tensors]
    out: List[str] = []
    for t in tensors:
        t = str(t).strip("/")
        if t in visible:
            picked = [t]
        else:
            picked = [v for v in visible if v.startswith(t + "/")]
            if not picked and not ds._has_group(ds._full(t)):
                raise TensorDoesNotExistError(f"Tensor or group '{t}' does not exist in '{ds.path}'.")
        out.extend(p for p in picked if p not in out)
    return out


def _with_companions(meta: DatasetMeta, state, tensor_keys: Iterable[str]) -> List[str]:
    """The keys plus every tensor they link to (shape, id, info companions ...)."""
    order = {k: i for i, k in enumerate(meta.tensors)}
    todo, seen = list(tensor_keys), set()
    while todo:
        k = todo.pop()
        if k in seen:
            continue
        seen.add(k)
        todo.extend(lk for lk in state.engine(k).meta.links if lk in meta.tensors)
    return sorted(seen, key=lambda k: order.get(k, len(order)))


def _new_destination(ds, dest, overwrite: bool, creds):
    import deeplake
    from deeplake.core.dataset import Dataset

    if isinstance(dest, Dataset):
        if dest.tensors or dest._state.meta.groups:
            raise DatasetHandlerError(f"The destination dataset '{dest.path}' is not empty.")
        if _same_location(dest.path, ds.path):
            raise DatasetHandlerError("Cannot copy a dataset onto itself.")
        return dest
    dest = os.fspath(dest)
    if _same_location(dest, ds.path):
        raise DatasetHandlerError(f"Cannot copy '{ds.path}' onto itself; choose another destination.")
    return deeplake.empty(dest, overwrite=overwrite, creds=creds, verbose=False)


# ------------------------------------------------------------------ copy (no history)
def copy_rows(ds, dest, tensors=None, overwrite=False, creds=None, num_workers: int = 0,
              scheduler: str = "threaded", progressbar: bool = True, ignore_errors: bool = False):
    """Copy ``ds`` (a dataset, group or view) to a new dataset at ``dest``; returns it."""
    workers = _check_workers(num_workers, scheduler)
    names = resolve_tensor_names(ds, tensors)
    out = _new_destination(ds, dest, overwrite, creds)
    if _can_copy_chunks(ds):
        _copy_chunks(ds, out, names, workers, scheduler, progressbar)
    else:
        copy_rows_into(ds, out, names, num_workers=workers, scheduler=scheduler, progressbar=progressbar,
                       ignore_errors=ignore_errors)
    return out


def _can_copy_chunks(ds) -> bool:
    return not ds._group and ds._index.is_trivial() and not ds._pad


def _copy_chunks(ds, out, names: List[str], workers: int, scheduler: str, progressbar: bool) -> None:
    """Byte copy of whole tensors of the root dataset ``ds`` into the empty ``out``."""
    state = ds._state
    if not ds._ctx.read_only and state.is_dirty:
        state.flush()
    meta = state.meta
    src_ctx = ds._ctx
    src_base = base_storage(src_ctx.storage)
    dst_base = base_storage(out._ctx.storage)
    copy = file_copier(src_base, dst_base)
    tkeys = _with_companions(meta, state, [meta.key_of(n) for n in names])
    pairs: List[Tuple[str, str]] = []
    lengths: Dict[str, int] = {}
    for tkey in tkeys:
        eng = state.engine(tkey)
        lengths[tkey] = eng.meta.length
        for cid in np.unique(eng.chunk_ids.rows[:, 0]) if len(eng.chunk_ids) else []:
            name = keys.chunk_name_from_id(int(cid))
            pairs.append((src_ctx.chunk_storage_key(tkey, name), keys.chunk_key(FIRST_COMMIT_ID, tkey, name)))
    copy_keys(src_base, dst_base, pairs, workers, scheduler, progressbar, "Copying dataset")
    src_prefix = {k: keys.tensor_prefix(src_ctx.commit_id, k) for k in tkeys}
    for tkey in tkeys:  # encoders and metas only after every chunk is in place
        for f in _TENSOR_FILES:
            try:
                copy(src_prefix[tkey] + f, keys.tensor_prefix(FIRST_COMMIT_ID, tkey) + f)
            except KeyError:
                pass
        diff = CommitDiff(0, created=True)
        diff.data_added = [0, lengths[tkey]]
        dst_base[keys.commit_diff_key(FIRST_COMMIT_ID, tkey)] = diff.tobytes()
    _copy_link_creds(src_base, dst_base)
    new_meta = _filtered_meta(meta, set(tkeys), names)
    ostate = out._state
    out_info = dict(ds.info.items()) if not ds._group else {}
    ostate.meta = new_meta
    ostate.mark_meta_dirty()
    if out_info:
        ostate.set_info(out_info)
    ostate.flush()
    ostate.load()


def _copy_link_creds(src_base, dst_base) -> None:
    try:
        dst_base[keys.LINKED_CREDS] = src_base[keys.LINKED_CREDS]
    except KeyError:
        pass


def _filtered_meta(meta: DatasetMeta, kept: set, names: Optional[List[str]] = None) -> DatasetMeta:
    new = meta.copy()
    new.tensors = [k for k in meta.tensors if k in kept]
    new.tensor_names = {n: k for n, k in meta.tensor_names.items() if k in kept}
    new.hidden_tensors = [k for k in meta.hidden_tensors if k in kept]
    if names is not None and set(names) != set(meta.visible_names()):
        wanted = set()
        for n in new.tensor_names:
            parts = n.split("/")[:-1]
            wanted.update("/".join(parts[: i + 1]) for i in range(len(parts)))
        new.groups = [g for g in meta.groups if g in wanted]
    return new


# ------------------------------------------------------------------ row copy (views)
def _encoded_rows(eng, indices: np.ndarray) -> EncodedBatch:
    """Stored bytes and shapes of samples, so compressed data is not re-encoded."""
    if eng.can_read_fast():
        arr = eng.read_fixed(indices)
        per = arr.itemsize * int(np.prod(arr.shape[1:], dtype=np.int64))
        batch = EncodedBatch(uniform=(memoryview(arr.reshape(-1)).cast("B") if arr.size else memoryview(b""), per, arr.shape[1:]), count=len(indices))
    else:
        bufs = [eng.read_bytes(int(i)) for i in indices]
        shapes = [tuple(int(x) for x in eng.read_shape(int(i))) for i in indices]
        batch = EncodedBatch(bufs, shapes, count=len(indices))
    if eng.np_dtype is not None:
        batch.extra["dtype"] = eng.np_dtype
    return batch


def copy_rows_into(ds, out, tensors=None, num_workers: int = 0, scheduler: str = "threaded",
                   progressbar: bool = False, ignore_errors: bool = False) -> None:
    """Append the rows of ``ds`` (any view) to the empty dataset ``out``."""
    names = resolve_tensor_names(ds, tensors)
    with out:
        for g in ds._state.meta.groups:
            if not ds._group or g.startswith(ds._group + "/"):
                rel = g[len(ds._group) + 1 :] if ds._group else g
                if rel and (tensors is None or any(n.startswith(rel + "/") for n in names)):
                    out.create_group(rel, exist_ok=True)
        created = [(ds[name], out.create_tensor_like(name, ds[name])) for name in names]
        if _copy_in_parallel(ds, names, num_workers, scheduler):
            from deeplake.transform.parallel_ops import copy_rows_parallel

            copy_rows_parallel(ds, out, names, num_workers, scheduler, progressbar)
        else:
            bar = _progress(len(created), progressbar, "Copying rows")
            for src, dst in created:
                copy_tensor_rows(src, dst, out)
                if bar is not None:
                    bar.update(1)
            if bar is not None:
                bar.close()
        if not ds._group and dict(ds.info.items()):
            out.info.update(dict(ds.info.items()))


_ROW_BATCH = 4096  # rows per encoded batch: bounds memory on big views


def _copy_in_parallel(ds, names: List[str], num_workers: int, scheduler: str) -> bool:
    """Row ranges go to workers unless the copy is serial or has a single row."""
    from deeplake.transform.parallel_ops import view_bytes, worthwhile_workers

    workers = _check_workers(num_workers, scheduler)
    if workers == 0 or not ds._index.values[0].subscriptable() or len(ds) < 2:
        return False
    return worthwhile_workers(workers, view_bytes(ds, names)) > 1


def copy_tensor_rows(src, dst, out) -> None:
    """Append the rows of the tensor view ``src`` to ``dst`` of ``out`` from their stored bytes."""
    seng = src._engine
    deng = dst._engine
    indices = src._sample_indices()
    if src._is_single():
        indices = indices[:1]
    if seng.meta.is_sequence:
        values = src.numpy(aslist=True)
        values = [values] if src._is_single() else values
        out._writer.extend_tensor(dst, values)
        return
    from deeplake.core.writer import _Plan

    info_key = next((k for k, l in seng.meta.links.items() if l.get("extend") == "extend_info"), None)
    for lo in range(0, len(indices), _ROW_BATCH):
        part = np.asarray(indices[lo : lo + _ROW_BATCH])
        batch = _encoded_rows(seng, part)
        plan = _Plan()
        plan.steps.append((deng, batch))
        infos = src.dataset._engine_for_key(info_key).read_many(part) if info_key is not None else None
        out._writer._plan_companions(dst, batch, batch.count, plan, infos if infos is not None else [None] * batch.count)
        plan.apply()


# ------------------------------------------------------------------ deepcopy (with history)
def _is_transient_key(key: str) -> bool:
    """Lock files and a live writer's flush journal belong to the source's writers, not its data."""
    try:
        from deeplake.storage.journal import JOURNAL_KEY
    except ImportError:  # pragma: no cover - journal is optional
        JOURNAL_KEY = None
    return key.endswith(".lock") or (JOURNAL_KEY is not None and posixpath.basename(key) == JOURNAL_KEY)


def _tensor_filter(ds, tensors) -> Tuple[Optional[Callable[[str], bool]], Optional[set], Optional[List[str]]]:
    """(keep(key), kept tensor keys, selected names) for a ``tensors`` subset; Nones for all."""
    if tensors is None:
        return None, None, None
    names = resolve_tensor_names(ds, tensors)
    meta = ds._state.meta
    kept = set(_with_companions(meta, ds._state, [meta.key_of(n) for n in names]))
    excluded = [k for k in meta.tensors if k not in kept]

    def keep(key: str) -> bool:
        if key.startswith(keys.QUERIES_FOLDER + "/"):
            return True
        for t in excluded:
            if key.startswith(t + "/") or ("/" + t + "/") in key:
                return False
        return True

    return keep, kept, names


def _allows_delete(storage) -> bool:
    """allow_delete as the main branch's head sees it (and the root node's)."""
    import json

    metas = [keys.DATASET_META]
    try:
        head = json.loads(bytes(storage[keys.VERSION_CONTROL_INFO]))["branches"].get("main")
        if head:
            metas.append(keys.dataset_meta_key(head))
    except (KeyError, ValueError):
        pass
    for k in metas:
        try:
            if not DatasetMeta.frombuffer(storage[k]).allow_delete:
                return False
        except KeyError:
            continue
    return True


def deepcopy_dataset(src, dest, tensors=None, overwrite: bool = False, creds=None, num_workers: int = 0,
                     scheduler: str = "threaded", progressbar: bool = True):
    """Copy the dataset ``src`` with every branch, commit and saved view to ``dest``."""
    import deeplake
    from deeplake.api.dataset import _base_storage, _dataset_exists, _split_version
    from deeplake.core.dataset import Dataset

    if not isinstance(src, Dataset):
        raise TypeError("deepcopy needs a dataset (or a path to one) as its source.")
    if not src._index.is_trivial():
        raise TypeError("Deepcopy is not supported for dataset views (slices); copy the dataset itself, "
                        "or use deeplake.copy for the rows of a view.")
    if src._group:
        raise TypeError("Deepcopy is not supported for individual groups; pass the dataset.")
    workers = _check_workers(num_workers, scheduler)
    dest = os.fspath(dest)
    raw, version = _split_version(dest)
    if version:
        raise ValueError(f"The destination of deepcopy cannot name a version ('@{version}').")
    if _same_location(raw, src.path):
        raise DatasetHandlerError(f"Cannot deepcopy '{src.path}' onto itself; choose another destination.")
    keep, kept, names = _tensor_filter(src, tensors)
    if not src._ctx.read_only and src._state.is_dirty:
        src._state.flush()
    src_base = base_storage(src._ctx.storage)
    dst_base = _base_storage(raw, creds, False)
    if _dataset_exists(dst_base):
        if not overwrite:
            raise DatasetHandlerError(
                f"A dataset already exists at '{raw}'. Pass overwrite=True to replace it, or choose another path."
            )
        if not _allows_delete(dst_base):
            raise DatasetHandlerError(
                f"The dataset at '{raw}' has allow_delete=False; set it to True before overwriting it."
            )
        from deeplake.api.dataset import _forget_open

        _forget_open(raw if "://" in raw else os.path.expanduser(raw))
        dst_base.clear()
    all_keys = sorted(k for k in src_base._all_keys() if not _is_transient_key(k))
    if keep is not None:
        all_keys = [k for k in all_keys if keep(k)]
    # the files that make dest a dataset go last: a crash leaves no half dataset that loads
    last = {keys.VERSION_CONTROL_INFO, keys.DATASET_META}
    metas = [k for k in all_keys if posixpath.basename(k) == keys.DATASET_META and not k.startswith(keys.QUERIES_FOLDER)]
    body = [k for k in all_keys if k not in last and k not in metas]
    copy = file_copier(src_base, dst_base)
    copy_keys(src_base, dst_base, [(k, k) for k in body], workers, scheduler, progressbar, "Copying dataset")
    for k in sorted(metas, key=lambda k: k == keys.DATASET_META) + [k for k in all_keys if k == keys.VERSION_CONTROL_INFO]:
        if kept is not None and k in metas:
            dst_base[k] = _filtered_meta(DatasetMeta.frombuffer(src_base[k]), kept, names).tobytes()
        else:
            copy(k, k)
    dest_path = raw if "://" in raw else os.path.expanduser(raw)
    return deeplake.load(dest_path, creds=creds, verbose=False)
