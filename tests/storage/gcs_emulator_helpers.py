"""A gcp-storage-emulator server on loopback for the gcs:// tests."""
import logging
import socket
import uuid

GCS_BUCKET = "deeplake-gcs-test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gcs_emulator():
    """(server, creds) for an in-memory emulator with ``GCS_BUCKET`` created."""
    from gcp_storage_emulator.server import create_server

    logging.getLogger("gcp_storage_emulator").setLevel(logging.ERROR)  # a line per request otherwise
    port = free_port()
    server = create_server("127.0.0.1", port, in_memory=True, default_bucket=GCS_BUCKET)
    server._api.daemon = True  # datasets still open flush at interpreter exit; never block it
    server.start()
    return server, {"endpoint_url": f"http://127.0.0.1:{port}", "project": "test"}


def unique_gcs_path(name: str = "ds", scheme: str = "gcs") -> str:
    return f"{scheme}://{GCS_BUCKET}/{name}-{uuid.uuid4().hex[:10]}"
