"""One TensorBoard event file: ``Event`` protos framed as TFRecords, a batch in one write.

The file is what tensorboardX's ``EventsWriter`` writes (the name
``events.out.tfevents.<unix time>.<host><suffix>``, a ``brain.Event:2`` version event first,
then one record per event: length, masked CRC-32C of the length, the serialized event, its
masked CRC-32C), but events are framed into a buffer and handed to the OS once per batch.
The CRC is tensorboardX's, which runs the ``crc32c`` package's C code when it is installed
(the ``tb`` extra installs it) and a pure-Python loop otherwise.
"""

from __future__ import annotations

import os
import socket
import struct
import time
from pathlib import Path
from typing import Any

from tensorboardX.crc32c import crc32c
from tensorboardX.proto.event_pb2 import Event

_LENGTH = struct.Struct("<Q")
_CRC = struct.Struct("<I")
#: event length -> its framed length and masked CRC
_HEADS: dict[int, bytes] = {}
_MAX_HEADS = 4096


def _masked_crc(data: bytes) -> bytes:
    crc = crc32c(data)
    return _CRC.pack((((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF)


def frame(data: bytes) -> bytes:
    """One TFRecord: ``data`` with its length and both checksums."""
    size = len(data)
    head = _HEADS.get(size)  # rows of one key set have events of one or a few lengths
    if head is None:
        header = _LENGTH.pack(size)
        head = header + _masked_crc(header)
        if len(_HEADS) < _MAX_HEADS:
            _HEADS[size] = head
    return b"".join((head, data, _masked_crc(data)))


class EventFile:
    """Appends events to a new event file in ``logdir``; :meth:`write_out` hands them to the
    OS, :meth:`flush` also fsyncs."""

    def __init__(self, logdir: Path, suffix: str) -> None:
        name = f"events.out.tfevents.{str(time.time())[:10]}.{socket.gethostname()}{suffix}"
        self.path = Path(logdir) / name
        self._file = open(self.path, "wb", buffering=0)  # noqa: SIM115 - closed by close()
        self._pending: list[bytes] = []
        self.add(Event(wall_time=time.time(), file_version="brain.Event:2"))

    def add(self, event: Any) -> None:
        """Frame one event into the buffer."""
        self._pending.append(frame(event.SerializeToString()))

    def add_serialized(self, data: bytes) -> None:
        """Frame one already serialized event into the buffer."""
        self._pending.append(frame(data))

    def write_out(self) -> None:
        """Hand the buffered events to the OS in one write."""
        if self._pending:
            view = memoryview(b"".join(self._pending))
            self._pending.clear()
            while view:
                view = view[self._file.write(view):]

    def flush(self) -> None:
        """Write out and fsync: everything added so far is on disk."""
        self.write_out()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        """Flush and close the file."""
        try:
            self.flush()
        finally:
            self._file.close()
