"""``wandb.integration``: the integrations runlog's stand-in provides (``sklearn`` only)."""
