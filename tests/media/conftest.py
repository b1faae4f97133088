"""Shared helpers for media tests: image files made on the fly and a local HTTP server."""
import functools
import http.server
import threading

import numpy as np
import pytest
from PIL import Image


def gradient(h, w, c=3):
    y, x = np.mgrid[0:h, 0:w]
    planes = [x * 255 // max(w - 1, 1), y * 255 // max(h - 1, 1), (x + y) * 255 // max(h + w - 2, 1)]
    return np.stack(planes[:c], -1).astype(np.uint8)


@pytest.fixture
def image_files(tmp_path):
    """{'png': path, 'jpg': path, 'gray_png': path} plus the arrays written."""
    arr = gradient(12, 16)
    files = {}
    files["png"] = tmp_path / "img.png"
    Image.fromarray(arr).save(files["png"])
    files["jpg"] = tmp_path / "img.jpg"
    Image.fromarray(arr).save(files["jpg"], quality=95)
    files["gray_png"] = tmp_path / "gray.png"
    Image.fromarray(arr[..., 0]).save(files["gray_png"])
    files["array"] = arr
    return files


@pytest.fixture
def http_root(tmp_path):
    """Serve tmp_path over http on a free local port; yields (base_url, folder)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
