"""reset, delete_branch and fix_vc: operations that remove or rebuild nodes.

Each writes the new state first (node folder, then version_control_info.json)
and deletes old node folders last, so an interrupted run leaves a graph whose
nodes all exist; stray folders are harmless (readers follow the graph).
"""
from __future__ import annotations

import json
from typing import Dict, List, Set

from deeplake.constants import FIRST_COMMIT_ID
from deeplake.errors import CommitError, ReadOnlyModeError, VersionControlError
from deeplake.format import keys
from deeplake.format.meta import DatasetMeta, empty_version_control_info, new_commit_node
from deeplake.version_control import history


def _drop_node_files(storage, cid: str) -> None:
    storage.clear(prefix=keys.commit_prefix(cid).rstrip("/"))
    storage.flush()


# ------------------------------------------------------------------ reset
def reset(ds, force: bool = False) -> None:
    """Throw away the head's uncommitted changes (spec: not reversible)."""
    state = ds._state
    ctx = state.ctx
    if not ctx.is_head():
        print("You are not at the head node of the branch, cannot reset.")
        return
    if state.user_read_only or history._storage_read_only(ctx):
        raise ReadOnlyModeError("Cannot reset: the dataset is open read-only.")
    if not force and not history.has_head_changes(state):
        print("There are no uncommitted changes on this branch.")
        return
    parent = ctx.parent_of(ctx.commit_id)
    if parent is None:
        _reset_uncommitted_dataset(state)
        return
    old_head, branch = ctx.commit_id, ctx.branch
    _discard_pending(state)
    info = ctx.vc_info
    new_head = history.new_commit_id()
    info["commits"][new_head] = dict(info["commits"][old_head], children=[])
    siblings = info["commits"][parent]["children"]
    siblings[siblings.index(old_head)] = new_head
    history._copy_metadata(state, parent, new_head)
    del info["commits"][old_head]
    info["branches"][branch] = new_head
    history._write_graph(ctx, new_head)
    history._move_to(state, new_head, branch)
    _drop_node_files(ctx.storage, old_head)


def _discard_pending(state) -> None:
    """Forget unflushed writes so nothing lands in a node about to go away."""
    state._engines_strong.clear()
    state.ctx.engines.clear()
    state.ctx.forget_chunk_sets()
    state._meta_dirty = state._info_dirty = False
    state._diff = None


def _reset_uncommitted_dataset(state) -> None:
    """A dataset never committed goes back to empty, as the reference does."""
    ctx = state.ctx
    _discard_pending(state)
    st = ctx.storage
    for k in list(st.list("")):
        if not k.endswith(".lock"):
            try:
                del st[k]
            except KeyError:
                pass
    ctx.vc_info = empty_version_control_info()
    ctx.commit_id, ctx.branch = FIRST_COMMIT_ID, "main"
    state.meta = DatasetMeta()
    state.mark_meta_dirty()
    state.pending_version_info = True
    state.flush()
    state.load()


# ------------------------------------------------------------------ delete_branch
def delete_branch(ds, name: str) -> None:
    state = ds._state
    ctx = state.ctx
    if ds.read_only and (state.user_read_only or history._storage_read_only(ctx)):
        raise ReadOnlyModeError("Cannot delete a branch: the dataset is open read-only.")
    if ctx.branch == name:
        raise VersionControlError(f"Cannot delete the currently checked out branch: {name}")
    if name == "main":
        raise VersionControlError("Cannot delete the main branch")
    info = ctx.vc_info
    if name not in info["branches"]:
        raise CommitError(f"Branch {name} does not exist")
    state.flush()
    doomed = _branch_nodes(ctx, name)
    _refuse_if_referenced(ctx, name, doomed)
    del info["branches"][name]
    for cid in doomed:
        info["commits"].pop(cid, None)
    touched = []
    for cid, node in info["commits"].items():
        kept = [c for c in node["children"] if c not in doomed]
        if kept != node["children"]:
            node["children"] = kept
            touched.append(cid)
    history._write_graph(ctx, *touched)
    for cid in doomed:
        _drop_node_files(ctx.storage, cid)


def _branch_nodes(ctx, name: str) -> List[str]:
    """Nodes that belong to branch ``name`` only: its head back to where it forked."""
    commits = ctx.vc_info["commits"]
    out: List[str] = []
    cid = ctx.vc_info["branches"][name]
    while cid is not None and commits[cid]["branch"] == name:
        out.append(cid)
        if any(c not in out for c in commits[cid]["children"]):
            raise VersionControlError(f"Cannot delete branch {name} because it has sub-branches")
        cid = commits[cid].get("parent")
    return out


def _refuse_if_referenced(ctx, name: str, doomed: List[str]) -> None:
    """A branch whose chunks another node re-uses (a merge) cannot go."""
    doomed_set: Set[str] = set(doomed)
    st = ctx.storage
    for cid, node in ctx.vc_info["commits"].items():
        if cid in doomed_set or cid == FIRST_COMMIT_ID:
            continue
        if node.get("parent") in doomed_set:
            raise VersionControlError(f"Cannot delete branch {name} because it has been previously merged")
        try:
            meta = DatasetMeta.frombuffer(st[keys.dataset_meta_key(cid)])
        except KeyError:
            continue
        for tkey in meta.tensors:
            try:
                raw = bytes(st[keys.chunk_set_key(cid, tkey)]).decode()
            except KeyError:
                continue
            for entry in raw.split(","):
                parts = entry.split(":")
                if len(parts) > 1 and parts[1] in doomed_set:
                    raise VersionControlError(
                        f"Cannot delete branch {name} because it has been previously merged into {node['branch']}"
                    )


# ------------------------------------------------------------------ fix_vc
def fix_vc(ds) -> None:
    """Rebuild version_control_info.json from the per-node commit_info.json files."""
    state = ds._state
    ctx = state.ctx
    st = ctx.storage
    try:
        json.loads(bytes(st[keys.commit_info_key(FIRST_COMMIT_ID)]))
    except KeyError:
        return  # never committed: nothing to rebuild from
    commits: Dict[str, dict] = {}
    branches: Dict[str, str] = {}
    missing: List[tuple] = []  # (parent, lost child)
    stack = [FIRST_COMMIT_ID]
    while stack:
        cid = stack.pop()
        try:
            node = json.loads(bytes(st[keys.commit_info_key(cid)]))
        except KeyError:
            parent = next(p for p, n in commits.items() if cid in n["children"])
            missing.append((parent, cid))
            continue
        commits[cid] = node
        if node.get("commit_time") is None:
            branches[node["branch"]] = cid
        stack.extend(node.get("children", []))
    ctx.vc_info = {"commits": commits, "branches": branches}
    new_nodes = []
    for parent, lost in missing:
        # a lost head: give its branch a fresh empty head on the parent
        pnode = commits[parent]
        pnode["children"].remove(lost)
        branch = pnode["branch"]
        if branch in branches:
            continue
        nid = history.new_commit_id()
        commits[nid] = new_commit_node(branch, parent)
        pnode["children"].append(nid)
        history._copy_metadata(state, parent, nid)
        branches[branch] = nid
        new_nodes += [parent, nid]
    history._write_graph(ctx, *new_nodes)
    st.flush()
    if ctx.commit_id not in commits:
        history._move_to(state, branches.get("main", FIRST_COMMIT_ID), "main")
    elif ctx.branch not in branches:
        ctx.branch = commits[ctx.commit_id]["branch"]
