"""``Dataset.merge``: bring a branch or commit's changes into the current head.

Samples are matched across the two sides by the ids in each tensor's hidden
``_<name>_id`` companion (FORMAT.md §1.6, §4.6). Since the lowest common
ancestor (LCA): samples appended on the target are appended here (ids kept),
samples updated only on the target are copied over, samples popped only on the
target are popped here, and samples changed on both sides are conflicts.
Everything is planned and checked before the first write, so a refused merge
changes nothing. The merge ends with a commit "Merge <target> into <branch>";
the merge parent is not persisted, as in the reference.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Dict, List, Optional, Set, Tuple

import numpy as np

from deeplake.errors import (
    InvalidOperationError,
    MergeConflictError,
    MergeMismatchError,
    MergeNotSupportedError,
    ReadOnlyModeError,
)
from deeplake.format import keys
from deeplake.format.meta import DatasetMeta
from deeplake.version_control import history
from deeplake.version_control.diff import (
    changes_down_to,
    has_change,
    lowest_common_ancestor,
    read_commit_diff,
    resolve_address,
)

_RESOLUTIONS = (None, "ours", "theirs")


# ------------------------------------------------------------------ read-only handles
def open_at(ds, cid: str):
    """A read-only Dataset at node ``cid`` sharing ``ds``'s storage."""
    from deeplake.core.context import DatasetContext
    from deeplake.core.dataset import Dataset
    from deeplake.core.state import DatasetState

    ctx = ds._ctx
    c = DatasetContext(ctx.storage, ctx.path, read_only=True)
    c.vc_info = ctx.vc_info
    c.commit_id, c.branch = cid, ctx.vc_info["commits"][cid]["branch"]
    s = DatasetState(c)
    s.user_read_only, s.lock_enabled = True, False
    s.load()
    return Dataset(s)


def _id_key(meta) -> Optional[str]:
    return next((k for k, l in meta.links.items() if l.get("extend") == "extend_id"), None)


def _ids(dataset, tensor_key: str) -> np.ndarray:
    id_key = _id_key(dataset._state.engine(tensor_key).meta)
    eng = dataset._state.engine(id_key)
    if eng.num_samples == 0:
        return np.zeros((0,), dtype=np.uint64)
    from deeplake.core.tensor import Tensor

    return np.asarray(Tensor(id_key, dataset).numpy()).reshape(-1).astype(np.uint64)


# ------------------------------------------------------------------ renames
def _renames_since(ds_changes: List[Dict]) -> Tuple[Dict[str, str], Set[str]]:
    """Compose per-node renames (records are newest first) into origin -> final name."""
    renamed: Dict[str, str] = {}
    deleted: Set[str] = set()
    for change in reversed(ds_changes):
        for old, new in change["renamed"].items():
            origin = next((o for o, n in renamed.items() if n == old), old)
            renamed[origin] = new
        for name in change["deleted"]:
            origin = next((o for o, n in renamed.items() if n == name), name)
            renamed.pop(origin, None)
            deleted.add(origin)
    return {o: n for o, n in renamed.items() if o != n}, deleted


# ------------------------------------------------------------------ planning
class _TensorPlan:
    def __init__(self, ours: str, theirs: str):
        self.ours, self.theirs = ours, theirs
        self.append_idx: List[int] = []  # target indexes to append
        self.updates: List[Tuple[int, int]] = []  # (our index, target index)
        self.conflicts: List[Tuple[int, int]] = []
        self.pops: List[int] = []  # our indexes


def _changed_ids(dataset, key: str, start: str, lca: str, ids: np.ndarray) -> Dict[int, List[str]]:
    """sample id -> nodes (newest first) that updated it, from ``start`` down to ``lca``."""
    out: Dict[int, List[str]] = defaultdict(list)
    ctx = dataset._ctx
    cid = start
    while cid is not None and cid != lca:
        d = read_commit_diff(ctx.storage, cid, key)
        if d is not None:
            for i in sorted(d.data_updated):
                if i < len(ids):
                    out[int(ids[i])].append(cid)
        cid = ctx.parent_of(cid)
    return out


