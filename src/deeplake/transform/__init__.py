"""Transforms: ``deeplake.compute`` functions and ``deeplake.compose`` pipelines.

Schedulers (threads, forked processes, Ray) load only when ``eval`` runs.
"""
from deeplake.transform.pipeline import ComputeFunction, Pipeline, compose, compute

__all__ = ["compute", "compose", "ComputeFunction", "Pipeline"]
