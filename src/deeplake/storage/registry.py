"""URL scheme -> storage provider class, imported on first use.

A backend registers ``"module:Class"`` and the pip extra that brings its
dependencies; nothing is imported until a path with that scheme is opened.
Schemes whose backend does not exist yet are listed with ``None`` so users get
a clear error instead of a local folder named ``s3:``.
"""

from __future__ import annotations

import importlib
from typing import Dict, Optional, Tuple, Type

from deeplake.errors import CloudServiceUnavailableError, ModuleNotInstalledException

# scheme -> (import target or None when not implemented, pip extra)
_SCHEMES: Dict[str, Tuple[Optional[str], str]] = {
    "mem": ("deeplake.storage.memory:MemoryProvider", ""),
    "s3": ("deeplake.storage.s3:S3Provider", "s3"),
    "gcs": ("deeplake.storage.gcs:GCSProvider", "gcp"),
    "gs": ("deeplake.storage.gcs:GCSProvider", "gcp"),
    "gcp": ("deeplake.storage.gcs:GCSProvider", "gcp"),
    "az": ("deeplake.storage.azure:AzureProvider", "azure"),
    "azure": ("deeplake.storage.azure:AzureProvider", "azure"),
    "gdrive": (None, "gdrive"),
}

HUB_SCHEME = "hub"


def register_scheme(scheme: str, target: str, extra: str = "") -> None:
    """Make ``scheme://`` paths open with the provider at ``"module:Class"``."""
    _SCHEMES[scheme] = (target, extra)


def known_schemes() -> Tuple[str, ...]:
    return tuple(_SCHEMES) + (HUB_SCHEME,)


def scheme_of(path: str) -> Optional[str]:
    """The lower-cased scheme of ``scheme://...`` paths, None for plain paths."""
    head, sep, _ = path.partition("://")
    # a one-letter head is a Windows drive (C://), not a scheme
    if not sep or len(head) < 2 or not head.isidentifier():
        return None
    return head.lower()


def provider_class(scheme: str) -> Type:
    """The provider class for ``scheme``, importing its module now."""
    if scheme == HUB_SCHEME:
        raise CloudServiceUnavailableError(
            "hub:// paths need the Activeloop cloud, which this offline implementation "
            "cannot reach. Use a local path, mem://, or copy the dataset locally."
        )
    try:
        target, extra = _SCHEMES[scheme]
    except KeyError:
        raise ModuleNotInstalledException(
            f"No storage backend handles '{scheme}://' paths. Known schemes: "
            + ", ".join(f"{s}://" for s in known_schemes())
        ) from None
    if target is None:
        raise ModuleNotInstalledException(
            f"The '{scheme}://' storage backend is not available in this version of "
            f"deeplake yet (it will need `pip install deeplake[{extra}]`). "
            "Use a local path or mem:// instead."
        )
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        hint = f" Install it with `pip install deeplake[{extra}]`." if extra else ""
        raise ModuleNotInstalledException(
            f"The '{scheme}://' backend needs a missing module ({err.name}).{hint}"
        ) from err
    return getattr(module, class_name)
