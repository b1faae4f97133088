"""Lazy imports of optional dependencies, with install hints.

Heavy or optional packages (PyAV, pydicom, torch, boto3, ...) are imported
on first use through :func:`require`, never at ``import deeplake`` time.
A missing package raises :class:`ModuleNotInstalledException` whose message
says what to install.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from deeplake.errors import ModuleNotInstalledException

# Top-level module -> the deeplake extra that installs it (pyproject extras).
_EXTRA_OF_MODULE: dict[str, str] = {
    "av": "av",
    "pydicom": "medical",
    "nibabel": "medical",
    "laspy": "point_cloud",
    "boto3": "s3",
    "botocore": "s3",
    "google": "gcp",
    "azure": "azure",
    "googleapiclient": "gdrive",
    "oauth2client": "gdrive",
    "IPython": "visualizer",
    "flask": "visualizer",
}

# Modules with no deeplake extra, and the pip name that provides them.
_PIP_NAME_OF_MODULE: dict[str, str] = {
    "torch": "torch",
    "torchvision": "torchvision",
    "tensorflow": "tensorflow",
    "ray": "ray",
    "pandas": "pandas",
    "kaggle": "kaggle",
    "datasets": "datasets",
    "wandb": "wandb",
    "trimesh": "trimesh",
    "cv2": "opencv-python",
    "sklearn": "scikit-learn",
    "PIL": "pillow",
}


def install_hint(module_name: str, extra: str | None = None) -> str:
    """The pip command that provides ``module_name``."""
    top = module_name.split(".")[0]
    extra = extra or _EXTRA_OF_MODULE.get(top)
    if extra:
        return f'pip install "deeplake[{extra}]"'
    return f"pip install {_PIP_NAME_OF_MODULE.get(top, top)}"


def require(
    module_name: str, extra: str | None = None, *, purpose: str | None = None
) -> ModuleType:
    """Import ``module_name`` (dotted names allowed) or raise with an install hint.

    Args:
        module_name: module to import, e.g. ``"av"`` or ``"google.cloud.storage"``.
        extra: deeplake extra that installs it; looked up from the module name
            when omitted. Without an extra the hint names the pip package.
        purpose: what the module is needed for, shown in the message.

    Raises:
        ModuleNotInstalledException: the module (or one of its own
            dependencies) cannot be imported.
    """
    try:
        return importlib.import_module(module_name)
    except ImportError as e:
        needed = f" for {purpose}" if purpose else ""
        raise ModuleNotInstalledException(
            f"'{module_name}' is required{needed} but is not installed. "
            f"Install it with: {install_hint(module_name, extra)}"
        ) from e


def is_installed(module_name: str) -> bool:
    """True if ``module_name`` can be imported; does not import it."""
    try:
        return importlib.util.find_spec(module_name) is not None
    except (ImportError, ValueError):
        # find_spec imports parent packages of dotted names, which may be absent.
        return False
