"""``ds.info`` / ``tensor.info``: a dict-like view that persists on change."""
from __future__ import annotations

import json
from typing import Any

from deeplake.errors import InfoError


def _check_jsonable(value) -> None:
    from deeplake.htypes import json_dumps

    try:
        json_dumps(value)
    except (TypeError, ValueError) as e:
        raise InfoError(f"Info values must be JSON serializable: {e}") from None


class Info:
    """Key-value pairs stored with a dataset or tensor (spec 21.2)."""

    _RESERVED = ("_owner",)

    def __init__(self, owner):
        object.__setattr__(self, "_owner", owner)

    # subclasses provide _load() -> dict and _save(dict)
    def _load(self) -> dict:
        raise NotImplementedError

    def _save(self, d: dict) -> None:
        raise NotImplementedError

    def _modify(self, fn):
        d = dict(self._load())
        result = fn(d)
        self._save(d)
        return result

    # --- mapping API ----------------------------------------------------
    def __getitem__(self, key):
        return self._load()[key]

    def __setitem__(self, key, value):
        _check_jsonable(value)
        self._modify(lambda d: d.__setitem__(key, value))

    def __delitem__(self, key):
        self._modify(lambda d: d.__delitem__(key))

    def __contains__(self, key):
        return key in self._load()

    def __iter__(self):
        return iter(self._load())

    def __len__(self):
        return len(self._load())

    def __getattr__(self, key):
        try:
            return self._load()[key]
        except KeyError:
            raise AttributeError(f"info has no key {key!r}") from None

    def __setattr__(self, key, value):
        self[key] = value

    def __eq__(self, other):
        if isinstance(other, Info):
            other = other._load()
        return self._load() == other

    def __repr__(self):
        return repr(self._load())

    __str__ = __repr__

    def get(self, key, default=None):
        return self._load().get(key, default)

    def keys(self):
        return self._load().keys()

    def values(self):
        return self._load().values()

    def items(self):
        return self._load().items()

    def update(self, *args, **kwargs):
        new = dict(*args, **kwargs)
        _check_jsonable(new)
        self._modify(lambda d: d.update(new))

    def setdefault(self, key, default=None):
        if key in self._load():
            return self._load()[key]
        _check_jsonable(default)
        return self._modify(lambda d: d.setdefault(key, default))

    def pop(self, key, default=None):
        return self._modify(lambda d: d.pop(key, default))

    def popitem(self):
        return self._modify(lambda d: d.popitem())

    def clear(self):
        self._modify(lambda d: d.clear())

    def replace_with(self, d):
        if isinstance(d, Info):
            d = d._load()
        new = dict(d)
        _check_jsonable(new)
        self._save(new)

    @property
    def nbytes(self) -> int:
        return len(json.dumps(self._load()).encode())

    def __getstate__(self):
        return self._load()


class TensorInfo(Info):
    def _load(self):
        return self._owner._engine.info

    def _save(self, d):
        t = self._owner
        with t.dataset._write_context(f"modify info of tensor '{t.name}'"):
            t._engine.set_info(d)


class DatasetInfo(Info):
    def _load(self):
        return self._owner._root_state.info

    def _save(self, d):
        ds = self._owner
        with ds._write_context("modify the dataset info"):
            ds._root_state.set_info(d)
