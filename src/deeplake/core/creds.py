"""Credentials keys of link tensors (FORMAT.md §1.8).

Key names persist in ``linked_creds.json``; the credentials themselves are
kept in memory only and must be populated again after every load. Managed
credentials need the vendor's platform, which does not exist here.
"""
from __future__ import annotations

import json
import os
from typing import Dict, List, Optional, Set

from deeplake.errors import BadLinkError, ManagedCredentialsNotFoundError, MissingCredsError
from deeplake.format import keys

_NO_MANAGED = (
    "Managed credentials are fetched from the Activeloop platform, which this deeplake does not "
    "connect to. Add the key with managed=False and give its credentials with ds.populate_creds()."
)
_ENV_CREDS = {
    "aws_access_key_id": "AWS_ACCESS_KEY_ID",
    "aws_secret_access_key": "AWS_SECRET_ACCESS_KEY",
    "aws_session_token": "AWS_SESSION_TOKEN",
    "endpoint_url": "AWS_ENDPOINT_URL",
    "aws_region": "AWS_REGION",
}




class LinkCreds:
    """Creds keys of one dataset, their encodings, and populated credentials."""

    def __init__(self, creds_keys=None, managed=None, used=None):
        self.creds_keys: List[str] = list(creds_keys or [])
        self.managed: Set[str] = set(managed or [])
        self.used: Set[str] = set(used or [])
        self.creds: Dict[str, dict] = {}

    @classmethod
    def frombuffer(cls, buf) -> "LinkCreds":
        d = json.loads(bytes(buf).decode("utf-8")) if buf else {}
        return cls(d.get("creds_keys"), d.get("managed_creds_keys"), d.get("used_creds_keys"))

    def tobytes(self) -> bytes:
        d = {"creds_keys": self.creds_keys, "managed_creds_keys": sorted(self.managed),
             "used_creds_keys": sorted(self.used)}
        return json.dumps(d).encode("utf-8")

    def check_key(self, key: str) -> None:
        if key not in self.creds_keys:
            raise MissingCredsError(
                f"Creds key '{key}' does not exist. Add it first with ds.add_creds_key('{key}')."
            )

    def encoding(self, key: Optional[str], path: Optional[str] = None) -> int:
        """0 for no creds; 1 + position in creds_keys otherwise."""
        from deeplake.core.sample import path_kind

        if key is None:
            if path and path_kind(path) == "cloud":
                raise BadLinkError(
                    f"Cannot link '{path}': cloud paths always need a creds_key. Add one with "
                    f"ds.add_creds_key(key), ds.populate_creds(key, creds) and link with "
                    f"deeplake.link(path, creds_key=key)."
                )
            return 0
        self.check_key(key)
        return self.creds_keys.index(key) + 1

    def key_of(self, encoding: int) -> Optional[str]:
        if encoding == 0:
            return None
        if encoding > len(self.creds_keys):
            raise KeyError(f"Creds encoding {encoding} is not known to this dataset.")
        return self.creds_keys[encoding - 1]

    def get(self, key: Optional[str]) -> dict:
        if key is None:
            return {}
        self.check_key(key)
        if key not in self.creds:
            raise MissingCredsError(
                f"Creds key '{key}' hasn't been populated. Populate it with ds.populate_creds('{key}', creds)."
            )
        return self.creds[key]


def link_creds(ds) -> LinkCreds:
    """The dataset's LinkCreds, loaded once per opened dataset (shared by its views)."""
    ctx = ds._state.ctx
    lc = getattr(ctx, "link_creds", None)
    if lc is None:
        try:
            lc = LinkCreds.frombuffer(ctx.storage[keys.LINKED_CREDS])
        except KeyError:
            lc = LinkCreds()
        ctx.link_creds = lc
    return lc


def save_link_creds(ds) -> None:
    ds._state.ctx.storage[keys.LINKED_CREDS] = link_creds(ds).tobytes()


def mark_used(ds, key: Optional[str]) -> None:
    lc = link_creds(ds)
    if key is not None and key not in lc.used:
        lc.used.add(key)
        save_link_creds(ds)


def add_creds_key(ds, creds_key: str, managed: bool = False) -> None:
    if not isinstance(creds_key, str) or not creds_key:
        raise ValueError(f"A creds key must be a non-empty string, got {creds_key!r}.")
    if managed:
        raise ManagedCredentialsNotFoundError(_NO_MANAGED)
    lc = link_creds(ds)
    if creds_key in lc.creds_keys:
        raise ValueError(f"Creds key '{creds_key}' already exists.")
    with ds._write_context("add a creds key"):
        lc.creds_keys.append(creds_key)
        save_link_creds(ds)


def populate_creds(ds, creds_key: str, creds: Optional[dict] = None, from_environment: bool = False) -> None:
    lc = link_creds(ds)
    lc.check_key(creds_key)
    if creds is not None and from_environment:
        raise ValueError("Give either creds or from_environment=True, not both.")
    if from_environment:
        creds = {k: os.environ[v] for k, v in _ENV_CREDS.items() if v in os.environ}
    if creds is None:
        raise ValueError("populate_creds needs a creds dict or from_environment=True.")
    if not isinstance(creds, dict):
        raise TypeError(f"creds must be a dict, got {type(creds).__name__}.")
    lc.creds[creds_key] = dict(creds)


def update_creds_key(ds, creds_key: str, new_creds_key: Optional[str] = None,
                     managed: Optional[bool] = None) -> None:
    if new_creds_key is None and managed is None:
        raise ValueError("Give new_creds_key, managed, or both.")
    lc = link_creds(ds)
    lc.check_key(creds_key)
    if managed:
        raise ManagedCredentialsNotFoundError(_NO_MANAGED)
    if new_creds_key is None or new_creds_key == creds_key:
        return
    if new_creds_key in lc.creds_keys:
        raise ValueError(f"Creds key '{new_creds_key}' already exists.")
    with ds._write_context("rename a creds key"):
        lc.creds_keys[lc.creds_keys.index(creds_key)] = new_creds_key  # same encoding
        if creds_key in lc.creds:
            lc.creds[new_creds_key] = lc.creds.pop(creds_key)
        if creds_key in lc.used:
            lc.used.discard(creds_key)
            lc.used.add(new_creds_key)
        save_link_creds(ds)


def get_creds_keys(ds) -> Set[str]:
    return set(link_creds(ds).creds_keys)


def get_managed_creds_keys(ds) -> List[str]:
    return sorted(link_creds(ds).managed)
