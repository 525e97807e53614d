"""``wandb.sdk.lib.config_util``: ``ConfigError`` is what runlog's config raises."""

from __future__ import annotations

from runlog.typespec.errors import UsageError as ConfigError

__all__ = ["ConfigError"]
