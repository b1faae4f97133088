"""The documented home of deeplake's exceptions; they live in deeplake.errors."""
from deeplake.errors import *  # noqa: F401,F403
from deeplake.errors import DeepLakeError  # noqa: F401
