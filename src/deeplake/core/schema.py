"""Creating, deleting and renaming tensors and groups of a dataset."""
from __future__ import annotations

import posixpath
import re
import uuid
from typing import Optional

from deeplake.constants import COMPANION_MAX_CHUNK_SIZE, FORMAT_VERSION
from deeplake.core.engine.tensor_engine import TensorEngine
from deeplake.errors import (
    InvalidTensorGroupNameError,
    InvalidTensorNameError,
    TensorAlreadyExistsError,
    TensorDoesNotExistError,
    TensorGroupAlreadyExistsError,
    TensorGroupDoesNotExistError,
)
from deeplake.format.meta import TensorMeta

UNSPECIFIED = "unspecified"
_VALID_NAME = re.compile(r"^[^\s/][^/]*$")


def _companion_meta(name: str, kind: str) -> dict:
    """tensor_meta.json of a hidden companion (FORMAT.md §1.6)."""
    base = {
        "chunk_compression": None,
        "hidden": True,
        "is_link": False,
        "is_sequence": False,
        "length": 0,
        "links": {},
        "max_shape": [],
        "min_shape": [],
        "name": name,
        "sample_compression": None,
        "tiling_threshold": None,
        "verify": True,
        "version": FORMAT_VERSION,
    }
    if kind == "id":
        base.update(htype="generic", dtype="uint64", typestr="<u8", max_chunk_size=None)
    elif kind == "shape":
        base.update(htype="generic", dtype="int64", typestr=None, max_chunk_size=COMPANION_MAX_CHUNK_SIZE)
    elif kind == "info":
        base.update(htype="json", dtype="Any", typestr=None, max_chunk_size=COMPANION_MAX_CHUNK_SIZE)
    return base


def _reserved_names():
    from deeplake.core.dataset import Dataset

    return set(dir(Dataset))


