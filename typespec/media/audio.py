"""Audio: float sample arrays encoded as 16-bit PCM WAV, or an audio file kept as is."""

from __future__ import annotations

import io
import mimetypes
import numbers
import os
import warnings
import wave
from typing import Any

from ..errors import DataError
from ..payload import EXT, Payload
from ._source import bad_input, check_caption, is_path, read_path
from .base import Media

_MAX_CHANNELS = 32
_WAV_MAX_BYTE_RATE = 2**32 - 1  # the WAV header stores the bytes per second as a uint32
_ACCEPTED = ("a 1-D or (length, channels) float array or tensor in [-1, 1] (with sample_rate=), "
             "or a path to an audio file")


class Audio(Media):
    """Audio: ``Audio(data, sample_rate=None, caption=None)``.

    ``data`` is a float array or tensor, 1-D (mono) or (length, channels), with samples in
    [-1, 1] (values outside are clipped with a warning; NaN is an error), and ``sample_rate``
    (Hz) is then required; the payload is a 16-bit PCM WAV (``round(x * 32767)``). Or ``data`` is
    a path: a .wav file is kept byte-exact (its rate, channels and length become metadata);
    another audio file (mp3, flac, ogg, ...) is kept as bytes with its extension.

    Read accessors: :attr:`sample_rate`, :attr:`channels`, :attr:`frames`, :attr:`duration`
    (None when unknown, e.g. for an mp3 file), :attr:`file_type`, :meth:`to_numpy`.
    """

    kind = "audio"
    sample_rate: int | None
    channels: int | None
    frames: int | None
    duration: float | None
    file_type: str

    def __init__(self, data: Any, sample_rate: int | None = None,
                 caption: str | None = None) -> None:
        self.caption = check_caption("Audio", caption)
        if is_path(data):
            self._from_path(data)
        else:
            self._from_array(data, sample_rate)

    def _from_array(self, data: Any, sample_rate: Any) -> None:
        import numpy as np

        from ..tensors import to_numpy

        arr = to_numpy(data)
        if arr is None:
            raise bad_input("Audio", "data", data, _ACCEPTED)
        if arr.ndim not in (1, 2) or arr.size == 0 or arr.dtype.kind != "f":
            hint = "; scale int16 PCM with data / 32768" if arr.dtype.kind in "iu" else ""
            raise bad_input("Audio", "data", data, _ACCEPTED,
                            f"shape {arr.shape}, dtype {arr.dtype}{hint}")
        if arr.ndim == 2 and arr.shape[1] > _MAX_CHANNELS:
            raise DataError(f"Audio: data has shape {arr.shape}, read as {arr.shape[1]} channels "
                            f"(at most {_MAX_CHANNELS}); pass (length, channels), e.g. data.T")
        if isinstance(sample_rate, bool) or not isinstance(sample_rate, numbers.Integral) \
                or sample_rate <= 0:
            raise bad_input("Audio", "sample_rate", sample_rate,
                            "a positive int (Hz), required for arrays")
        channels = 1 if arr.ndim == 1 else arr.shape[1]
        max_rate = _WAV_MAX_BYTE_RATE // (2 * channels)
        if sample_rate > max_rate:
            raise DataError(f"Audio: sample_rate={sample_rate} is more than a WAV file holds: "
                            f"at most {max_rate} Hz for {channels} channel(s) of 16-bit samples")
        samples = arr.astype(np.float64)  # the snapshot (always a copy)
        if np.isnan(samples).any():
            raise DataError("Audio: data holds NaN samples; replace them first "
                            "(e.g. numpy.nan_to_num)")
        lo, hi = samples.min(), samples.max()
        if lo < -1 or hi > 1:
            warnings.warn(f"runlog: Audio: samples in [{lo:g}, {hi:g}] were clipped to [-1, 1]",
                          UserWarning, stacklevel=3)
            np.clip(samples, -1.0, 1.0, out=samples)
        pcm = np.rint(samples * 32767).astype("<i2")
        pcm = pcm.reshape(len(pcm), -1)
        self.sample_rate, self.channels, self.frames = int(sample_rate), pcm.shape[1], len(pcm)
        self.duration, self.file_type = self.frames / self.sample_rate, "wav"
        meta = self._meta()

        def encode() -> Payload:
            buf = io.BytesIO()
            with wave.open(buf, "wb") as w:
                w.setnchannels(meta["channels"])
                w.setsampwidth(2)
                w.setframerate(meta["sample_rate"])
                w.writeframes(pcm.tobytes())
            return Payload(buf.getvalue(), "wav", "audio/wav", meta)

        self._set_encoder(encode)

    def _from_path(self, path: str | os.PathLike) -> None:
        content = read_path(path, "Audio")
        ext = os.path.splitext(os.fspath(path))[1].lstrip(".").lower()
        if not EXT.fullmatch(ext):
            raise DataError(f"Audio: cannot tell the audio format of {os.fspath(path)!r}; "
                            "name the file with its extension (.wav, .mp3, .flac, ...)")
        meta: dict[str, Any] = {"file_type": ext}
        if ext == "wav":
            meta.update(_wav_meta(content, os.fspath(path)))
        self._set_meta(meta)
        mime = "audio/wav" if ext == "wav" else (
            mimetypes.guess_type(f"x.{ext}", strict=False)[0] or f"audio/{ext}")
        self._set_payload(Payload(content, ext, mime, meta))

    def _meta(self) -> dict[str, Any]:
        return {"sample_rate": self.sample_rate, "channels": self.channels, "frames": self.frames,
                "duration": self.duration, "file_type": self.file_type}

    def _set_meta(self, meta: dict[str, Any]) -> None:
        self.sample_rate, self.channels = meta.get("sample_rate"), meta.get("channels")
        self.frames, self.duration = meta.get("frames"), meta.get("duration")
        self.file_type = meta["file_type"]

    def to_numpy(self) -> Any:
        """The samples decoded from the WAV payload: float32 (length, channels) in [-1, 1]."""
        if self.file_type != "wav":
            raise DataError(f"Audio: to_numpy() decodes WAV only; this audio is {self.file_type}")
        return decode_wav(self.payload().data)

    @classmethod
    def _from_json_fields(cls, fields: dict[str, Any], payload: Payload) -> Audio:
        obj = super()._from_json_fields(fields, payload)
        assert isinstance(obj, Audio)
        obj._set_meta({"file_type": payload.ext, **payload.meta})
        return obj

    def __repr__(self) -> str:
        rate = f" {self.sample_rate} Hz" if self.sample_rate else ""
        return f"<runlog.Audio {self.file_type}{rate}>"


