"""``Dataset.diff`` and ``Tensor.modified_samples`` over the per-node change records.

Every node keeps its own ``commit_diff`` (per tensor) and ``dataset_diff``
(FORMAT.md §4.3, §1.10), so a diff is a walk along ``parent`` links from each
side down to their lowest common ancestor, one record per node.
"""
from __future__ import annotations

import time
from typing import Dict, List, Optional, Set, Tuple

from deeplake.errors import TensorModifiedError
from deeplake.format import keys
from deeplake.format.diff import CommitDiff, DatasetDiff
from deeplake.format.meta import DatasetMeta

_BLUE, _YELLOW, _END = "\033[94m", "\033[93m", "\033[0m"
_SEPARATOR = "-" * 120
_COMMIT_SEPARATOR = "*" * 80


class DiffDict(dict):
    """The ``as_dict`` result: keys "dataset" and "tensors" (spec); "tensor",
    the key the reference 3.8.22 returns, is accepted as an alias."""

    def __getitem__(self, key):
        return super().__getitem__("tensors" if key == "tensor" else key)

    def get(self, key, default=None):
        return super().get("tensors" if key == "tensor" else key, default)

    def __contains__(self, key):
        return super().__contains__("tensors" if key == "tensor" else key)


# ------------------------------------------------------------------ graph helpers
def resolve_address(ctx, address: str) -> str:
    """A commit id or branch name -> node id (branches resolve to their head)."""
    info = ctx.vc_info
    if address in info["commits"]:
        return address
    if address in info["branches"]:
        return info["branches"][address]
    raise KeyError(f"The commit/branch {address} does not exist in the dataset.")


def ancestry(ctx, cid: Optional[str]) -> List[str]:
    """``cid`` and its ancestors along ``parent`` links, nearest first."""
    out = []
    while cid is not None:
        out.append(cid)
        cid = ctx.parent_of(cid)
    return out


def lowest_common_ancestor(ctx, a: str, b: str) -> str:
    if a == b:
        return a
    b_family = set(ancestry(ctx, b))
    for cid in ancestry(ctx, a):
        if cid in b_family:
            return cid
    raise KeyError(f"Commits '{a}' and '{b}' share no ancestor.")


# ------------------------------------------------------------------ per-node records
def read_commit_diff(storage, cid: str, tensor_key: str) -> Optional[CommitDiff]:
    try:
        return CommitDiff.frombuffer(storage[keys.commit_diff_key(cid, tensor_key)])
    except KeyError:
        return None


def read_dataset_diff(storage, cid: str) -> Optional[DatasetDiff]:
    try:
        return DatasetDiff.frombuffer(storage[keys.dataset_diff_key(cid)])
    except KeyError:
        return None


def _date(commit_time) -> Optional[str]:
    if commit_time is None:
        return None
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(commit_time))


def dataset_change(ctx, cid: str) -> Dict:
    node = ctx.vc_info["commits"][cid]
    change = {
        "commit_id": cid,
        "author": node.get("commit_user_name"),
        "message": node.get("commit_message"),
        "date": _date(node.get("commit_time")),
    }
    dd = read_dataset_diff(ctx.storage, cid)
    change["info_updated"] = bool(dd.info_updated) if dd else False
    change["renamed"] = dict(dd.renamed) if dd else {}
    change["deleted"] = list(dd.deleted) if dd else []
    return change


def _tensor_change(d: Optional[CommitDiff]) -> Dict:
    if d is None:
        return {"created": False, "cleared": False, "info_updated": False, "data_added": [0, 0],
                "data_updated": set(), "data_deleted": set(), "data_transformed_in_place": False}
    return {
        "created": d.created,
        "cleared": d.cleared,
        "info_updated": d.info_updated,
        "data_added": list(d.data_added),
        "data_updated": set(d.data_updated),
        "data_deleted": set(d.data_deleted),
        "data_transformed_in_place": d.data_transformed,
    }


def tensor_changes(ctx, cid: str) -> Dict:
    """{"commit_id": cid, <visible tensor name>: change dict, ...} for one node."""
    meta = DatasetMeta.frombuffer(ctx.storage[keys.dataset_meta_key(cid)])
    out: Dict = {"commit_id": cid}
    for name in meta.visible_names():
        out[name] = _tensor_change(read_commit_diff(ctx.storage, cid, meta.key_of(name)))
    return out


def changes_down_to(ctx, cid: str, stop: str) -> Tuple[List[Dict], List[Dict]]:
    """Dataset and tensor records of ``cid`` and its ancestors, excluding ``stop``."""
    ds_changes, t_changes = [], []
    while cid is not None and cid != stop:
        ds_changes.append(dataset_change(ctx, cid))
        t_changes.append(tensor_changes(ctx, cid))
        cid = ctx.parent_of(cid)
    return ds_changes, t_changes


