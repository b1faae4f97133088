"""Commit, branch and checkout over the commit graph of version_control_info.json.

Each node folder (``versions/<id>/``, or the root for FIRST) is a complete
snapshot of metadata; chunks are shared through ``chunk_set`` maps. Committing
freezes the head and copies its metadata into a new empty head (FORMAT.md §4.1).
Data is flushed before metadata and the graph is written last, so a crash
leaves the dataset at its previous step.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from typing import Dict, List, Optional

from deeplake.constants import DEFAULT_COMMIT_USER, FIRST_COMMIT_ID
from deeplake.errors import CheckoutError, CommitError, EmptyCommitError, ReadOnlyModeError
from deeplake.format import keys
from deeplake.format.diff import CommitDiff, DatasetDiff
from deeplake.format.meta import DatasetMeta, dumps_compact, new_commit_node

# per-tensor metadata copied into every new node (chunks are never copied)
_TENSOR_META_FILES = keys.TENSOR_METADATA_FILES


def new_commit_id() -> str:
    return hashlib.sha1(f"{time.time()}{os.urandom(16).hex()}".encode()).hexdigest()


# ------------------------------------------------------------------ queries
def node(ctx, commit_id: Optional[str] = None) -> dict:
    return ctx.vc_info["commits"][commit_id or ctx.commit_id]


def commit_id(ctx) -> Optional[str]:
    """The last committed node: the head's parent, or the node itself if not a head."""
    if ctx.is_head():
        return node(ctx).get("parent")
    return ctx.commit_id


def pending_commit_id(ctx) -> str:
    return ctx.commit_id


def _node_diffs_changed(state) -> bool:
    ctx = state.ctx
    st = ctx.storage
    cid = ctx.commit_id
    try:
        dd = DatasetDiff.frombuffer(st[keys.dataset_diff_key(cid)])
        if dd.info_updated or dd.renamed or dd.deleted:
            return True
    except KeyError:
        pass
    for key in state.meta.tensors:
        try:
            d = CommitDiff.frombuffer(st[keys.commit_diff_key(cid, key)])
        except KeyError:
            continue
        if (d.created or d.info_updated or d.data_transformed or d.cleared or d.data_updated
                or d.data_deleted or d.data_added[1] > d.data_added[0]):
            return True
    return False


def has_head_changes(state) -> bool:
    """True at a head node holding uncommitted changes."""
    ctx = state.ctx
    if not ctx.is_head():
        return False
    state.flush()
    return _node_diffs_changed(state)


def commits(ctx) -> List[Dict]:
    """Commits leading to the current node, newest first (the head itself excluded)."""
    out = []
    cid = commit_id(ctx)
    while cid is not None:
        n = node(ctx, cid)
        out.append(commit_details(ctx, cid))
        cid = n.get("parent")
    return out


def commit_details(ctx, cid: str) -> Dict:
    if cid not in ctx.vc_info["commits"]:
        raise KeyError(f"Commit '{cid}' not found in this dataset.")
    n = node(ctx, cid)
    if n.get("commit_time") is None:
        raise ValueError(f"'{cid}' is a head node with uncommitted changes, not a commit.")
    return {
        "commit": cid,
        "author": n.get("commit_user_name"),
        "time": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(n["commit_time"])),
        "message": n.get("commit_message"),
    }


def log_text(ctx) -> str:
    lines = ["---------------", "Deep Lake Version Log", "---------------", "",
             f"Current Branch: {ctx.branch}"]
    for c in commits(ctx):
        lines += [f"Commit : {c['commit']} ({ctx.vc_info['commits'][c['commit']]['branch']})",
                  f"Author : {c['author']}", f"Time   : {c['time']}", f"Message: {c['message']}", ""]
    return "\n".join(lines)


# ------------------------------------------------------------------ writes
def _write_graph(ctx, *node_ids: str) -> None:
    st = ctx.storage
    for nid in node_ids:
        st[keys.commit_info_key(nid)] = json.dumps(ctx.vc_info["commits"][nid]).encode()
    st[keys.VERSION_CONTROL_INFO] = dumps_compact(ctx.vc_info)


