import os
import shutil
import zipfile

import pytest

import deeplake
from deeplake import errors
from ingest_sources import make_class_tree


def test_already_downloaded_folder_is_ingested(tmp_path, capsys):
    make_class_tree(str(tmp_path / "kaggle" / "flowers"))
    with pytest.raises(errors.KaggleDatasetAlreadyDownloadedError):
        deeplake.ingest_kaggle("user/flowers", str(tmp_path / "kaggle"), "mem://kg_no")
    ds = deeplake.ingest_kaggle("user/flowers", str(tmp_path / "kaggle"), "mem://kg_yes", exist_ok=True,
                                progressbar=False, summary=False)
    assert "already downloaded and extracted" in capsys.readouterr().out
    assert ds.labels.info.class_names == ["bird", "cat", "dog"] and ds.images.meta.sample_compression == "jpeg"
    assert len(ds) == 9


def test_zip_is_extracted(tmp_path):
    tree = make_class_tree(str(tmp_path / "tree"))
    folder = tmp_path / "dl"
    folder.mkdir()
    with zipfile.ZipFile(folder / "data.zip", "w") as z:
        for root, _, files in os.walk(tree):
            for f in files:
                full = os.path.join(root, f)
                z.write(full, os.path.relpath(full, str(tmp_path)))
    ds = deeplake.ingest_kaggle("u/t", str(folder), "mem://kg_zip", exist_ok=True, progressbar=False,
                                summary=False, images_compression="png")
    assert not (folder / "data.zip").exists()
    assert ds.images.meta.sample_compression == "png" and len(ds) == 9


def test_download_needs_network_and_kaggle(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(errors.ExternalCommandError, match="network"):
        deeplake.ingest_kaggle("u/t", str(tmp_path / "new"), "mem://kg_net")


def test_cloud_and_same_path(tmp_path):
    make_class_tree(str(tmp_path / "k" / "x"))
    with pytest.raises(errors.CloudServiceUnavailableError):
        deeplake.ingest_kaggle("u/t", str(tmp_path / "k"), "hub://org/ds", exist_ok=True)
    with pytest.raises(errors.SamePathException):
        deeplake.ingest_kaggle("u/t", str(tmp_path / "k"), str(tmp_path / "k"), exist_ok=True)
