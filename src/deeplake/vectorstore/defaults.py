"""Default values of the 3.8 VectorStore (the reference keeps them in deeplake.constants)."""

import numpy as np

MB = 1000 * 1000

DEFAULT_VECTORSTORE_DEEPLAKE_PATH = "./deeplake_vector_store"

# The four tensors of a store created without tensor_params.
DEFAULT_VECTORSTORE_TENSORS = [
    {"name": "text", "htype": "text", "create_id_tensor": False,
     "create_sample_info_tensor": False, "create_shape_tensor": False},
    {"name": "metadata", "htype": "json", "create_id_tensor": False,
     "create_sample_info_tensor": False, "create_shape_tensor": False},
    {"name": "embedding", "htype": "embedding", "dtype": np.float32, "create_id_tensor": False,
     "create_sample_info_tensor": False, "create_shape_tensor": True, "max_chunk_size": 64 * MB},
    {"name": "id", "htype": "text", "create_id_tensor": False,
     "create_sample_info_tensor": False, "create_shape_tensor": False},
]

# Added when tensor_params name no id tensor.
ID_TENSOR_PARAMS = {"name": "id", "htype": "text", "create_id_tensor": False, "create_sample_info_tensor": False,
                    "create_shape_tensor": False, "chunk_compression": "lz4"}

DEFAULT_VECTORSTORE_DISTANCE_METRIC = "COS"
DEFAULT_VECTORSTORE_INDEX_PARAMS = {
    "threshold": -1,
    "distance_metric": DEFAULT_VECTORSTORE_DISTANCE_METRIC,
    "additional_params": {"efConstruction": 600, "M": 32},
}

# Rate limiting of embedding calls (sized for the OpenAI ada limits, as the reference).
OPENAI_TOKEN_SIZE = 2
MAX_BYTES_PER_MINUTE = 0.9 * OPENAI_TOKEN_SIZE * 1_000_000
TARGET_BYTE_SIZE = 10000
DEFAULT_RATE_LIMITER = {"enabled": False, "bytes_per_minute": MAX_BYTES_PER_MINUTE, "batch_byte_size": TARGET_BYTE_SIZE}

# Rows per embedding_function call during add.
VECTORSTORE_EXTEND_BATCH_SIZE = 500

EXEC_OPTIONS = ("python", "compute_engine", "tensor_db")
ID_TENSOR_NAMES = ("id", "ids")
EMBEDDING_TENSOR_NAMES = ("embedding", "embeddings")
