"""The backends' encoding of rows of numbers, side by side in one process (no I/O):

- ``json.dumps``: ``json.dumps(row)`` per row, the raw floor's encoding;
- ``files general``: what the files backend did for every row before: ``record_to_json`` +
  ``history_line``, each through the standard library's ``json`` (two encodings per row);
- ``files batch``: ``BatchEncoder.encode`` (each number encoded once, by orjson, into byte
  templates; rows with the same keys together);
- ``tb protobuf``: a ``Summary.Value`` per leaf, one ``Event`` per row, ``SerializeToString``
  and TFRecord framing (what the tb backend did, without its per-leaf bookkeeping);
- ``tb packed``: ``ScalarRows.event`` and the same framing.

Per row, median of rounds of batches of 1 000 rows of 1, 10 and 100 floats.

Run: ``python benchmarks/bench_encode.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any


def rows(n: int, count: int = 1000) -> list[Any]:
    from runlog.typespec.records import Row

    keys = [(f"train/metric_{i}",) for i in range(n)]
    return [Row(step, time.time(), step * 0.01, {k: step + i / 7 for i, k in enumerate(keys)})
            for step in range(count)]


def cases(batch: list[Any]) -> dict[str, Callable[[], Any]]:
    from runlog.backends.files.encode import BatchEncoder
    from runlog.backends.files.format import history_line
    from runlog.backends.tb.events import frame
    from runlog.backends.tb.scalars import ScalarRows
    from runlog.typespec.jsonform import dumps, record_to_json
    from tensorboardX.proto.event_pb2 import Event
    from tensorboardX.proto.summary_pb2 import Summary

    def store(payload: Any) -> str:
        return f"media/{payload.filename}"

    plain = [{k[0]: v for k, v in r.values.items()} for r in batch]
    encoder = BatchEncoder(store)
    encoder.encode(batch[:2])  # the key set is known: templates from here on
    tags = {k: k[0] for k in batch[0].values}
    packer = ScalarRows()

    def general() -> None:
        for r in batch:
            dumps(record_to_json(r, store))
            dumps(history_line(r, store))

    def protobuf() -> None:
        for r in batch:
            values = [Summary.Value(tag=tags[k], simple_value=v) for k, v in r.values.items()]
            frame(Event(step=r.step, wall_time=r.timestamp,
                        summary=Summary(value=values)).SerializeToString())

    def packed() -> None:
        for r in batch:
            frame(packer.event(r.step, r.timestamp, r.values, tags))

    return {
        "json.dumps": lambda: [json.dumps(d) for d in plain],
        "files general": general,
        "files batch": lambda: encoder.encode(batch),
        "tb protobuf": protobuf,
        "tb packed": packed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    print("µs per row (median of rounds; × json.dumps)")
    for n in (1, 10, 100):
        batch = rows(n)
        fns = cases(batch)
        times: dict[str, list[float]] = {name: [] for name in fns}
        for _ in range(args.rounds):
            for name, fn in fns.items():
                t = time.perf_counter()
                fn()
                times[name].append((time.perf_counter() - t) / len(batch) * 1e6)
        base = statistics.median(times["json.dumps"])
        cells = "  ".join(f"{name} {statistics.median(t):7.2f} (×{statistics.median(t) / base:.2f})"
                          for name, t in times.items())
        print(f"{n:>3} floats: {cells}")


if __name__ == "__main__":
    main()
