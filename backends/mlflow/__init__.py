"""The ``mlflow`` backend: one MLflow run per runlog run (sqlite, tracking servers, PostgreSQL)."""

from .backend import MlflowBackend, factory

__all__ = ["MlflowBackend", "factory"]
