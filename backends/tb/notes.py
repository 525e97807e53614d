"""Markdown notes for the records TensorBoard has no type for: artifacts and alerts."""

from __future__ import annotations

from runlog.typespec.records import Alert, ArtifactLogged

#: text: one note per logged artifact, under ``runlog_/artifact/<name>``
ARTIFACT_TAG = "runlog_/artifact"
#: text: the run's alerts, one note each
ALERT_TAG = "runlog_/alerts"


def artifact_note(record: ArtifactLogged) -> str:
    """The artifact's name, version, type, aliases, digest and a table of its entries."""
    version = "" if record.version is None else f":v{record.version}"
    lines = [
        f"**artifact {record.name}{version}** (type `{record.artifact_type}`)",
        "",
        f"aliases: {', '.join(record.aliases) or '-'}; digest `{record.digest}`",
    ]
    if record.description:
        lines += ["", record.description]
    lines += ["", "| entry | size | sha256 or URI |", "|---|---|---|"]
    for name in sorted(record.entries):
        value = record.entries[name]
        if type(value) is str:
            lines.append(f"| {name} | reference | {value} |")
        else:
            payload = value.payload()
            lines.append(f"| {name} | {payload.size} | {payload.sha256} |")
    return "\n".join(lines)


def alert_note(record: Alert) -> str:
    """``**[LEVEL] title**`` and the alert's text."""
    return f"**[{record.level}] {record.title}**\n\n{record.text}"