# ------------------------------------------------------------------ Dataset.diff
def dataset_diff(ds, id_1: Optional[str] = None, id_2: Optional[str] = None, as_dict: bool = False):
    state, ctx = ds._state, ds._ctx
    state.flush()
    current = ctx.commit_id
    if id_1 is None and id_2 is None:
        ds_changes = [dataset_change(ctx, current)]
        t_changes = [tensor_changes(ctx, current)]
        if as_dict:
            return DiffDict(dataset=ds_changes, tensors=t_changes)
        where = "HEAD" if ctx.is_head() else f"{current} (current commit)"
        print(_report(None, [(f"Diff in {where} relative to the previous commit:\n", ds_changes, t_changes)]))
        return None
    if id_1 is None:
        raise ValueError("Can't specify id_2 without specifying id_1")
    if id_2 is None:
        left, right = current, resolve_address(ctx, id_1)
        left_title = "Diff in HEAD:\n" if ctx.is_head() else f"Diff in {current} (current commit):\n"
        right_title = f"Diff in {id_1} (target id):\n"
        intro = "current state and the commit passed."
    else:
        left, right = resolve_address(ctx, id_1), resolve_address(ctx, id_2)
        left_title = f"Diff in {id_1} (target id 1):\n"
        right_title = f"Diff in {id_2} (target id 2):\n"
        intro = "two commits passed."
    lca = lowest_common_ancestor(ctx, left, right)
    ds_1, t_1 = changes_down_to(ctx, left, lca)
    ds_2, t_2 = changes_down_to(ctx, right, lca)
    if as_dict:
        return DiffDict(dataset=(ds_1, ds_2), tensors=(t_1, t_2))
    header = f"The 2 diffs are calculated relative to the most recent common ancestor ({lca}) of the {intro}"
    print(_report(header, [(left_title, ds_1, t_1), (right_title, ds_2, t_2)]))
    return None


# ------------------------------------------------------------------ printing
def _report(header: Optional[str], sides) -> str:
    lines = ["\n## Deep Lake Diff"]
    if header:
        lines.append(header)
    for title, ds_changes, t_changes in sides:
        lines.append(_side_text(title, ds_changes, t_changes))
    lines.append(_SEPARATOR)
    return "\n".join(lines)


def _side_text(title: str, ds_changes: List[Dict], t_changes: List[Dict]) -> str:
    lines = [_SEPARATOR, f"{_BLUE}{title}{_END}"]
    for dc, tc in zip(ds_changes, t_changes):
        shown_id = "UNCOMMITTED HEAD" if dc["date"] is None else dc["commit_id"]
        block = [_COMMIT_SEPARATOR, f"{_YELLOW}commit {shown_id}{_END}", f"Author: {dc['author']}",
                 f"Date: {dc['date']}", f"Message: {dc['message']}", ""]
        header_len = len(block)
        if dc["info_updated"]:
            block.append("- Updated dataset info \n")
        for name in dc["deleted"]:
            block.append(f"- Deleted:\t{name}")
        for old, new in dc["renamed"].items():
            block.append(f"- Renamed:\t{old} -> {new}")
        if len(block) > header_len:
            block.append("\n")
        for name in sorted(k for k in tc if k != "commit_id"):
            block.extend(_tensor_lines(name, tc[name]))
        if len(block) == header_len:
            block.append("No changes were made in this commit.")
        lines.extend(block)
    if len(lines) == 2:
        lines.append("No changes were made.\n")
    return "\n".join(lines)


def has_change(change: Dict) -> bool:
    added = change.get("data_added", [0, 0])
    return bool(change.get("created") or change.get("cleared") or added[1] > added[0]
                or change.get("data_updated") or change.get("info_updated") or change.get("data_deleted"))


def _tensor_lines(name: str, change: Dict) -> List[str]:
    if not has_change(change):
        return []
    out = [name]
    if change["created"]:
        out.append("* Created tensor")
    if change["cleared"]:
        out.append("* Cleared tensor")
    lo, hi = change["data_added"]
    if hi > lo:
        out.append(f"* Added {hi - lo} {'sample' if hi - lo == 1 else 'samples'}: [{lo}-{hi}]")
    for label, idxs in (("Updated", change["data_updated"]), ("Deleted", change["data_deleted"])):
        if idxs:
            out.append(f"* {label} {len(idxs)} {'sample' if len(idxs) == 1 else 'samples'}: [{_ranges(idxs)}]")
    if change["info_updated"]:
        out.append("* Updated tensor info")
    out.append("")
    return out


def _ranges(indexes: Set[int]) -> str:
    """{1,2,3,5,8} -> "1-3, 5, 8"."""
    parts, run = [], []
    for i in sorted(indexes):
        if run and i != run[-1] + 1:
            parts.append(run)
            run = []
        run.append(i)
    if run:
        parts.append(run)
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in parts)


# ------------------------------------------------------------------ Tensor.modified_samples
def modified_indexes(ctx, tensor_key: str, target_id: Optional[str]) -> List[int]:
    """Indexes appended or updated in the current node, or since ``target_id``."""
    current = ctx.commit_id
    if target_id is None:
        nodes = [current]
    else:
        target = resolve_address(ctx, target_id)
        chain = ancestry(ctx, current)
        if target not in chain:
            raise TensorModifiedError(
                "The target commit is not an ancestor of the current commit, modified can't be calculated."
            )
        nodes = chain[: chain.index(target)]
    out: Set[int] = set()
    for cid in nodes:
        d = read_commit_diff(ctx.storage, cid, tensor_key)
        if d is None:
            continue
        out.update(range(*d.data_added))
        out.update(d.data_updated)
        if d.data_transformed:  # an in-place transform rewrote everything before it
            break
    return sorted(out)


def modified_samples(tensor, target_id: Optional[str] = None, return_indexes: Optional[bool] = False):
    ds = tensor.dataset
    ds._state.flush()
    indexes = modified_indexes(ds._ctx, tensor.key, target_id)
    view = tensor[indexes]
    return (view, indexes) if return_indexes else view