def _plan_common(ds, tds, lds, ours: str, theirs: str, head: str, target: str, lca: str) -> _TensorPlan:
    plan = _TensorPlan(ours, theirs)
    okey, tkey = ds._state.meta.key_of(ours), tds._state.meta.key_of(theirs)
    o_ids, t_ids = _ids(ds, okey), _ids(tds, tkey)
    # keys survive renames, so equal keys mean one lineage; otherwise nothing is shared
    same_lineage = okey == tkey and okey in lds._state.meta.tensors
    l_ids = _ids(lds, okey) if same_lineage else np.zeros((0,), np.uint64)
    o_map = _changed_ids(ds, okey, head, lca, o_ids)
    t_map = _changed_ids(tds, tkey, target, lca, t_ids)
    o_index = {int(v): i for i, v in enumerate(o_ids)}
    t_index = {int(v): i for i, v in enumerate(t_ids)}
    l_set = set(int(v) for v in l_ids)
    head_diff = read_commit_diff(ds._ctx.storage, head, okey)
    popped_here = set(head_diff.data_deleted_ids) if head_diff else set()
    for i, sid in enumerate(int(v) for v in t_ids):
        if sid not in o_index and sid not in l_set and sid not in popped_here:
            plan.append_idx.append(i)
    for sid, t_nodes in t_map.items():
        if sid not in t_index:
            continue
        if not o_map.get(sid):
            if sid in o_index:
                plan.updates.append((o_index[sid], t_index[sid]))
            else:  # popped here, edited there: the edit brings it back
                plan.append_idx.append(t_index[sid])
        else:
            plan.conflicts.append((o_index[sid], t_index[sid]))
    plan.append_idx.sort()
    for sid in l_set:
        if sid in o_index and sid not in t_index and not o_map.get(sid):
            plan.pops.append(o_index[sid])
    return plan


def _check_mismatch(ours_t, theirs_t, name: str) -> None:
    for field in ("htype", "sample_compression", "chunk_compression"):
        a = ours_t.meta.get(field) or ("generic" if field == "htype" else None)
        b = theirs_t.meta.get(field) or ("generic" if field == "htype" else None)
        if a != b:
            raise MergeMismatchError(f"Unable to merge, tensor {name} has different {field}. Current:{a}, Target: {b}")


def _check_id_tensors(dataset) -> None:
    meta = dataset._state.meta
    for name in meta.visible_names():
        if _id_key(dataset._state.engine(meta.key_of(name)).meta) is None:
            raise MergeNotSupportedError(
                f"Tensor '{name}' has no sample id tensor (created with create_id_tensor=False); merge needs one."
            )


# ------------------------------------------------------------------ writing
def _values(tensor, indexes: List[int]) -> list:
    if not indexes:
        return []
    vals = tensor[indexes].numpy(aslist=True)
    if tensor.meta.htype in ("text", "json"):
        vals = [v.reshape(-1)[0] if isinstance(v, np.ndarray) and v.size == 1 else v for v in vals]
        if tensor.meta.htype == "text":
            vals = [str(v) for v in vals]
    return vals


def _differing(ours_t, theirs_t, pairs: List[Tuple[int, int]]) -> List[Tuple[int, int]]:
    if not pairs:
        return pairs
    mine = ours_t[[o for o, _ in pairs]].numpy(aslist=True)
    theirs = theirs_t[[t for _, t in pairs]].numpy(aslist=True)
    return [p for p, a, b in zip(pairs, mine, theirs) if not _same(a, b)]


def _same(a, b) -> bool:
    try:
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    except Exception:
        return False


