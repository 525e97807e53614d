"""Video: frames from arrays (GIF by Pillow, mp4/webm with PyAV), or a gif/mp4/webm/ogg file."""

from __future__ import annotations

import io
import numbers
import os
import warnings
from typing import Any

from ..errors import DataError
from ..payload import Payload
from ._pixels import to_uint8
from ._source import bad_input, check_caption, is_source, read_source, suffix_type
from .base import Media

FORMATS = ("gif", "mp4", "webm", "ogg")
_MIME = {"gif": "image/gif", "mp4": "video/mp4", "webm": "video/webm", "ogg": "video/ogg"}
#: array encoders other than GIF: format -> PyAV codec
_CODECS = {"mp4": "libx264", "webm": "libvpx-vp9", "ogg": "libtheora"}
_MAX_GIF_FPS = 50
_INSTALL = 'pip install "runlog[video]"'
_ACCEPTED = ("a numpy array or tensor (T, C, H, W) or (B, T, C, H, W), a path to a gif, mp4, "
             "webm or ogg file, bytes or an open binary file (with format=)")


class Video(Media):
    """A video: ``Video(data, fps=4, format=None, caption=None)``.

    ``data`` is an array or tensor (T, C, H, W) or (B, T, C, H, W) with C = 1, 3 or 4 (a batch
    is padded to a power of two and tiled into a grid like wandb; 1 channel becomes RGB; an
    alpha channel is dropped), or a gif/mp4/webm/ogg file given as a path, bytes or an open
    file (``format=`` is needed when there is no file name). Arrays become a looping GIF
    (Pillow; each frame lasts ``round(100 / fps)`` hundredths of a second; fps above 50 is
    clamped to 50) unless ``format`` is mp4 or webm, which needs PyAV (the ``video`` extra).
    Files are kept byte-exact; ``fps`` is ignored for them.

    Read accessors: :attr:`format`, :attr:`width` and :attr:`height` (of the encoded file: mp4
    and webm round odd sizes up to even), :attr:`frames`, :attr:`fps` (the rate the file plays
    at; None when unknown), :meth:`to_frames`.
    """

    kind = "video"
    format: str
    width: int | None
    height: int | None
    frames: int | None
    fps: float | None

    def __init__(
        self, data: Any, fps: float = 4, format: str | None = None, caption: str | None = None
    ) -> None:
        self.caption = check_caption("Video", caption)
        if format is not None and (not isinstance(format, str) or format.lower() not in FORMATS):
            raise bad_input("Video", "format", format, "gif, mp4, webm, ogg or None")
        fmt = None if format is None else format.lower()
        self._frames: Any = None
        if is_source(data):
            self._from_file(data, fmt)
            return
        if isinstance(fps, bool) or not isinstance(fps, numbers.Real) or not fps > 0:
            raise bad_input("Video", "fps", fps, "a positive number of frames per second")
        self._from_array(data, float(fps), fmt or "gif")

    # -- arrays ----------------------------------------------------------------------------
    def _from_array(self, data: Any, fps: float, fmt: str) -> None:
        from ..tensors import to_numpy

        arr = to_numpy(data)
        if arr is None:
            raise bad_input("Video", "data", data, _ACCEPTED)
        if arr.ndim not in (4, 5) or arr.shape[-3] not in (1, 3, 4) or arr.size == 0:
            raise bad_input("Video", "data", data, _ACCEPTED + "; C = 1, 3 or 4 (for a "
                            "(T, H, W, C) array pass x.transpose(0, 3, 1, 2))",
                            f"shape {arr.shape}")
        if fmt != "gif":
            _check_encoder(fmt)
        elif round(100 / fps) > 0xFFFF:
            raise bad_input("Video", "fps", fps, "at least 0.0016 for a GIF (a frame lasts at "
                            "most 655.35 s)")
        elif fps > _MAX_GIF_FPS:
            warnings.warn(f"runlog: Video: fps={fps:g} is above {_MAX_GIF_FPS}, the most a GIF "
                          f"plays reliably; it was clamped to {_MAX_GIF_FPS}", UserWarning,
                          stacklevel=3)
            fps = float(_MAX_GIF_FPS)
        pixels = to_uint8(arr, "Video")
        frames = tile_batch(pixels if pixels.ndim == 5 else pixels[None], pixels is not arr)
        frames.flags.writeable = False
        self._frames = frames
        t, h, w, _ = frames.shape
        if fmt != "gif":  # yuv420p needs even sizes: the encoder pads a row / column
            h, w = h + h % 2, w + w % 2
        self.format, self.width, self.height, self.frames = fmt, w, h, t
        if fmt == "gif":  # the fps a GIF really plays at: whole hundredths of a second
            centis = round(100 / fps)
            self.fps, duration = 100 / centis, t * centis / 100
        else:
            self.fps, duration = fps, t / fps
        meta = {"width": w, "height": h, "frames": t, "fps": self.fps, "duration": duration,
                "file_type": fmt}

        def encode() -> Payload:
            data = encode_gif(frames, fps) if fmt == "gif" else _encode_av(frames, fps, fmt)
            return Payload(data, fmt, _MIME[fmt], meta)

        self._set_encoder(encode)

    # -- files -----------------------------------------------------------------------------
    def _from_file(self, data: Any, fmt: str | None) -> None:
        content, name = read_source(data, "Video")
        named = suffix_type(name, FORMATS)
        fmt = fmt or named
        if fmt is None:
            where = f"the file {os.path.basename(name)!r}" if name else "bytes or a file object"
            raise DataError(f"Video: format= is required for {where}; one of {', '.join(FORMATS)}")
        if not _has_magic(content, fmt):
            raise DataError(f"Video: data is not a {fmt} file (it starts with {content[:8]!r})")
        self.format = fmt
        meta: dict[str, Any] = {"file_type": fmt}
        if fmt == "gif":
            meta.update(_gif_meta(content))
        self._set_meta(meta)
        self._set_payload(Payload(content, fmt, _MIME[fmt], meta))

    def _set_meta(self, meta: dict[str, Any]) -> None:
        self.width, self.height = meta.get("width"), meta.get("height")
        self.frames, self.fps = meta.get("frames"), meta.get("fps")

    # -- read accessors --------------------------------------------------------------------
    def to_frames(self) -> Any:
        """The frames as a read-only uint8 (T, H, W, 3) array.

        The array snapshot when built from arrays; otherwise decoded from the payload (GIF with
        Pillow, palette-quantized; mp4/webm/ogg with PyAV, which must be installed).
        """
        if self._frames is not None:
            return self._frames
        import numpy as np

        data = self.payload().data
        if self.format == "gif":
            from PIL import Image as PILImage
            from PIL import ImageSequence

            with PILImage.open(io.BytesIO(data)) as im:
                frames = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(im)]
        else:
            av = _import_av(self.format)
            with av.open(io.BytesIO(data)) as container:
                frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
        out = np.stack(frames)
        out.flags.writeable = False
        return out

    # -- JSON form -------------------------------------------------------------------------
    @classmethod
    def _from_json_fields(cls, fields: dict[str, Any], payload: Payload) -> Video:
        obj = super()._from_json_fields(fields, payload)
        assert isinstance(obj, Video)
        obj.format, obj._frames = payload.meta.get("file_type", payload.ext), None
        obj._set_meta(payload.meta)
        return obj

    def __repr__(self) -> str:
        size = f" {self.width}x{self.height}" if self.width else ""
        frames = f" {self.frames} frames" if self.frames else ""
        return f"<runlog.Video {self.format}{size}{frames}>"


