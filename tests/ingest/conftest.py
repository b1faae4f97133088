"""Fixtures for the ingestion tests (the source builders live in ingest_sources.py)."""
import pytest

from ingest_sources import make_class_tree, make_coco, make_yolo


@pytest.fixture
def class_tree(tmp_path):
    return make_class_tree(str(tmp_path / "src"))


@pytest.fixture
def coco_src(tmp_path):
    return make_coco(str(tmp_path / "coco"))


@pytest.fixture
def yolo_src(tmp_path):
    return make_yolo(str(tmp_path / "yolo" / "data"))
