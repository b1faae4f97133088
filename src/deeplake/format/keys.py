"""Every storage key of the v3 layout, built in one place (FORMAT.md §1-§2).

Per-commit objects live at the dataset root for the FIRST commit and under
``versions/<commit_id>/`` for every other commit node.
"""
from deeplake.constants import FIRST_COMMIT_ID

DATASET_META = "dataset_meta.json"
DATASET_INFO = "dataset_info.json"
DATASET_DIFF = "dataset_diff"
COMMIT_INFO = "commit_info.json"
VERSION_CONTROL_INFO = "version_control_info.json"
VERSION_CONTROL_LOCK = "version_control_info.lock"
DATASET_LOCK = "dataset_lock.lock"
LINKED_CREDS = "linked_creds.json"
QUERIES = "queries.json"
QUERIES_LOCK = "queries.lock"
QUERIES_FOLDER = ".queries"

TENSOR_META = "tensor_meta.json"
TENSOR_INFO = "tensor_info.json"
CHUNKS_FOLDER = "chunks"
CHUNK_ID_ENCODER = "chunks_index/unsharded"
TILE_ENCODER = "tiles_index/unsharded"
SEQUENCE_ENCODER = "sequence_index/unsharded"
PAD_ENCODER = "pad_index/unsharded"
CREDS_ENCODER = "creds_index/unsharded"

# a tensor's metadata files besides chunks, commit_diff and chunk_set: what a
# new version node or a copy takes over unchanged
TENSOR_METADATA_FILES = (
    TENSOR_META, TENSOR_INFO, CHUNK_ID_ENCODER, TILE_ENCODER, SEQUENCE_ENCODER, PAD_ENCODER, CREDS_ENCODER,
)
COMMIT_DIFF = "commit_diff"
CHUNK_SET = "chunk_set"


def commit_prefix(commit_id: str) -> str:
    """Key prefix of a commit node's folder ('' for FIRST)."""
    if commit_id == FIRST_COMMIT_ID:
        return ""
    return f"versions/{commit_id}/"


def dataset_meta_key(commit_id: str) -> str:
    return commit_prefix(commit_id) + DATASET_META


def dataset_info_key(commit_id: str) -> str:
    return commit_prefix(commit_id) + DATASET_INFO


def dataset_diff_key(commit_id: str) -> str:
    return commit_prefix(commit_id) + DATASET_DIFF


def commit_info_key(commit_id: str) -> str:
    return commit_prefix(commit_id) + COMMIT_INFO


def dataset_lock_key(commit_id: str) -> str:
    return commit_prefix(commit_id) + DATASET_LOCK


def tensor_prefix(commit_id: str, tensor_key: str) -> str:
    return f"{commit_prefix(commit_id)}{tensor_key}/"


def tensor_meta_key(commit_id: str, tensor_key: str) -> str:
    return tensor_prefix(commit_id, tensor_key) + TENSOR_META


def tensor_info_key(commit_id: str, tensor_key: str) -> str:
    return tensor_prefix(commit_id, tensor_key) + TENSOR_INFO


def chunk_id_encoder_key(commit_id: str, tensor_key: str) -> str:
    return tensor_prefix(commit_id, tensor_key) + CHUNK_ID_ENCODER


def tile_encoder_key(commit_id: str, tensor_key: str) -> str:
    return tensor_prefix(commit_id, tensor_key) + TILE_ENCODER


def sequence_encoder_key(commit_id: str, tensor_key: str) -> str:
    return tensor_prefix(commit_id, tensor_key) + SEQUENCE_ENCODER


def pad_encoder_key(commit_id: str, tensor_key: str) -> str:
    return tensor_prefix(commit_id, tensor_key) + PAD_ENCODER


def creds_encoder_key(commit_id: str, tensor_key: str) -> str:
    return tensor_prefix(commit_id, tensor_key) + CREDS_ENCODER


def commit_diff_key(commit_id: str, tensor_key: str) -> str:
    return tensor_prefix(commit_id, tensor_key) + COMMIT_DIFF


def chunk_set_key(commit_id: str, tensor_key: str) -> str:
    return tensor_prefix(commit_id, tensor_key) + CHUNK_SET


def chunk_key(commit_id: str, tensor_key: str, chunk_name: str) -> str:
    return f"{tensor_prefix(commit_id, tensor_key)}{CHUNKS_FOLDER}/{chunk_name}"


def chunk_name_from_id(chunk_id: int) -> str:
    """Lowercase hex without '0x' and without leading zeros (FORMAT.md §2.3)."""
    return format(int(chunk_id), "x")


def chunk_id_from_name(name: str) -> int:
    return int(name, 16)


def view_prefix(view_id: str) -> str:
    return f"{QUERIES_FOLDER}/{view_id}/"