def _label_mapper(ours_t, theirs_t):
    """Target class indices -> values for our tensor (text when the class lists disagree)."""
    if ours_t.meta.htype != "class_label":
        return None
    t_names = list(theirs_t.info.get("class_names") or [])
    o_names = list(ours_t.info.get("class_names") or [])
    if not t_names or o_names[: len(t_names)] == t_names:
        return None
    if t_names[: len(o_names)] == o_names:
        ours_t.info.class_names = t_names
        return None

    def to_text(v):
        arr = np.asarray(v).reshape(-1)
        return [t_names[int(i)] for i in arr]

    return to_text


def _append_with_ids(ds, ours_t, theirs_t, tds, indexes: List[int]) -> None:
    if not indexes:
        return
    values = _values(theirs_t, indexes)
    mapper = _label_mapper(ours_t, theirs_t)
    if mapper is not None:
        values = [mapper(v) for v in values]
    t_ids = _ids(tds, theirs_t.key)[indexes].reshape(-1, 1)
    id_key = _id_key(ours_t.meta)
    plan = ds._writer.plan_extend(ours_t, values)
    plan.steps = [(eng, eng.encode(t_ids) if eng.key == id_key else batch) for eng, batch in plan.steps]
    plan.apply()


def _apply_updates(ours_t, theirs_t, pairs: List[Tuple[int, int]]) -> None:
    mapper = _label_mapper(ours_t, theirs_t)
    for (o, _), value in zip(pairs, _values(theirs_t, [t for _, t in pairs])):
        ours_t[o] = mapper(value) if mapper is not None else value


def _copy_new_tensor(ds, tds, name: str) -> None:
    src = tds._tensor(name)
    dst = ds._schema.create_tensor_like(name, src)
    _append_with_ids(ds, dst, src, tds, list(range(src.num_samples)))