def tile_batch(video: Any, copied: bool) -> Any:
    """(B, T, C, H, W) uint8 -> (T, rows * H, cols * W, 3) uint8, tiled like wandb.

    The batch is padded with black videos to a power of two and laid out in
    ``2 ** ((B.bit_length() - 1) // 2)`` rows. One channel is repeated to RGB; alpha is dropped.
    The result never shares memory with ``video`` unless ``copied`` says it is already a copy.
    """
    import numpy as np

    b, t, c, h, w = video.shape
    if c == 4:
        warnings.warn("runlog: Video: the alpha channel was dropped (GIF, mp4 and webm are "
                      "opaque)", UserWarning, stacklevel=4)
        video, c = video[:, :, :3], 3
    if b > 1:
        padded = 1 << (b - 1).bit_length()
        if padded != b:
            video = np.concatenate([video, np.zeros((padded - b, t, c, h, w), np.uint8)])
            copied = True
        rows = 2 ** ((b.bit_length() - 1) // 2)
        cols = padded // rows
        video = video.reshape(rows, cols, t, c, h, w).transpose(2, 0, 4, 1, 5, 3)
        frames = video.reshape(t, rows * h, cols * w, c)  # copies: the axes are interleaved
        copied = True
    else:
        frames = video[0].transpose(0, 2, 3, 1)
    if c == 1:
        return np.repeat(frames, 3, axis=3)
    return np.ascontiguousarray(frames) if copied else frames.copy(order="C")


def encode_gif(frames: Any, fps: float) -> bytes:
    """(T, H, W, 3) uint8 frames as a looping GIF of exactly T frames, each lasting
    round(100 / fps) cs and carrying its own adaptive palette.

    Built from Pillow's frame writers (``GifImagePlugin.getheader`` / ``getdata``), because
    ``Image.save`` merges a frame identical to the previous one into it, and the file would
    then hold fewer frames than :attr:`Video.frames` says.
    """
    from PIL import GifImagePlugin
    from PIL import Image as PILImage

    ms = 10 * round(100 / fps)
    images = [PILImage.fromarray(f).convert("P", palette=PILImage.Palette.ADAPTIVE)
              for f in frames]
    parts, _ = GifImagePlugin.getheader(images[0], info={"loop": 0, "duration": ms})
    for image in images:
        parts += GifImagePlugin.getdata(image, duration=ms, include_color_table=True)
    parts.append(b";")  # the GIF trailer
    return b"".join(parts)


def _import_av(fmt: str) -> Any:
    try:
        import av
    except ImportError:
        raise DataError(f"Video: {fmt} needs PyAV, which is not installed; {_INSTALL}, or use "
                        "format='gif'") from None
    return av


def _check_encoder(fmt: str) -> None:
    av = _import_av(fmt)
    try:
        av.codec.Codec(_CODECS[fmt], "w")
    except Exception:  # noqa: BLE001 - PyAV raises several types for a missing codec
        raise DataError(f"Video: this PyAV build has no {_CODECS[fmt]} encoder for {fmt}; "
                        "use format='gif', 'mp4' or 'webm'") from None


def _encode_av(frames: Any, fps: float, fmt: str) -> bytes:
    import numpy as np

    av = _import_av(fmt)
    from fractions import Fraction

    h, w = frames.shape[1:3]
    even = np.pad(frames, ((0, 0), (0, h % 2), (0, w % 2), (0, 0)))  # yuv420p needs even sizes
    buf = io.BytesIO()
    with av.open(buf, mode="w", format=fmt) as container:
        stream = container.add_stream(_CODECS[fmt], rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = w + w % 2, h + h % 2, "yuv420p"
        for frame in even:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode())
    return buf.getvalue()


def _has_magic(data: bytes, fmt: str) -> bool:
    if fmt == "gif":
        return data[:6] in (b"GIF87a", b"GIF89a")
    if fmt == "mp4":
        return data[4:8] == b"ftyp"
    if fmt == "webm":
        return data[:4] == b"\x1a\x45\xdf\xa3"
    return data[:4] == b"OggS"


def _gif_meta(data: bytes) -> dict[str, Any]:
    from PIL import Image as PILImage
    from PIL import ImageSequence

    try:
        with PILImage.open(io.BytesIO(data)) as im:
            width, height = im.size
            durations = [f.info.get("duration", 0) for f in ImageSequence.Iterator(im)]
    except (OSError, SyntaxError, ValueError) as exc:
        raise DataError(f"Video: the GIF cannot be read: {exc}") from None
    total = sum(durations) / 1000
    return {"width": width, "height": height, "frames": len(durations),
            "fps": len(durations) / total if total else None, "duration": total}
