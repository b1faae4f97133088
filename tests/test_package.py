"""Package-level promises: import side effects, layering, exceptions."""
import ast
import pathlib
import subprocess
import sys

import pytest

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "deeplake"

HEAVY = ["torch", "tensorflow", "boto3", "botocore", "google.cloud", "azure", "av", "ray",
         "pandas", "pydicom", "nibabel", "laspy", "multiprocessing.pool"]


def test_import_deeplake_pulls_in_no_heavy_optional_package():
    code = (
        "import sys, multiprocessing as mp; before = mp.get_start_method(allow_none=True); "
        "import deeplake; "
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]; "
        "assert not heavy, heavy; "
        "assert mp.get_start_method(allow_none=True) == before; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_import_makes_no_network_connection():
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise AssertionError('network use at import')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "import deeplake\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


# layers may import only from layers listed before them (DESIGN.md)
LOWER = {
    "storage": {"errors", "constants", "_deps", "storage"},
    "format": {"errors", "constants", "format", "compression", "htypes"},
    "compression": {"errors", "constants", "_deps", "compression"},
    "htypes": {"errors", "constants", "_deps", "compression", "htypes", "format"},
}


def _deeplake_imports(path: pathlib.Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("deeplake"):
            yield node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("deeplake"):
                    yield alias.name


@pytest.mark.parametrize("layer", sorted(LOWER))
def test_lower_layers_never_import_upward(layer):
    bad = []
    for f in (SRC / layer).rglob("*.py"):
        for mod in _deeplake_imports(f):
            parts = mod.split(".")
            target = parts[1] if len(parts) > 1 else ""
            if target and target not in LOWER[layer] and target != "util":
                bad.append(f"{f.relative_to(SRC)} imports {mod}")
    assert not bad, bad


def test_chunk_engine_never_imports_facades_or_services():
    bad = []
    for f in (SRC / "core" / "engine").rglob("*.py"):
        for mod in _deeplake_imports(f):
            if mod.startswith(("deeplake.core.dataset", "deeplake.core.tensor", "deeplake.api",
                               "deeplake.query", "deeplake.version_control", "deeplake.loader")):
                bad.append(f"{f.name} imports {mod}")
    assert not bad, bad


def test_every_documented_exception_is_importable_and_rooted():
    import deeplake.util.exceptions as exc
    from deeplake.errors import DeepLakeError

    spec = pathlib.Path(__file__).resolve().parents[2] / "shared" / "spec" / "000_8bde3f37c313cfce.txt"
    names = ["TensorDoesNotExistError", "ReadOnlyModeError", "DatasetHandlerError", "LockedException",
             "TensorDtypeMismatchError", "UnsupportedCompressionError", "TensorMetaInvalidHtype",
             "CheckoutError", "EmptyCommitError", "MergeConflictError", "DynamicTensorNumpyError"]
    if spec.exists():
        import re

        names = re.findall(r"class deeplake\.util\.exceptions\.(\w+)", spec.read_text())
    assert names
    for n in names:
        cls = getattr(exc, n)
        assert issubclass(cls, DeepLakeError), n
    assert issubclass(exc.TensorDoesNotExistError, KeyError)
    assert issubclass(exc.TensorDoesNotExistError, AttributeError)