# ------------------------------------------------------------------ entry point
def merge(ds, target_id: str, conflict_resolution: Optional[str] = None,
          delete_removed_tensors: bool = False, force: bool = False) -> None:
    if conflict_resolution not in _RESOLUTIONS:
        raise ValueError(
            f"conflict_resolution must be one of None, 'ours' or 'theirs', got {conflict_resolution!r}."
        )
    if not ds.index.is_trivial() or ds._group:
        raise InvalidOperationError("Cannot merge into a view or a group; merge on the dataset itself.")
    state, ctx = ds._state, ds._ctx
    if state.user_read_only or history._storage_read_only(ctx):
        raise ReadOnlyModeError("Cannot merge: the dataset is open read-only.")
    target = resolve_address(ctx, target_id)
    if not ctx.is_head():
        history.checkout(state, f"auto_{history.new_commit_id()}", create=True)
    target = _settle_target(state, target)
    head, branch = ctx.commit_id, ctx.branch
    lca = lowest_common_ancestor(ctx, head, target)
    if lca == target:
        print("No merge needed, target id is an ancestor of the current commit")
        return
    state.flush()
    tds, lds = open_at(ds, target), open_at(ds, lca)
    _check_id_tensors(ds)
    _check_id_tensors(tds)
    ours_names = set(state.meta.visible_names())
    theirs_names = set(tds._state.meta.visible_names())
    lca_names = set(lds._state.meta.visible_names())
    new = theirs_names - ours_names
    common = {n: n for n in theirs_names & ours_names}  # target name -> our name
    theirs_deleted = lca_names - theirs_names
    ours_deleted = lca_names - ours_names
    t_ds_changes, t_changes = changes_down_to(ctx, target, lca)
    o_ds_changes, _ = changes_down_to(ctx, head, lca)
    t_renamed, _ = _renames_since(t_ds_changes)
    o_renamed, _ = _renames_since(o_ds_changes)
    renames_here: List[Tuple[str, str]] = []
    for old, new_name in t_renamed.items():
        if new_name in new:
            if not force:
                if old in o_renamed:
                    raise MergeConflictError(
                        f"{old} was renamed in both branches. Rename tensors to the same name to resolve the "
                        f"conflict or use `force=True` to register {new_name} as a new tensor on current branch."
                    )
                if old in ours_deleted:
                    raise MergeConflictError(
                        f"{old} was renamed to {new_name} in target but is missing from current branch. "
                        f"Use `force=True` to register {new_name} as a new tensor on current branch."
                    )
                new.discard(new_name)
                theirs_deleted.discard(old)
                renames_here.append((old, new_name))
                common[new_name] = old
        elif new_name in common and o_renamed.get(old) != new_name and not force:
            raise MergeConflictError(
                f"{old} was renamed to {new_name} in target but another {new_name} exists on the current branch. "
                f"Rename tensors to resolve the conflict or use `force=True` to merge {new_name} of target with "
                f"{new_name} of current branch."
            )
        theirs_deleted.discard(old)
        ours_deleted.discard(old)
    for old, new_name in o_renamed.items():  # renamed here only: same tensor on both sides
        if old in new and new_name in ours_names and old not in t_renamed and new_name not in theirs_names:
            new.discard(old)
            ours_deleted.discard(old)
            common[old] = new_name
    for name in ours_deleted:  # deleted here and untouched there: stays deleted
        if not any(has_change(c.get(name, {})) for c in t_changes):
            new.discard(name)
    plans = []
    for theirs, ours in sorted(common.items()):
        _check_mismatch(ds._tensor(ours), tds._tensor(theirs), ours)
        plan = _plan_common(ds, tds, lds, ours, theirs, head, target, lca)
        # merge parents are not stored, so changes merged earlier show up again: equal values agree
        plan.conflicts = _differing(ds._tensor(ours), tds._tensor(theirs), plan.conflicts)
        plan.updates = _differing(ds._tensor(ours), tds._tensor(theirs), plan.updates)
        plans.append(plan)
    conflicts = {p.ours: p.conflicts for p in plans if p.conflicts}
    if conflicts and conflict_resolution is None:
        detail = "; ".join(f"{t}: (ours, theirs) indices {c}" for t, c in sorted(conflicts.items()))
        err = MergeConflictError(
            f"Unable to merge, tensors {sorted(conflicts)} have conflicts and conflict resolution argument was "
            f"not provided. Use conflict_resolution='theirs' or conflict_resolution='ours' to resolve the "
            f"conflict. Conflicts: {detail}"
        )
        err.conflict_tensors = set(conflicts)
        err.conflicts = conflicts
        raise err
    with ds._write_context("merge"):
        for old, new_name in renames_here:
            ds.rename_tensor(old, new_name)
        for p in plans:
            ours_name = p.theirs if (p.ours, p.theirs) in renames_here else p.ours
            ours_t, theirs_t = ds._tensor(ours_name), tds._tensor(p.theirs)
            updates = p.updates + (p.conflicts if conflict_resolution == "theirs" else [])
            _apply_updates(ours_t, theirs_t, updates)
            _append_with_ids(ds, ours_t, theirs_t, tds, p.append_idx)
            if p.pops:
                ours_t.pop(sorted(p.pops))
        for name in sorted(new):
            _copy_new_tensor(ds, tds, name)
        if delete_removed_tensors:
            for name in sorted(theirs_deleted):
                if name in state.meta.tensor_names:
                    ds.delete_tensor(name)
    history.commit(state, f"Merge {target} into {branch}", allow_empty=True)


def _settle_target(state, target: str) -> str:
    """A target that is a branch head becomes a commit: its pending changes are
    committed first ("Auto commit before merging into <branch>"), else its parent."""
    ctx = state.ctx
    if not ctx.is_head(target):
        return target
    probe = open_at(_Shell(state), target)
    if not history._node_diffs_changed(probe._state):
        return ctx.parent_of(target) or target
    head, branch = ctx.commit_id, ctx.branch
    history._move_to(state, target, ctx.vc_info["commits"][target]["branch"])
    try:
        committed = history.commit(state, f"Auto commit before merging into {branch}")
    finally:
        history._move_to(state, head, branch)
    return committed


class _Shell:
    """Just enough of a Dataset for open_at."""

    def __init__(self, state):
        self._ctx = state.ctx
