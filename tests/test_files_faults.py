"""The files backend under a hostile file system: a full disk, a cache file that cannot be
replaced, links planted in a run directory, crafted media names and changed media files."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
import runlog
from runlog.typespec.errors import DataError

FAST_RETRIES = {"retries": 12, "retry_backoff": 0.02, "handle_signals": False}


def _mount(args: list[str]) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if done.returncode:
        pytest.skip(f"mounting is refused here ({done.stderr.strip()}); needs root")


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


@pytest.fixture
def small_fs(tmp_path):
    """A real 1 MiB tmpfs, unmounted afterwards."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    _mount(["-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)])
    yield mnt
    _umount(mnt)


def _fill(mnt: Path, leave: int) -> Path:
    """Fill the file system, then free about ``leave`` bytes (so the next write is cut short)."""
    filler = mnt / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    os.ftruncate(fd, max(0, os.fstat(fd).st_size - leave))
    os.close(fd)
    return filler


def _record_rows(run_dir: Path) -> list[int]:
    """The steps of the Row records in records.jsonl; every line must be valid JSON."""
    steps = []
    for line in (run_dir / "records.jsonl").read_bytes().splitlines():
        obj = json.loads(line)
        if obj["type"] == "row":
            steps.append(obj["step"])
    return steps


def test_a_full_disk_loses_and_duplicates_nothing_and_the_run_recovers(small_fs):
    run = runlog.init(project="p", id="full", dir=small_fs, settings={"handle_signals": False},
                      backends=[{"files": {"flush_interval": 0}}])
    run.log({"x": 0})
    assert run.flush(timeout=10)
    filler = _fill(small_fs, leave=6000)
    for i in range(1, 201):
        run.log({"x": i, "pad": "p" * 1500})
        if i % 50 == 0:
            time.sleep(0.1)  # several batches: the write-out that failed is retried by each
    deadline = time.monotonic() + 10
    while run.stats["backends"]["files"]["errors"] == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert run.stats["backends"]["files"]["errors"] > 0  # the disk really was full
    time.sleep(2)  # longer than the default retries take: a full disk is waited out
    assert run.stats["backends"]["files"]["state"] == "retrying"
    filler.unlink()
    assert run.flush(timeout=30)
    run.finish()

    run_dir = small_fs / "p" / "full"
    assert _record_rows(run_dir) == list(range(201))
    back = runlog.read(run_dir)
    assert [r["x"] for r in back.history] == list(range(201))
    assert back.status == "finished"
    assert run.stats["backends"]["files"]["state"] == "ok"
    assert not [p.name for p in run_dir.iterdir() if p.name.endswith(".tmp")]


def test_a_disk_that_stays_full_disables_the_backend_after_block_timeout(small_fs):
    run = runlog.init(project="p", id="stays", dir=small_fs, backends=[{"files": {
        "flush_interval": 0}}], settings={"handle_signals": False, "block_timeout": 1.0})
    run.log({"x": 0})
    assert run.flush(timeout=10)
    _fill(small_fs, leave=0)
    for i in range(1, 50):
        run.log({"x": i, "pad": "p" * 1500})
    started = time.monotonic()
    run.finish()
    assert time.monotonic() - started < 30
    stats = run.stats["backends"]["files"]
    assert stats["state"] == "disabled"
    assert "No space left on device" in stats["error"]
    assert [r["x"] for r in runlog.read(small_fs / "p" / "stays").history] == [0]


def test_a_cache_that_cannot_be_replaced_does_not_write_the_batch_twice(tmp_path):
    run = runlog.init(project="p", id="ro", dir=tmp_path, settings=FAST_RETRIES,
                      backends=[{"files": {"flush_interval": 0}}])
    run.log({"x": 0})
    assert run.flush(timeout=10)
    run_dir = tmp_path / "p" / "ro"
    blocker = tmp_path / "blocker.json"
    blocker.write_text("{}")
    _mount(["--bind", str(blocker), str(run_dir / "summary.json")])  # rename onto it: EBUSY
    try:
        for i in range(1, 3000):
            run.log({"x": i})
            if i % 1000 == 0:
                time.sleep(0.1)
        deadline = time.monotonic() + 10
        while run.stats["backends"]["files"]["errors"] == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert run.stats["backends"]["files"]["errors"] > 0
    finally:
        _umount(run_dir / "summary.json")
    assert run.flush(timeout=30)
    run.finish()
    assert _record_rows(run_dir) == list(range(3000))
    back = runlog.read(run_dir)
    assert [r["x"] for r in back.history] == list(range(3000))
    assert back.summary["x"] == 2999


def _finished_run(root: Path, run_id: str, **values) -> Path:
    run = runlog.init(project="p", id=run_id, dir=root, backends=["files"],
                      settings={"handle_signals": False})
    run.log(values)
    run.finish()
    return root / "p" / run_id


