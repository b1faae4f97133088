"""The chunk engine: how one tensor's samples map onto chunks in storage."""
from deeplake.core.engine.tensor_engine import TensorEngine  # noqa: F401
