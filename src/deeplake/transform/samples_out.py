"""``samples_out``: what a compute function writes into, one input sample at a time.

Values are only collected here (per tensor, in order); the worker turns
them into chunks in batches. Between functions of a pipeline the collected
rows become the next function's ``sample_in``.
"""
from __future__ import annotations

import posixpath
from typing import Any, Dict, List, Optional

import numpy as np


class TransformTensor:
    """``samples_out.<tensor>``: append / extend one tensor (or reach into a group)."""

    __slots__ = ("_out", "_name", "_items")

    def __init__(self, out: "SamplesOut", name: str):
        self._out = out
        self._name = name
        self._items: List[Any] = []

    def append(self, item) -> None:
        self._items.append(item)

    def extend(self, items) -> None:
        if isinstance(items, (str, bytes, dict)):
            raise TypeError(f"extend expects a sequence of samples for '{self._name}', got {type(items).__name__}.")
        if isinstance(items, np.ndarray):
            self._items.extend(items)  # one sample per first-axis row
        else:
            self._items.extend(list(items))

    def __len__(self) -> int:
        return len(self._items)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._out[posixpath.join(self._name, name)]

    def __getitem__(self, item):
        if isinstance(item, str):
            return self._out[posixpath.join(self._name, item)]
        return _output_value(self._items[item])

    def numpy(self):
        return [_output_value(v) for v in self._items]


def _output_value(v):
    """What a following pipeline function sees for a collected value."""
    if v is None or isinstance(v, np.ndarray):
        return v
    if type(v).__module__.startswith("deeplake"):  # read()/link() samples pass through
        arr = getattr(v, "array", None)
        return arr if arr is not None and not callable(arr) else v
    try:
        return np.asarray(v)
    except Exception:
        return v


class SamplesOut:
    """The second argument of a compute function."""

    def __init__(self):
        object.__setattr__(self, "tensors", {})

    def __getattr__(self, name: str) -> TransformTensor:
        t = self.tensors.get(name)  # the hot path: one dict lookup per append
        if t is not None:
            return t
        if name.startswith("__"):
            raise AttributeError(name)
        return self[name]

    def __setattr__(self, name, value):
        raise AttributeError("Use samples_out.<tensor>.append(...) to write samples.")

    def __getitem__(self, name: str) -> TransformTensor:
        name = name.strip("/")
        t = self.tensors.get(name)
        if t is None:
            t = self.tensors[name] = TransformTensor(self, name)
        return t

    def append(self, sample: Dict[str, Any], skip_ok: bool = False, append_empty: bool = False) -> None:
        if not isinstance(sample, dict):
            raise TypeError("samples_out.append expects a dict of tensor name -> sample.")
        for k, v in sample.items():
            self[k]._items.append(v)

    def extend(self, samples: Dict[str, Any], skip_ok: bool = False, append_empty: bool = False) -> None:
        if not isinstance(samples, dict):
            raise TypeError("samples_out.extend expects a dict of tensor name -> samples.")
        counts = {k: len(v) for k, v in samples.items()}
        if len(set(counts.values())) > 1:
            from deeplake.errors import InvalidTransformDataset

            raise InvalidTransformDataset(f"samples_out.extend needs equal counts per tensor, got {counts}.")
        for k, v in samples.items():
            self[k].extend(v)

    def written(self) -> Dict[str, List[Any]]:
        """Tensor name -> values, for tensors that received at least one value."""
        return {k: t._items for k, t in self.tensors.items() if t._items}

    def num_rows(self) -> int:
        lengths = {len(v) for v in self.written().values()}
        if len(lengths) > 1:
            from deeplake.errors import InvalidTransformDataset

            counts = {k: len(v) for k, v in self.written().items()}
            raise InvalidTransformDataset(
                f"All tensors written by a compute function must get the same number of samples, got {counts}."
            )
        return lengths.pop() if lengths else 0

    def rows(self):
        """The collected rows as ``sample_in`` objects for the next function."""
        written = self.written()
        for i in range(self.num_rows()):
            yield RowView({k: v[i] for k, v in written.items()})


class RowView:
    """One collected row: ``row.tensor`` / ``row['group/tensor']`` give its values."""

    __slots__ = ("_values",)

    def __init__(self, values: Dict[str, Any]):
        self._values = values

    def __getitem__(self, name: str):
        name = name.strip("/")
        if name in self._values:
            return _output_value(self._values[name])
        prefix = name + "/"
        sub = {k[len(prefix):]: v for k, v in self._values.items() if k.startswith(prefix)}
        if sub:
            return RowView(sub)
        raise KeyError(name)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def keys(self):
        return list(self._values)

    def __contains__(self, name) -> bool:
        return name in self._values

    def __repr__(self) -> str:
        return f"RowView({sorted(self._values)})"


def run_pipeline(functions, sample) -> Optional[SamplesOut]:
    """Every function of a pipeline over one input sample; the last collector."""
    out = SamplesOut()
    functions[0].run(sample, out)
    for fn in functions[1:]:
        nxt = SamplesOut()
        for row in out.rows():
            fn.run(row, nxt)
        out = nxt
    return out
