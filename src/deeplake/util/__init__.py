"""Documented ``deeplake.util`` namespace (exceptions, shape intervals...)."""