@pytest.mark.parametrize("planted", ["media", "files", "history.jsonl", "run.lock"])
def test_links_planted_in_a_run_directory_are_not_written_through(tmp_path, planted):
    import numpy as np

    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("keep me")
    run_dir = _finished_run(tmp_path / "runs", "r", x=1)
    if (run_dir / planted).exists():
        (run_dir / planted).unlink()
    os.symlink(victim if "." in planted else outside, run_dir / planted)
    resume = {"project": "p", "id": "r", "dir": tmp_path / "runs", "resume": "allow",
              "backends": ["files"],
              "settings": {"retries": 1, "retry_backoff": 0.01, "handle_signals": False}}
    if planted == "run.lock":  # taken in init: refused there
        with pytest.raises(DataError, match="is a symbolic link"):
            runlog.init(**resume)
        assert victim.read_text() == "keep me"
        return

    run = runlog.init(**resume)
    run.log({"img": runlog.Image(np.zeros((4, 4, 3), dtype=np.uint8)), "x": 2})
    (tmp_path / "model.txt").write_text("weights")
    run.save(str(tmp_path / "model.txt"))
    run.finish()

    assert sorted(p.name for p in outside.iterdir()) == ["victim.txt"]
    assert victim.read_text() == "keep me"
    assert "is a symbolic link" in (run.stats["backends"]["files"]["error"] or "")


def test_a_crafted_media_extension_cannot_write_outside_the_run_on_resume(tmp_path):
    root = tmp_path / "runs"
    run_dir = _finished_run(root, "c", doc=runlog.File(b"hello", name="a.txt"))
    records = run_dir / "records.jsonl"
    text = records.read_text(encoding="utf-8")
    assert '"ext":"txt"' in text
    records.write_text(text.replace('"ext":"txt"', '"ext":"txt/../../../../escaped"'),
                       encoding="utf-8")
    (run_dir / "run.json").unlink()  # the caches are rebuilt from records.jsonl on resume

    with pytest.raises(DataError, match="does not match"):
        runlog.init(project="p", id="c", dir=root, resume="allow", backends=["files"],
                    settings={"handle_signals": False})
    assert not list(tmp_path.rglob("escaped*"))


def test_the_reader_refuses_a_media_file_whose_content_is_not_its_sha256(tmp_path):
    import numpy as np

    run_dir = _finished_run(tmp_path, "m", img=runlog.Image(np.zeros((4, 4, 3), np.uint8)))
    (media,) = (run_dir / "media").iterdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("not yours")
    media.unlink()
    os.symlink(secret, media)
    with pytest.raises(DataError, match="symbolic link"):
        runlog.read(run_dir).history  # noqa: B018
    media.unlink()
    media.write_bytes(b"changed")
    with pytest.raises(DataError, match="does not match its sha256"):
        runlog.read(run_dir).history  # noqa: B018


def test_a_media_extension_that_could_leave_media_is_refused_when_written(tmp_path):
    from runlog.backends.files.media import MediaStore
    from runlog.typespec.payload import Payload

    store = MediaStore(tmp_path)
    with pytest.raises(DataError, match=r"extension '\.\./x' is not accepted"):
        store.store(Payload(b"data", "../x", "text/plain"))
    assert store.store(Payload(b"data", "plot.json", "application/json")).endswith(".plot.json")


def test_run_save_with_a_wildcard_does_not_follow_symbolic_links(tmp_path):
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "key.pem").write_text("private")
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    (out / "sub" / "model.txt").write_text("weights")
    os.symlink(secret, out / "etc")
    os.symlink(secret / "key.pem", out / "key.pem")
    run = runlog.init(project="p", id="s", dir=tmp_path / "runs", backends=["files"],
                      settings={"handle_signals": False})
    with pytest.warns(UserWarning, match="skipped 2 match"):
        names = run.save(str(out / "**"))
    assert run.save(str(out / "key.pem")) == ["key.pem"]  # named without wildcards: as given
    run.finish()
    assert names == ["sub/model.txt"]
    assert sorted(runlog.read(run.dir).files) == ["key.pem", "sub/model.txt"]


def test_crafted_saved_file_names_and_planted_links_are_refused_on_read(tmp_path):
    root = tmp_path / "runs"
    run = runlog.init(project="p", id="f", dir=root, backends=["files"],
                      settings={"handle_signals": False})
    (tmp_path / "notes.txt").write_text("mine")
    run.save(str(tmp_path / "notes.txt"))
    run.finish()
    run_dir = root / "p" / "f"
    os.symlink(tmp_path / "notes.txt", run_dir / "files" / "planted.txt")
    assert sorted(runlog.read(run_dir).files) == ["notes.txt"]

    records = run_dir / "records.jsonl"
    text = records.read_text(encoding="utf-8")
    records.write_text(text.replace('"name":"notes.txt"', '"name":"../../outside.txt"'),
                       encoding="utf-8")
    with pytest.raises(DataError, match="must be a relative path"):
        list(runlog.read(run_dir).records())
