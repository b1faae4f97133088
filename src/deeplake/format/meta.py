"""JSON metadata files of the v3 format (FORMAT.md §1.2-§1.5, §2.1).

Metas are plain dicts wrapped in small value objects; ``tobytes`` writes the
exact JSON style the reference writes (indent 4, sorted keys, no newline).
"""
from __future__ import annotations

import json
from typing import Dict, List, Optional

from deeplake.constants import FIRST_COMMIT_ID, FORMAT_VERSION


def dumps_pretty(obj) -> bytes:
    return json.dumps(obj, indent=4, sort_keys=True).encode("utf-8")


def dumps_compact(obj) -> bytes:
    return json.dumps(obj).encode("utf-8")


class DatasetMeta:
    """dataset_meta.json: tensor keys, visible names, hidden tensors, groups."""

    def __init__(self, d: Optional[dict] = None):
        d = dict(d or {})
        self.version: str = d.get("version", FORMAT_VERSION)
        self.tensors: List[str] = list(d.get("tensors", []))
        names = d.get("tensor_names")
        self.tensor_names: Dict[str, str] = dict(names) if names is not None else {k: k for k in self.tensors}
        self.hidden_tensors: List[str] = list(d.get("hidden_tensors", []))
        self.groups: List[str] = list(d.get("groups", []))
        self.default_index = d.get("default_index", [{"start": None, "step": None, "stop": None}])
        self.allow_delete: bool = bool(d.get("allow_delete", True))
        self._extra = {k: v for k, v in d.items() if k not in self.to_dict()}

    def to_dict(self) -> dict:
        return {
            "allow_delete": self.allow_delete,
            "default_index": self.default_index,
            "groups": self.groups,
            "hidden_tensors": self.hidden_tensors,
            "tensor_names": self.tensor_names,
            "tensors": self.tensors,
            "version": FORMAT_VERSION,
        }

    def tobytes(self) -> bytes:
        d = dict(self._extra)
        d.update(self.to_dict())
        return dumps_pretty(d)

    @classmethod
    def frombuffer(cls, buf) -> "DatasetMeta":
        return cls(json.loads(bytes(buf)))

    def copy(self) -> "DatasetMeta":
        return DatasetMeta(json.loads(self.tobytes()))

    # name <-> key
    def key_of(self, name: str) -> Optional[str]:
        return self.tensor_names.get(name)

    def name_of(self, key: str) -> Optional[str]:
        for n, k in self.tensor_names.items():
            if k == key:
                return n
        return None

    def visible_names(self) -> List[str]:
        """Visible tensor names in creation order."""
        hidden = set(self.hidden_tensors)
        by_key = {k: n for n, k in self.tensor_names.items()}
        return [by_key[k] for k in self.tensors if k not in hidden and k in by_key]

    def all_names(self) -> List[str]:
        by_key = {k: n for n, k in self.tensor_names.items()}
        return [by_key[k] for k in self.tensors if k in by_key]


class TensorMeta:
    """tensor_meta.json as a dict with typed accessors for the hot fields."""

    __slots__ = ("d", "is_dirty")

    def __init__(self, d: dict):
        self.d = d
        self.is_dirty = False

    def __getitem__(self, key):
        return self.d[key]

    def get(self, key, default=None):
        return self.d.get(key, default)

    def __setitem__(self, key, value):
        self.d[key] = value
        self.is_dirty = True

    def __contains__(self, key):
        return key in self.d

    @property
    def htype(self) -> str:
        return self.d.get("htype") or "generic"

    @property
    def dtype(self) -> Optional[str]:
        return self.d.get("dtype")

    @property
    def length(self) -> int:
        return int(self.d.get("length", 0))

    @property
    def sample_compression(self) -> Optional[str]:
        return self.d.get("sample_compression")

    @property
    def chunk_compression(self) -> Optional[str]:
        return self.d.get("chunk_compression")

    @property
    def is_sequence(self) -> bool:
        return bool(self.d.get("is_sequence", False))

    @property
    def is_link(self) -> bool:
        return bool(self.d.get("is_link", False))

    @property
    def hidden(self) -> bool:
        return bool(self.d.get("hidden", False))

    @property
    def min_shape(self) -> List[int]:
        return self.d.get("min_shape") or []

    @property
    def max_shape(self) -> List[int]:
        return self.d.get("max_shape") or []

    @property
    def links(self) -> dict:
        return self.d.get("links") or {}

    def tobytes(self) -> bytes:
        d = dict(self.d)
        d["version"] = FORMAT_VERSION
        return dumps_pretty(d)

    @classmethod
    def frombuffer(cls, buf) -> "TensorMeta":
        return cls(json.loads(bytes(buf)))

    def copy(self) -> "TensorMeta":
        return TensorMeta(json.loads(self.tobytes()))

    def update_shape_stats(self, lo, hi) -> None:
        """Widen min/max shape with the per-dimension minima/maxima of new samples."""
        lo = [int(x) for x in lo]
        hi = [int(x) for x in hi]
        cur_lo, cur_hi = self.min_shape, self.max_shape
        if not cur_lo or len(cur_lo) != len(lo):
            if cur_lo and len(cur_lo) != len(lo):
                raise ValueError("sample dimensionality differs from the tensor's")
            self.d["min_shape"], self.d["max_shape"] = lo, hi
        else:
            self.d["min_shape"] = [min(a, b) for a, b in zip(cur_lo, lo)]
            self.d["max_shape"] = [max(a, b) for a, b in zip(cur_hi, hi)]
        self.is_dirty = True


def empty_version_control_info() -> dict:
    return {
        "commits": {FIRST_COMMIT_ID: new_commit_node("main", None)},
        "branches": {"main": FIRST_COMMIT_ID},
    }


def new_commit_node(branch: str, parent: Optional[str]) -> dict:
    return {
        "branch": branch,
        "parent": parent,
        "children": [],
        "commit_message": None,
        "commit_time": None,
        "commit_user_name": None,
        "is_checkpoint": False,
        "total_samples_processed": 0,
    }
