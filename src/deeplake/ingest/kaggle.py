"""deeplake.ingest_kaggle: a Kaggle image-classification dataset -> ingest_classification.

Downloading needs network access, Kaggle credentials and the ``kaggle`` command; when ``src``
already holds the downloaded files (or their zip) and ``exist_ok=True``, they are ingested offline.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import zipfile
from typing import Dict, Optional

from deeplake import errors
from deeplake.ingest import _common as c

ENV_KAGGLE_USERNAME = "KAGGLE_USERNAME"
ENV_KAGGLE_KEY = "KAGGLE_KEY"


def _extract_zips(folder: str) -> None:
    for archive in sorted(glob.glob(os.path.join(folder, "*.zip"))):
        with zipfile.ZipFile(archive) as z:
            z.extractall(folder)
        os.remove(archive)


def _credentials_env(kaggle_credentials: Optional[dict]) -> Dict[str, str]:
    env = dict(os.environ)
    if kaggle_credentials is not None:
        for field, var in (("username", ENV_KAGGLE_USERNAME), ("key", ENV_KAGGLE_KEY)):
            if not kaggle_credentials.get(field):
                raise errors.KaggleMissingCredentialsError(
                    f"kaggle_credentials has no '{field}'; give {{'username': ..., 'key': ...}}."
                )
            env[var] = kaggle_credentials[field]
        return env
    has_file = os.path.isfile(os.path.expanduser("~/.kaggle/kaggle.json"))
    for var in (ENV_KAGGLE_USERNAME, ENV_KAGGLE_KEY):
        if var not in env and not has_file:
            raise errors.KaggleMissingCredentialsError(
                f"No Kaggle credentials: set {var} (and the other of {ENV_KAGGLE_USERNAME}/{ENV_KAGGLE_KEY}), "
                f"write ~/.kaggle/kaggle.json, or pass kaggle_credentials."
            )
    return env


def _download(tag: str, folder: str, kaggle_credentials: Optional[dict]) -> None:
    if shutil.which("kaggle") is None:
        raise errors.ExternalCommandError(
            f"Downloading the Kaggle dataset '{tag}' needs network access and the 'kaggle' command "
            f"(pip install kaggle). Or download and unzip it into '{folder}' yourself and pass exist_ok=True."
        )
    env = _credentials_env(kaggle_credentials)
    os.makedirs(folder, exist_ok=True)
    result = subprocess.run(["kaggle", "datasets", "download", "-d", tag], cwd=folder, env=env)
    if result.returncode != 0:
        raise errors.ExternalCommandError(
            f"'kaggle datasets download -d {tag}' failed with exit status {result.returncode} "
            f"(it needs network access and valid Kaggle credentials)."
        )
    _extract_zips(folder)


def download_kaggle_dataset(tag: str, local_path: str, kaggle_credentials: Optional[dict] = None,
                            exist_ok: bool = False) -> None:
    """Make ``local_path`` hold the extracted files of Kaggle dataset ``tag``."""
    zips = glob.glob(os.path.join(local_path, "*.zip"))
    entries = glob.glob(os.path.join(local_path, "*"))
    if zips or entries:
        if not exist_ok:
            raise errors.KaggleDatasetAlreadyDownloadedError(
                f"Kaggle dataset '{tag}' already exists at '{local_path}'. Pass exist_ok=True to ingest it."
            )
        if zips:
            print(f'Kaggle dataset "{tag}" was already downloaded, but not extracted. Extracting...')
            _extract_zips(local_path)
        else:
            print(f'Kaggle dataset "{tag}" was already downloaded and extracted.')
        return
    _download(tag, local_path, kaggle_credentials)


def ingest_kaggle(tag: str, src, dest, exist_ok: bool = False, images_compression: str = "auto",
                  dest_creds=None, kaggle_credentials: Optional[dict] = None, progressbar: bool = True,
                  summary: bool = True, shuffle: bool = True, **dataset_kwargs):
    """Download (unless already in ``src``) and ingest a Kaggle image-classification dataset."""
    from deeplake.ingest.classification import ingest_classification

    c.check_not_cloud(dest, dataset_kwargs.get("token"), dataset_kwargs.get("connect_kwargs"))
    src, dest = c.to_str(src), c.to_str(dest)
    if not isinstance(src, str) or "://" in src:
        raise errors.InvalidPathException(f"src must be a local folder, got '{src}'.")
    src = os.path.expanduser(src)
    if c.same_path(src, dest) or (os.path.isdir(src) and isinstance(dest, str)
                                  and os.path.abspath(src) == os.path.abspath(os.path.expanduser(dest))):
        raise errors.SamePathException(f"src and dest are the same folder: '{src}'.")
    download_kaggle_dataset(tag, src, kaggle_credentials=kaggle_credentials, exist_ok=exist_ok)
    return ingest_classification(src, dest, image_params={"sample_compression": images_compression},
                                 dest_creds=dest_creds, progressbar=progressbar, summary=summary,
                                 shuffle=shuffle, **dataset_kwargs)
