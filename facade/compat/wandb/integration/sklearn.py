"""``wandb.integration.sklearn``: runlog's scikit-learn charts (:mod:`runlog.sklearn`)."""

from runlog.sklearn import *  # noqa: F403 - the same public names
from runlog.sklearn import __all__ as __all__
