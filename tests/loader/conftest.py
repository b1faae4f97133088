import pytest

from loader_helpers import make_images_ds


@pytest.fixture
def images_ds():
    return make_images_ds()


@pytest.fixture
def local_images_ds(tmp_path):
    # small chunks so shuffling and workers cross chunk boundaries
    return make_images_ds(str(tmp_path / "ds"), n=120, chunk=20_000)
