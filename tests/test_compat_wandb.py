"""``runlog.compat.install_wandb()``: ``import wandb`` and the paths integrations import give
runlog; what runlog leaves out fails with one line that says so; uninstalling restores."""

from __future__ import annotations

import importlib
import importlib.util
import sys

import pytest
import runlog
from _compat_helpers import stand_in
from runlog.compat import install_wandb, uninstall_wandb


@pytest.fixture
def wandb(monkeypatch):
    yield from stand_in(monkeypatch)


def test_import_wandb_gives_runlog(wandb):
    import wandb as imported

    assert imported is wandb
    assert imported.init is runlog.init and imported.Image is runlog.Image
    assert imported.Settings is runlog.Settings
    assert importlib.util.find_spec("wandb") is not None  # what transformers checks
    assert imported.run is None
    with imported.init(project="p", backends=["memory"]) as run:
        assert imported.run is run
        imported.log({"loss": 0.5})
        assert run.backends["memory"].history[0]["loss"] == 0.5
    assert install_wandb() is wandb  # a second install is a no-op


def test_the_import_paths_integrations_use(wandb):
    from wandb.errors import CommError, Error, UsageError
    from wandb.sdk.lib import RunDisabled
    from wandb.sdk.lib.config_util import ConfigError
    from wandb.sdk.wandb_run import Run as SdkRun
    from wandb.wandb_run import Run

    assert Run is SdkRun is runlog.Run
    assert Error is runlog.Error and UsageError is runlog.UsageError
    assert CommError is runlog.BackendError
    assert importlib.import_module("wandb.sdk.data_types").Table is runlog.Table
    run = wandb.init(backends=["memory"])
    assert isinstance(run, Run) and not isinstance(run, RunDisabled)
    run.config["lr"] = 0.1
    with pytest.raises(ConfigError, match="allow_val_change"):
        run.config["lr"] = 0.2  # what transformers catches around its config writes
    run.finish()
    disabled = wandb.init(mode="disabled")
    assert isinstance(disabled, RunDisabled) and isinstance(disabled, Run)
    disabled.finish()


def test_util_bits(wandb):
    run_id = wandb.util.generate_id()
    assert len(run_id) == 8 and run_id.isalnum()
    assert wandb.util.get_module("json") is sys.modules["json"]
    assert wandb.util.get_module("no_such_module_here") is None
    with pytest.raises(runlog.UsageError, match="install it"):
        wandb.util.get_module("no_such_module_here", required="install it")


def test_require_service_and_core_are_accepted(wandb):
    wandb.require("service")
    wandb.require("core")
    with pytest.raises(wandb.errors.UnsupportedError,
                       match=r"wandb.require\('legacy-service'\) is not supported by runlog"):
        wandb.require("legacy-service")


@pytest.mark.parametrize("name", ["Api", "sweep", "agent"])
def test_left_out_on_purpose_says_so_in_one_line(wandb, name):
    with pytest.raises(wandb.errors.UnsupportedError) as raised:
        getattr(wandb, name)()
    message = str(raised.value)
    assert message.startswith(f"wandb.{name} is not supported by runlog: ")
    assert "\n" not in message
    assert isinstance(raised.value, runlog.UsageError)


def test_a_missing_name_or_module_says_it_is_runlogs_stand_in(wandb):
    with pytest.raises(AttributeError, match="runlog's wandb stand-in"):
        _ = wandb.no_such_thing
    assert not hasattr(wandb, "_attach")  # Lightning probes it with hasattr
    with pytest.raises(ModuleNotFoundError, match="runlog's wandb stand-in") as raised:
        importlib.import_module("wandb.apis.public")
    assert raised.value.name == "wandb.apis"  # the first missing part


def test_uninstall_restores_the_real_package():
    real = importlib.import_module("wandb")  # the real wandb package is in the test extra
    assert not real.__name__.startswith("runlog")
    stand = install_wandb()
    try:
        assert importlib.import_module("wandb") is stand
        assert "wandb.sdk.lib.config_util" in sys.modules
    finally:
        uninstall_wandb()
    assert importlib.import_module("wandb") is real
    assert not any(m.__name__.startswith("runlog.compat") for n, m in sys.modules.items()
                   if n.split(".")[0] == "wandb")