def _copy_metadata(state, src: str, dst: str) -> None:
    """Snapshot the metadata of node ``src`` into node ``dst`` (no chunks)."""
    st = state.ctx.storage
    meta = DatasetMeta.frombuffer(st[keys.dataset_meta_key(src)])
    for k in (keys.DATASET_META, keys.DATASET_INFO):
        try:
            st[keys.commit_prefix(dst) + k] = st[keys.commit_prefix(src) + k]
        except KeyError:
            pass
    for tkey in meta.tensors:
        for f in _TENSOR_META_FILES:
            try:
                st[keys.tensor_prefix(dst, tkey) + f] = st[keys.tensor_prefix(src, tkey) + f]
            except KeyError:
                pass
        st[keys.chunk_set_key(dst, tkey)] = b""


def _create_node(state, parent: str, branch: str) -> str:
    ctx = state.ctx
    nid = new_commit_id()
    ctx.vc_info["commits"][nid] = new_commit_node(branch, parent)
    ctx.vc_info["commits"][parent]["children"].append(nid)
    _copy_metadata(state, parent, nid)
    return nid


def commit(state, message: Optional[str] = None, allow_empty: bool = False) -> str:
    """Freeze the head as a commit; a new empty head follows it. Returns the commit id."""
    ctx = state.ctx
    if ctx.read_only:
        raise ReadOnlyModeError("Cannot commit: the dataset is open read-only.")
    if not ctx.is_head():
        raise CommitError(f"Cannot commit at '{ctx.commit_id}': it is not the head of a branch; check out a branch.")
    state.flush()
    if not allow_empty and not _node_diffs_changed(state):
        raise EmptyCommitError("There are no changes to commit; pass allow_empty=True to commit anyway.")
    head = ctx.commit_id
    n = node(ctx, head)
    n["commit_message"] = message
    n["commit_time"] = time.time()
    n["commit_user_name"] = DEFAULT_COMMIT_USER
    new_head = _create_node(state, head, ctx.branch)
    ctx.vc_info["branches"][ctx.branch] = new_head
    _write_graph(ctx, head, new_head)
    _move_to(state, new_head, ctx.branch)
    return head


def checkout(state, address: str, create: bool = False, reset: bool = False) -> Optional[str]:
    ctx = state.ctx
    info = ctx.vc_info
    if create:
        if state.user_read_only or _storage_read_only(ctx):
            raise ReadOnlyModeError("Cannot create a branch: the dataset is open read-only.")
        if address in info["branches"]:
            raise CheckoutError(f"A branch named '{address}' already exists.")
        if address in info["commits"]:
            raise CheckoutError(f"'{address}' is a commit id; choose another branch name.")
        base = ctx.commit_id
        if ctx.is_head():
            if not ctx.read_only and has_head_changes(state):
                base = commit(state, f"auto commit before checkout to {address}")
            else:
                base = node(ctx).get("parent") or base
        new_head = _create_node(state, base, address)
        info["branches"][address] = new_head
        _write_graph(ctx, base, new_head)
        _move_to(state, new_head, address)
        return new_head
    if address in info["branches"]:
        target, branch = info["branches"][address], address
    elif address in info["commits"]:
        target, branch = address, info["commits"][address]["branch"]
    else:
        raise CheckoutError(f"Address '{address}' is neither a branch nor a commit id of this dataset.")
    if target == ctx.commit_id:
        return target
    if ctx.is_head() and not ctx.read_only and has_head_changes(state):
        commit(state, f"auto commit before checkout to {address}")
    _move_to(state, target, branch)
    return target


def _storage_read_only(ctx) -> bool:
    base = ctx.storage
    while hasattr(base, "next_storage") and base.next_storage is not None:
        base = base.next_storage
    return bool(getattr(base, "read_only", False))


def _move_to(state, commit_id: str, branch: str) -> None:
    """Point the open dataset at another node and reload its metadata."""
    ctx = state.ctx
    state.flush()
    ctx.commit_id = commit_id
    ctx.branch = branch
    ctx.read_only = state.user_read_only or _storage_read_only(ctx) or not ctx.is_head()
    state.load()
    if not ctx.read_only:
        state.relock()


def branches(ctx) -> List[str]:
    return list(ctx.vc_info["branches"])



# reset / delete_branch / fix_vc live beside these (they remove or rebuild nodes)
from deeplake.version_control.branch_ops import delete_branch, fix_vc, reset  # noqa: E402,F401
