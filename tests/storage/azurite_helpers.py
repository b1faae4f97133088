"""An Azurite blob emulator (Microsoft's, from npm) on loopback for the az:// tests.

Azurite is installed once into a cache folder outside the repository
(``DEEPLAKE_AZURITE_CACHE`` or ``~/.cache/deeplake-test-azurite``), guarded by
a lock file so parallel sessions do not install it twice. When node/npm are
missing or the install fails, ``start_azurite`` raises AzuriteUnavailable and
the tests skip.
"""
import fcntl
import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid

# Azurite's well-known development account (documented by Microsoft; not a secret)
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/"
               "K1SZFPTOtr/KBHBeksoGMGw==")
CONTAINER = "deeplake-az-test"
_INSTALL_TIMEOUT = 600
_START_TIMEOUT = 30


class AzuriteUnavailable(RuntimeError):
    """node/npm missing, or Azurite could not be installed or started."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cache_dir() -> pathlib.Path:
    default = pathlib.Path.home() / ".cache" / "deeplake-test-azurite"
    return pathlib.Path(os.environ.get("DEEPLAKE_AZURITE_CACHE", default))


def azurite_binary() -> pathlib.Path:
    """The azurite-blob executable, installing it with npm on first use."""
    folder = cache_dir()
    binary = folder / "node_modules" / ".bin" / "azurite-blob"
    if not shutil.which("node"):
        raise AzuriteUnavailable("node is not installed (needed to run the Azurite emulator)")
    if binary.exists():
        return binary
    if not shutil.which("npm"):
        raise AzuriteUnavailable("npm is not installed (needed to install the Azurite emulator)")
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another session may be installing right now
        if not binary.exists():
            try:
                proc = subprocess.run(
                    ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(folder),
                     "azurite"], capture_output=True, text=True, timeout=_INSTALL_TIMEOUT)
            except (OSError, subprocess.TimeoutExpired) as err:
                raise AzuriteUnavailable(f"npm install azurite failed: {err}") from err
            if proc.returncode != 0 or not binary.exists():
                tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
                raise AzuriteUnavailable(f"npm install azurite failed: {' '.join(tail)}")
    return binary


def creds_for(port: int):
    return {"account_name": ACCOUNT, "account_key": ACCOUNT_KEY,
            "account_url": f"http://127.0.0.1:{port}/{ACCOUNT}"}


def _answers(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/{ACCOUNT}?comp=list", timeout=1)
    except urllib.error.HTTPError:
        return True  # any HTTP answer (403 without auth) means it is up
    except OSError:
        return False
    return True


def start_azurite():
    """(process, workdir, creds) for a fresh Azurite with ``CONTAINER`` created."""
    binary = azurite_binary()
    workdir = tempfile.mkdtemp(prefix="deeplake-azurite-")
    port = free_port()
    try:
        proc = subprocess.Popen(
            [str(binary), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location",
             workdir, "--silent", "--skipApiVersionCheck", "--loose"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    except OSError as err:
        shutil.rmtree(workdir, ignore_errors=True)
        raise AzuriteUnavailable(f"Azurite could not be started: {err}") from err
    deadline = time.monotonic() + _START_TIMEOUT
    while not _answers(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_azurite(proc, workdir)
            err = proc.stderr.read().decode(errors="replace")[-300:] if proc.stderr else ""
            raise AzuriteUnavailable(f"Azurite did not start on port {port}: {err}")
        time.sleep(0.1)
    creds = creds_for(port)
    container_client(creds).create_container()
    return proc, workdir, creds


def stop_azurite(proc, workdir) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    shutil.rmtree(workdir, ignore_errors=True)


def container_client(creds, name: str = CONTAINER):
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient(creds["account_url"],
                                credential={"account_name": ACCOUNT,
                                            "account_key": ACCOUNT_KEY})
    return service.get_container_client(name)


def unique_az_path(name: str = "ds", scheme: str = "az") -> str:
    return f"{scheme}://{ACCOUNT}/{CONTAINER}/{name}-{uuid.uuid4().hex[:10]}"