class SchemaService:
    def __init__(self, ds):
        self.ds = ds

    @property
    def state(self):
        return self.ds._state

    @property
    def meta(self):
        return self.ds._state.meta

    # ----------------------------------------------------------- checks
    def _check_new_name(self, full: str, exist_ok: bool = False) -> bool:
        leaf = full.split("/")[-1]
        if not leaf or not _VALID_NAME.match(leaf) or full.startswith("/"):
            raise InvalidTensorNameError(f"'{full}' is not a valid tensor name.")
        if leaf in _reserved_names():
            raise InvalidTensorNameError(
                f"'{leaf}' is the name of a Dataset attribute and cannot be used as a tensor name."
            )
        if self.meta.key_of(full) is not None:
            if exist_ok:
                return True
            raise TensorAlreadyExistsError(f"Tensor '{full}' already exists.")
        if full in self.meta.groups:
            raise TensorGroupAlreadyExistsError(f"'{full}' is already a group.")
        parent = posixpath.dirname(full)
        while parent:
            if self.meta.key_of(parent) is not None:
                raise TensorAlreadyExistsError(f"'{parent}' is a tensor, it cannot hold '{full}'.")
            parent = posixpath.dirname(parent)
        return False

    def _new_key(self, full: str) -> str:
        """Key for a new tensor: its name, unless that folder was used before in this node."""
        if full not in self.meta.tensors:
            return full
        return f"{full}_{uuid.uuid4().hex[:4]}"

    def _ensure_groups(self, full: str) -> None:
        parent = posixpath.dirname(full)
        chain = []
        while parent:
            if parent in self.meta.groups:
                break
            chain.append(parent)
            parent = posixpath.dirname(parent)
        self.meta.groups.extend(chain)

    # ----------------------------------------------------------- tensors
    def create_tensor(self, name: str, *, htype=UNSPECIFIED, dtype=UNSPECIFIED,
                      sample_compression=UNSPECIFIED, chunk_compression=UNSPECIFIED, hidden=False,
                      create_sample_info_tensor=True, create_shape_tensor=True, create_id_tensor=True,
                      verify=True, exist_ok=False, downsampling=None, tiling_threshold=None, **kwargs):
        from deeplake import htypes

        full = self.ds._full(name)
        if self._check_new_name(full, exist_ok):
            return self.ds._tensor(full)
        def spec(v):
            return htypes.UNSPECIFIED if isinstance(v, str) and v == UNSPECIFIED else v

        htype, dtype = spec(htype), spec(dtype)
        sample_compression, chunk_compression = spec(sample_compression), spec(chunk_compression)
        meta_d, info_d = htypes.build_tensor_meta(
            full, htype=htype, dtype=dtype, sample_compression=sample_compression,
            chunk_compression=chunk_compression, hidden=hidden, tiling_threshold=tiling_threshold,
            verify=verify, **kwargs,
        )
        if meta_d.get("htype") is None and dtype is not htypes.UNSPECIFIED:
            meta_d["htype"] = "generic"  # the reference names the htype once a dtype fixes it
        planned = htypes.companions(
            full, meta_d["htype"], is_link=meta_d["is_link"], verify=verify,
            create_shape_tensor=create_shape_tensor, create_id_tensor=create_id_tensor,
            create_sample_info_tensor=create_sample_info_tensor,
        )
        kinds = {c.kind for c in planned}
        companions = [k for k in ("shape", "id", "info") if k in kinds]  # the reference's folder order
        key = self._new_key(full)
        self._ensure_groups(full)
        self._register(full, key, meta_d, info_d, hidden)
        group = posixpath.dirname(full)
        leaf = posixpath.basename(full)
        links = {}
        for kind in companions:  # ordered: shape, id, info
            cname = posixpath.join(group, f"_{leaf}_{kind}") if group else f"_{leaf}_{kind}"
            ckey = self._new_key(cname)
            self._register(cname, ckey, _companion_meta(cname, kind), None, True)
            links[ckey] = _link_entry(kind, meta_d)
        if links:
            eng = self.state.engine(key)
            eng.meta["links"] = dict(sorted(links.items()))
        self.state.mark_meta_dirty()
        return self.ds._tensor(full)

    def _register(self, full: str, key: str, meta_d: dict, info_d: Optional[dict], hidden: bool) -> None:
        meta = TensorMeta(meta_d)
        eng = TensorEngine(self.state.ctx, key, meta)
        eng.mark_created()
        if info_d:
            eng._info = dict(info_d)
            eng._info_dirty = True
            eng.diff.info_updated = True
        else:
            eng._info = {}
        self.state.register_engine(eng)
        self.meta.tensors.append(key)
        self.meta.tensor_names[full] = key
        if hidden:
            self.meta.hidden_tensors.append(key)

    def create_tensor_like(self, name: str, source, unlink: bool = False):
        smeta = source.meta.d
        info = dict(source.info.items())
        kwargs = {k: info[k] for k in smeta.get("_info", []) if k in info}
        htype = source.base_htype
        if smeta.get("is_link") and not unlink:
            htype = f"link[{htype}]"
        if smeta.get("is_sequence"):
            htype = f"sequence[{htype}]"
        links = smeta.get("links") or {}
        kinds = {l.get("extend") for l in links.values()}
        t = self.create_tensor(
            name, htype=htype, dtype=smeta.get("dtype") if smeta.get("dtype") not in ("str", "Any", "List") else UNSPECIFIED,
            sample_compression=smeta.get("sample_compression"), chunk_compression=smeta.get("chunk_compression"),
            hidden=smeta.get("hidden", False), create_shape_tensor="extend_shape" in kinds or "extend_len" in kinds,
            create_id_tensor="extend_id" in kinds, create_sample_info_tensor="extend_info" in kinds,
            verify=smeta.get("verify", True), tiling_threshold=smeta.get("tiling_threshold"),
            max_chunk_size=smeta.get("max_chunk_size"), **kwargs,
        )
        if info:
            t._engine.set_info(dict(info))
        return t

    def delete_tensor(self, name: str, large_ok: bool = False) -> None:
        full = self.ds._full(name)
        key = self.meta.key_of(full)
        if key is None:
            raise TensorDoesNotExistError(f"Tensor '{full}' does not exist.")
        eng = self.state.engine(key)
        created_here = eng.diff.created  # deleting a tensor born in this node leaves no record
        doomed = [key, *eng.meta.links]
        for k in doomed:
            self._forget(k)
        if not created_here:
            self.state.diff.delete(full)
        self.state.mark_meta_dirty()
        self._remove_files(doomed)

    def _forget(self, key: str) -> None:
        meta = self.meta
        names = [n for n, k in meta.tensor_names.items() if k == key]
        for n in names:
            del meta.tensor_names[n]
        if key in meta.tensors:
            meta.tensors.remove(key)
        if key in meta.hidden_tensors:
            meta.hidden_tensors.remove(key)
        self.state.drop_engine(key)

    def _remove_files(self, tensor_keys) -> None:
        """Delete the files of forgotten tensors, after the meta that drops them
        has landed, so a crash in between leaves only unreferenced files."""
        from deeplake.format import keys

        self.state.flush()
        ctx = self.state.ctx
        for key in tensor_keys:
            # files of the current node only; ancestors keep theirs (FORMAT.md §4.5)
            ctx.storage.clear(prefix=keys.tensor_prefix(ctx.commit_id, key).rstrip("/"))

    def delete_group(self, name: str, large_ok: bool = False) -> None:
        full = self.ds._full(name)
        if full not in self.meta.groups:
            raise TensorGroupDoesNotExistError(f"Group '{full}' does not exist.")
        prefix = full + "/"
        doomed = []
        for n in [n for n in self.meta.visible_names() if n.startswith(prefix)]:
            key = self.meta.key_of(n)
            eng = self.state.engine(key)
            doomed += [key, *eng.meta.links]
            for k in [key, *eng.meta.links]:
                self._forget(k)
            self.state.diff.delete(n)
        self.meta.groups = [g for g in self.meta.groups if g != full and not g.startswith(prefix)]
        self.state.mark_meta_dirty()
        self._remove_files(doomed)

    def rename_tensor(self, name: str, new_name: str):
        full = self.ds._full(name)
        new_full = self.ds._full(new_name)
        key = self.meta.key_of(full)
        if key is None:
            raise TensorDoesNotExistError(f"Tensor '{full}' does not exist.")
        if posixpath.dirname(full) != posixpath.dirname(new_full):
            from deeplake.errors import RenameError

            raise RenameError("Renaming a tensor cannot move it to another group; names must share their group.")
        self._check_new_name(new_full)
        self._rename_names(full, new_full)
        self.state.diff.rename(full, new_full)
        self.state.mark_meta_dirty()
        return self.ds._tensor(new_full)

    def _rename_names(self, full: str, new_full: str) -> None:
        meta = self.meta
        key = meta.tensor_names.pop(full)
        meta.tensor_names[new_full] = key
        eng = self.state.engine(key)
        group, leaf = posixpath.dirname(full), posixpath.basename(full)
        new_leaf = posixpath.basename(new_full)
        for ckey in eng.meta.links:
            cname = meta.name_of(ckey)
            if cname is None:
                continue
            cleaf = posixpath.basename(cname)
            prefix = f"_{leaf}_"
            if cleaf.startswith(prefix):
                new_c = posixpath.join(group, f"_{new_leaf}_{cleaf[len(prefix):]}") if group else f"_{new_leaf}_{cleaf[len(prefix):]}"
                meta.tensor_names[new_c] = meta.tensor_names.pop(cname)
        meta.tensor_names = dict(sorted(meta.tensor_names.items()))

    def rename_group(self, name: str, new_name: str) -> None:
        full = self.ds._full(name)
        new_full = self.ds._full(new_name)
        if full not in self.meta.groups:
            raise TensorGroupDoesNotExistError(f"Group '{full}' does not exist.")
        if posixpath.dirname(full) != posixpath.dirname(new_full):
            from deeplake.errors import RenameError

            raise RenameError("Renaming a group cannot move it to another parent group.")
        if self.meta.key_of(new_full) is not None or new_full in self.meta.groups:
            raise TensorGroupAlreadyExistsError(f"'{new_full}' already exists.")
        prefix = full + "/"
        for n in [n for n in list(self.meta.tensor_names) if n.startswith(prefix)]:
            if self.meta.key_of(n) in self.meta.hidden_tensors:
                continue
            nn = new_full + "/" + n[len(prefix):]
            self._rename_names(n, nn)
            self.state.diff.rename(n, nn)
        self.meta.groups = [
            new_full + g[len(full):] if g == full or g.startswith(prefix) else g for g in self.meta.groups
        ]
        self.state.mark_meta_dirty()

    # ----------------------------------------------------------- groups
    def create_group(self, name: str, exist_ok: bool = False):
        from deeplake.core.dataset import Dataset

        full = self.ds._full(name)
        if not all(p and _VALID_NAME.match(p) for p in full.split("/")):
            raise InvalidTensorGroupNameError(f"'{full}' is not a valid group name.")
        if full in self.meta.groups:
            if exist_ok:
                return Dataset(self.state, full, self.ds._index)
            raise TensorGroupAlreadyExistsError(f"Group '{full}' already exists.")
        if self.meta.key_of(full) is not None:
            raise TensorAlreadyExistsError(f"'{full}' is a tensor.")
        chain = []
        g = full
        while g and g not in self.meta.groups:
            chain.append(g)
            g = posixpath.dirname(g)
        self.meta.groups.extend(chain)
        self.state.mark_meta_dirty()
        return Dataset(self.state, full, self.ds._index)


def _link_entry(kind: str, meta_d: dict) -> dict:
    if kind == "id":
        return {"extend": "extend_id", "flatten_sequence": False}
    if kind == "shape":
        if meta_d.get("htype") == "list":
            return {"extend": "extend_len", "flatten_sequence": True, "update": "update_len"}
        return {"extend": "extend_shape", "flatten_sequence": True, "update": "update_shape"}
    if kind == "info":
        return {"extend": "extend_info", "flatten_sequence": True, "update": "update_info"}
    raise ValueError(kind)
