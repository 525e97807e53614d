"""The backend contract: capabilities declared once and documented; one option validator."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
import runlog
from runlog.backends import Capabilities, bytes_written_of, capabilities_of
from runlog.backends.options import Option, parse_options

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_capability_is_documented_with_its_default():
    plugins = (DOCS / "plugins.md").read_text(encoding="utf-8")
    dispatch = (DOCS / "dispatch.md").read_text(encoding="utf-8")
    for field in attrs.fields(Capabilities):
        default = "frozenset()" if field.name == "kinds" else repr(field.default)
        row = f"| `{field.name}` | `{default}` |"
        assert row in plugins, f"{field.name} is not in docs/plugins.md's table as {row!r}"
        assert row in dispatch, f"{field.name} is not in docs/dispatch.md's table as {row!r}"


def test_capabilities_of_gives_defaults_for_a_plain_object_and_ignores_stray_values():
    class Plain:
        capabilities = {"inline": True}  # not a Capabilities record: not trusted
        bytes_written = "many"

    assert capabilities_of(Plain()) == Capabilities()
    assert bytes_written_of(Plain()) is None
    assert capabilities_of(runlog.backends.MemoryBackend()).inline is True


TABLE = {
    "rows": Option(10, int, "an int >= 1", minimum=1),
    "secs": Option(1.0, float, "a number >= 0", minimum=0),
    "on": Option(False, bool, "true or false"),
    "where": Option(None, Path, "a path"),
    "label": Option("x", str, "a str"),
}


def test_parse_options_converts_and_fills_defaults():
    got = parse_options("t", {"rows": 4.0, "secs": 2, "where": "~/x", "on": True}, TABLE)
    assert got == {"rows": 4, "secs": 2.0, "on": True, "where": Path("~/x").expanduser(),
                   "label": "x"}
    assert type(got["rows"]) is int and type(got["secs"]) is float
    assert parse_options("t", {"where": None}, TABLE)["where"] is None


@pytest.mark.parametrize(("options", "message"), [
    ({"rows": 0}, "t backend: option rows must be an int >= 1, got 0 (int)"),
    ({"rows": 2.5}, "option rows must be an int >= 1, got 2.5 (float)"),
    ({"rows": True}, "option rows must be an int >= 1, got True (bool)"),
    ({"secs": float("nan")}, "option secs must be a number >= 0, got nan (float)"),
    ({"secs": "1"}, "option secs must be a number >= 0, got '1' (str)"),
    ({"on": 1}, "option on must be true or false, got 1 (int)"),
    ({"label": None}, "option label must be a str, got None (NoneType)"),
    ({"where": 3}, "option where must be a path, got 3 (int)"),
    ({"rowz": 1, "a": 2}, "t backend: unknown option(s) a, rowz; accepted: rows (an int >= 1), "
                          "secs (a number >= 0), on"),
])
def test_parse_options_errors_name_the_option_the_type_and_what_is_accepted(options, message):
    with pytest.raises(runlog.UsageError) as info:
        parse_options("t", options, TABLE)
    assert message in str(info.value)


def test_memory_takes_no_options():
    with pytest.raises(runlog.UsageError, match=r"memory backend: unknown option.*no options"):
        runlog.init(backends=["memory:size=3"])
