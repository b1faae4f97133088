"""LinkedSample: a path (plus creds key) stored in a link[...] tensor (spec 18.2)."""
from __future__ import annotations

import os
from typing import Optional

import numpy as np


class LinkedSample:
    """A link to external data; nothing is read until the tensor verifies or reads it."""

    def __init__(self, path: str, creds_key: Optional[str] = None):
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"deeplake.link expects a path string, got {type(path).__name__}.")
        self.path = os.fspath(path)
        self.creds_key = creds_key

    @property
    def dtype(self) -> str:
        return np.array("").dtype.str

    def __repr__(self) -> str:
        return f"LinkedSample(path={self.path!r}, creds_key={self.creds_key!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, LinkedSample) and (self.path, self.creds_key) == (other.path, other.creds_key)
