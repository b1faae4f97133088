"""Sizes and defaults of the v3 format and engine. Data only."""

MB = 1_000_000  # the reference measures chunk and cache sizes in decimal MB

FORMAT_VERSION = "3.8.22"  # version string written into every file we serialize
FIRST_COMMIT_ID = "firstdbf9474d461a19e9333c2fd19b46115348f"
DEFAULT_BRANCH = "main"

DEFAULT_MAX_CHUNK_SIZE = 16 * MB
DEFAULT_TILING_THRESHOLD = 16 * MB
COMPANION_MAX_CHUNK_SIZE = 4 * MB  # hidden _shape / _info tensors

DEFAULT_MEMORY_CACHE_SIZE = 2000  # MB
DEFAULT_LOCAL_CACHE_SIZE = 0  # MB

DATASET_LOCK_VALIDITY = 300.0  # seconds
DATASET_LOCK_REFRESH = 120.0
SHORT_LOCK_VALIDITY = 10.0

DEFAULT_COMMIT_USER = "public"
