"""deeplake._deps: lazy optional imports with install hints."""

import pytest

from deeplake import _deps
from deeplake.errors import DeepLakeError, ModuleNotInstalledException


def test_require_returns_installed_module():
    import json

    assert _deps.require("json") is json
    assert _deps.require("os.path").join("a", "b") == "a/b"


def test_missing_module_names_the_extra():
    with pytest.raises(ModuleNotInstalledException) as info:
        _deps.require("deeplake_no_such_module_xyz", "av", purpose="video decoding")
    message = str(info.value)
    assert 'pip install "deeplake[av]"' in message and "video decoding" in message
    assert isinstance(info.value, ImportError) and isinstance(info.value, DeepLakeError)


@pytest.mark.parametrize(
    "module, hint",
    [
        ("av", 'pip install "deeplake[av]"'),
        ("pydicom", 'pip install "deeplake[medical]"'),
        ("nibabel", 'pip install "deeplake[medical]"'),
        ("laspy", 'pip install "deeplake[point_cloud]"'),
        ("boto3", 'pip install "deeplake[s3]"'),
        ("google.cloud.storage", 'pip install "deeplake[gcp]"'),
        ("azure.storage.blob", 'pip install "deeplake[azure]"'),
        ("torch", "pip install torch"),
        ("tensorflow", "pip install tensorflow"),
        ("cv2", "pip install opencv-python"),
    ],
)
def test_install_hints(module, hint):
    assert _deps.install_hint(module) == hint


def test_is_installed_does_not_import():
    import sys

    assert _deps.is_installed("json")
    assert not _deps.is_installed("deeplake_no_such_module_xyz")
    assert not _deps.is_installed("deeplake_no_such_pkg.sub")
    before = "tomllib" in sys.modules
    _deps.is_installed("tomllib")
    assert ("tomllib" in sys.modules) == before
