"""wandb's init arguments, settings objects, run attributes and module calls, as a user sees
them: rows, run.json, stored files, errors."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import urlparse

import attrs
import pytest
import runlog

QUIET = {"handle_signals": False}


def memory_of(run: runlog.Run):
    return run.backends["memory"]


# -- run attributes -----------------------------------------------------------------------------
def test_entity_path_url_and_flags_describe_the_run(tmp_path: Path) -> None:
    run = runlog.init(project="p", id="r1", entity="team", backends=["files"], settings=QUIET)
    assert (run.entity, run.path) == ("team", "team/p/r1")
    assert run.get_url() == run.url
    assert Path(urlparse(run.url).path) == tmp_path / "runlog-runs" / "p" / "r1"
    assert (run.resumed, run.disabled, run.mode) == (False, False, "online")
    run.log({"x": 1})
    run.finish()
    assert runlog.read(Path(urlparse(run.url).path)).history[0]["x"] == 1

    again = runlog.init(project="p", id="r1", resume="allow", backends=["files"], settings=QUIET)
    assert again.resumed and again.path == "p/r1"  # no entity: project/id
    again.finish()
    run._label(code="transformers_trainer")  # what integrations call; nothing to record
    off = runlog.init(mode="disabled")
    assert off.disabled and off.mode == "disabled"


# -- init arguments -----------------------------------------------------------------------------
def test_allow_val_change_lets_config_values_change(tmp_path: Path) -> None:
    run = runlog.init(config={"lr": 0.1}, allow_val_change=True, backends=["memory"],
                      settings=QUIET)
    run.config.lr = 0.2
    run.config["lr"] = 0.3
    run.finish()
    assert memory_of(run).config == {"lr": 0.3}

    strict = runlog.init(config={"lr": 0.1}, backends=["memory"], settings=QUIET)
    with pytest.raises(runlog.UsageError, match=r"config key 'lr' is already 0\.1"):
        strict.config.lr = 0.2


def test_config_setdefaults_sets_only_missing_keys(mem_run: runlog.Run) -> None:
    mem_run.config.update({"lr": 0.1})
    mem_run.config.setdefaults({"lr": 0.5, "epochs": 3})
    mem_run.finish()
    assert memory_of(mem_run).config == {"lr": 0.1, "epochs": 3}


def test_config_include_and_exclude_keys_filter_the_config() -> None:
    cfg = {"lr": 0.1, "secret": "x", "epochs": 3}
    run = runlog.init(config=cfg, config_exclude_keys=["secret"], backends=["memory"],
                      settings=QUIET)
    assert dict(run.config) == {"lr": 0.1, "epochs": 3}
    run.finish()
    assert memory_of(run).config == {"lr": 0.1, "epochs": 3}
    run = runlog.init(config=cfg, config_include_keys=["lr"], backends=["memory"],
                      settings=QUIET)
    assert dict(run.config) == {"lr": 0.1}
    run.finish()
    with pytest.raises(runlog.UsageError, match="not both"):
        runlog.init(config=cfg, config_include_keys=["lr"], config_exclude_keys=["x"])
    with pytest.raises(runlog.UsageError, match="config_exclude_keys must be a list of str"):
        runlog.init(config=cfg, config_exclude_keys="secret")


def test_save_code_stores_the_main_script(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent("""\
        import runlog
        run = runlog.init(project="p", id="code", save_code=True, backends=["files"])
        run.log({"x": 1})
        run.finish()
    """))
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    files = runlog.read(tmp_path / "runlog-runs" / "p" / "code").files
    assert files["code/train.py"].read_bytes() == script.read_bytes()


def test_resume_auto_continues_the_run_that_did_not_finish(tmp_path: Path) -> None:
    first = runlog.init(project="p", resume="auto", backends=["files"], settings=QUIET)
    first.log({"x": 0})
    first.log({"x": 1})
    first.finish(exit_code=1)  # crashed: resume="auto" continues it next time

    second = runlog.init(project="p", resume=True, backends=["files"], settings=QUIET)
    assert second.id == first.id and second.resumed and second.step == 2
    second.log({"x": 2})
    second.finish()  # a clean finish: nothing left to continue
    assert [r["x"] for r in runlog.read(second.dir).history] == [0, 1, 2]

    third = runlog.init(project="p", resume="auto", backends=["files"], settings=QUIET)
    assert third.id != first.id and not third.resumed
    third.finish()


def test_resume_auto_with_an_id_continues_that_run() -> None:
    run = runlog.init(project="p", id="known", backends=["files"], settings=QUIET)
    run.log({"x": 0})
    run.finish()
    again = runlog.init(project="p", id="known", resume="auto", backends=["files"],
                        settings=QUIET)
    assert again.resumed and again.step == 1
    again.finish()


def test_reinit_return_previous_returns_the_active_run() -> None:
    run = runlog.init(project="p", backends=["memory"], settings=QUIET)
    assert runlog.init(project="other", reinit="return_previous") is run
    assert not run.finished
    new = runlog.init(project="p", reinit=True, backends=["memory"], settings=QUIET)
    assert run.finished and new is not run and runlog.run is new
    with pytest.raises(runlog.UsageError, match="reinit must be one of"):
        runlog.init(reinit="sometimes")


def test_monitor_gym_is_accepted_with_one_warning() -> None:
    with pytest.warns(UserWarning, match="monitor_gym=True records nothing"):
        run = runlog.init(monitor_gym=True, backends=["memory"], settings=QUIET)
    run.log({"x": 1})
    run.finish()
    assert memory_of(run).history[0]["x"] == 1


def test_resume_from_and_fork_from_are_refused_in_one_line_before_any_run() -> None:
    for arg in ("resume_from", "fork_from"):
        with pytest.raises(runlog.UsageError) as err:
            runlog.init(backends=["memory"], **{arg: "abc?_step=10"})
        assert "\n" not in str(err.value) and "not supported" in str(err.value)
        assert runlog.run is None


def test_anonymous_is_accepted_and_offline_aliases_are_wandb_spellings() -> None:
    run = runlog.init(anonymous="allow", mode="dryrun", backends=["memory"], settings=QUIET)
    assert run.mode == "offline"
    run.finish()
    with pytest.raises(runlog.UsageError, match=r"mode must be one of"):
        runlog.init(mode="shared")


# -- settings -----------------------------------------------------------------------------------
def test_wandb_settings_keys_are_accepted_and_readable() -> None:
    settings = runlog.Settings(start_method="thread", disable_git=True, x_label="a",
                               handle_signals=False)
    run = runlog.init(settings=settings, backends=["memory"])
    assert run.settings.start_method == "thread" and run.settings.disable_git is True
    run.finish()
    changed = attrs.evolve(settings, strict=True)
    assert changed.strict and changed.start_method == "thread"
    with pytest.raises(runlog.UsageError, match=r"unknown setting.*start_methd"):
        runlog.Settings(start_methd="thread")
    with pytest.raises(AttributeError, match="no setting 'console'"):
        _ = settings.console


def test_wandb_settings_keys_naming_init_arguments_are_their_defaults(tmp_path: Path) -> None:
    settings = {"run_name": "named", "run_id": "sid", "project": "sp", "run_tags": ["t"],
                "handle_signals": False}
    run = runlog.init(settings=settings, backends=["files"])
    assert (run.name, run.id, run.project, run.tags) == ("named", "sid", "sp", ("t",))
    run.finish()
    run = runlog.init(name="arg", settings={**settings, "run_id": "sid2"}, backends=["files"])
    assert run.name == "arg"  # an argument beats the settings key
    run.finish()
    assert runlog.read(tmp_path / "runlog-runs" / "sp" / "sid2").name == "arg"


def test_a_real_wandb_settings_object_is_accepted() -> None:
    import wandb  # the real package (test extra)

    settings = wandb.Settings(run_name="from-wandb", console="off", x_disable_stats=True)
    run = runlog.init(settings=settings, backends=["memory"])
    assert run.name == "from-wandb" and run.settings.console == "off"
    run.finish()


# -- run.save(policy=) --------------------------------------------------------------------------
def test_save_policies_read_the_file_now_at_finish_or_both(tmp_path: Path) -> None:
    run = runlog.init(project="p", backends=["files"], settings=QUIET)
    for name in ("now.txt", "live.txt"):
        (tmp_path / name).write_text("first")
    assert run.save(str(tmp_path / "now.txt")) == ["now.txt"]
    assert run.save(str(tmp_path / "end.txt"), policy="end") == []  # does not exist yet
    assert run.save(str(tmp_path / "live.txt"), policy="live") == ["live.txt"]
    for name in ("now.txt", "end.txt", "live.txt"):
        (tmp_path / name).write_text("last")
    run.finish()
    files = runlog.read(run.dir).files
    assert {n: files[n].read_text() for n in ("now.txt", "end.txt", "live.txt")} == {
        "now.txt": "first", "end.txt": "last", "live.txt": "last"}
    with pytest.raises(runlog.UsageError, match="policy must be one of 'now', 'end', 'live'"):
        runlog.init(backends=["memory"], settings=QUIET).save("x", policy="always")


# -- module-level calls -------------------------------------------------------------------------
def test_module_define_metric_and_save_act_on_the_current_run(tmp_path: Path) -> None:
    with pytest.raises(runlog.Error, match=r"runlog.init\(\) before runlog.define_metric"):
        runlog.define_metric("loss", summary="min")
    run = runlog.init(backends=["memory"], settings=QUIET)
    runlog.define_metric("loss", summary="min")
    (tmp_path / "notes.txt").write_text("hi")
    assert runlog.save(str(tmp_path / "notes.txt")) == ["notes.txt"]
    for value in (3.0, 1.0, 2.0):
        runlog.log({"loss": value})
    run.finish()
    assert memory_of(run).summary["loss"] == {"min": 1.0}
    saved = [r for r in memory_of(run).records if type(r).__name__ == "FileSaved"]
    assert [(r.name, r.payload.data) for r in saved] == [("notes.txt", b"hi")]


def test_watch_records_nothing_and_says_so(mem_run: runlog.Run) -> None:
    with pytest.warns(UserWarning, match=r"runlog.watch\(\) records nothing"):
        assert runlog.watch(object(), log="all", log_freq=10) is None
    assert runlog.unwatch() is None
    mem_run.finish()
    assert memory_of(mem_run).rows == []


def test_term_functions_login_and_setup(capsys: pytest.CaptureFixture[str]) -> None:
    runlog.termlog("hello")
    runlog.termwarn("careful")
    runlog.termerror("broken")
    runlog.termlog("bare", prefix=False)
    runlog.termwarn("only once", repeat=False)
    runlog.termwarn("only once", repeat=False)
    assert runlog.login(key="abc", relogin=True, host="https://example.invalid") is True
    assert runlog.setup(settings={"start_method": "thread"}) is None
    err = capsys.readouterr().err.splitlines()
    assert err[:5] == ["runlog: hello", "runlog: WARNING careful", "runlog: ERROR broken",
                       "bare", "runlog: WARNING only once"]
    assert "login() is not needed" in err[5]
    with pytest.raises(runlog.UsageError, match="unknown setting"):
        runlog.setup(settings={"nonsense": 1})
