"""A moto S3 server on loopback for the s3:// tests and the S3 benchmark."""
import logging
import socket
import uuid

BUCKET = "deeplake-test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto_server():
    """(server, creds) for a fresh ThreadedMotoServer with ``BUCKET`` created."""
    from moto.server import ThreadedMotoServer
    import boto3

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    creds = {
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
        "endpoint_url": f"http://127.0.0.1:{port}",
        "aws_region": "us-east-1",
    }
    boto3.client(
        "s3",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        endpoint_url=creds["endpoint_url"],
        region_name="us-east-1",
    ).create_bucket(Bucket=BUCKET)
    return server, creds


def unique_path(name: str = "ds") -> str:
    return f"s3://{BUCKET}/{name}-{uuid.uuid4().hex[:10]}"