def _wav_meta(content: bytes, where: str) -> dict[str, Any]:
    if content[:4] != b"RIFF" or content[8:12] != b"WAVE":
        raise DataError(f"Audio: {where!r} is not a WAV file (it starts with {content[:12]!r})")
    try:
        with wave.open(io.BytesIO(content), "rb") as w:
            rate, channels, frames = w.getframerate(), w.getnchannels(), w.getnframes()
    except (wave.Error, EOFError):  # e.g. float or compressed WAV: kept, without metadata
        return {}
    return {"sample_rate": rate, "channels": channels, "frames": frames,
            "duration": frames / rate if rate else None}


def decode_wav(data: bytes) -> Any:
    """PCM WAV bytes (8, 16, 24 or 32 bit) as float32 (length, channels) in [-1, 1]."""
    import numpy as np

    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            width, channels = w.getsampwidth(), w.getnchannels()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise DataError(f"Audio: the WAV cannot be decoded with the wave module: {exc}") from None
    if width == 1:
        samples = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128) / 128
    elif width == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        ints = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        samples = (np.where(ints >= 1 << 23, ints - (1 << 24), ints) / (1 << 23))
    else:
        ints = np.frombuffer(raw, {2: "<i2", 4: "<i4"}[width])
        samples = ints / float(2 ** (8 * width - 1) - 1)
    return samples.astype(np.float32).reshape(-1, channels)
