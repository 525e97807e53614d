"""Video: GIF by Pillow (frames, timing, loop), batches, files, mp4/webm via PyAV, JSON form.

GIFs are read back with PIL, mp4/webm with PyAV.
"""

from __future__ import annotations

import io
import sys
import warnings

import numpy as np
import pytest
import runlog
from PIL import Image as PILImage
from PIL import ImageSequence
from runlog.typespec import DataError
from runlog.typespec.jsonform import dumps, loads, value_from_json, value_to_json
from runlog.typespec.media.video import Video

RNG = np.random.default_rng(1)


def gif_frames(video: Video) -> tuple[list[np.ndarray], list[int], PILImage.Image]:
    im = PILImage.open(io.BytesIO(video.payload().data))
    frames, durations = [], []
    for frame in ImageSequence.Iterator(im):
        durations.append(frame.info["duration"])
        frames.append(np.asarray(frame.convert("RGB")))
    return frames, durations, im


def few_colours(t: int, c: int, h: int, w: int) -> np.ndarray:
    """Frames of at most 4 colours each, which a GIF stores exactly."""
    palette = RNG.integers(0, 256, (t, 4, c), dtype=np.uint8)
    index = RNG.integers(0, 4, (t, h, w))
    thwc = np.stack([palette[i][index[i]] for i in range(t)])
    return np.ascontiguousarray(thwc.transpose(0, 3, 1, 2))


def test_reference_example_gif_has_10_frames_of_250_ms(mem_run):
    frames = np.random.randint(low=0, high=256, size=(10, 3, 100, 100), dtype=np.uint8)
    mem_run.log({"video": runlog.Video(frames, fps=4)})
    video = mem_run.backends["memory"].history[0]["video"]
    decoded, durations, im = gif_frames(video)
    assert video.payload().data[:6] == b"GIF89a" and video.payload().mime == "image/gif"
    assert im.n_frames == 10 and durations == [250] * 10 and im.info["loop"] == 0
    assert decoded[0].shape == (100, 100, 3)
    assert video.payload().meta == {"width": 100, "height": 100, "frames": 10, "fps": 4.0,
                                    "duration": 2.5, "file_type": "gif"}


def test_identical_consecutive_frames_are_all_in_the_gif():
    still = few_colours(1, 3, 6, 6)[0]
    other = few_colours(1, 3, 6, 6)[0]
    tchw = np.stack([still, still, still, still, other, other])
    video = Video(tchw, fps=4)
    decoded, durations, im = gif_frames(video)
    assert video.frames == im.n_frames == 6 and durations == [250] * 6
    assert video.payload().meta["duration"] == sum(durations) / 1000
    assert np.array_equal(np.stack(decoded), tchw.transpose(0, 2, 3, 1))


def test_gif_pixels_equal_input_when_it_has_few_colours():
    tchw = few_colours(5, 3, 12, 16)
    decoded, _, _ = gif_frames(Video(tchw))
    assert np.array_equal(np.stack(decoded), tchw.transpose(0, 2, 3, 1))


@pytest.mark.parametrize("fps, ms, playing_fps", [(10, 100, 10.0), (3, 330, 100 / 33),
                                                  (0.5, 2000, 0.5), (50, 20, 50.0)])
def test_frame_duration_is_round_100_over_fps_centiseconds(fps, ms, playing_fps):
    video = Video(few_colours(3, 3, 4, 4), fps=fps)
    assert gif_frames(video)[1] == [ms] * 3
    assert video.fps == pytest.approx(playing_fps)
    assert video.payload().meta["duration"] == pytest.approx(3 * ms / 1000)


def test_fps_above_50_is_clamped_with_a_warning():
    with pytest.warns(UserWarning, match="clamped to 50"):
        video = Video(few_colours(3, 3, 4, 4), fps=120)
    assert gif_frames(video)[1] == [20] * 3 and video.fps == 50


def test_single_channel_becomes_rgb():
    gray = few_colours(4, 1, 6, 5)
    video = Video(gray)
    decoded, _, _ = gif_frames(video)
    expected = np.repeat(gray.transpose(0, 2, 3, 1), 3, axis=3)
    assert np.array_equal(np.stack(decoded), expected)
    assert np.array_equal(video.to_frames(), expected)


def test_float_video_follows_the_pixel_rule():
    x = np.zeros((2, 1, 2, 2))
    x[0, 0, 0, 0], x[1, 0, 1, 1] = 1.0, 0.5
    frames = Video(x).to_frames()
    assert frames[0, 0, 0].tolist() == [255, 255, 255] and frames[1, 1, 1].tolist() == [128] * 3


@pytest.mark.parametrize("b, rows, cols", [(2, 1, 2), (3, 1, 4), (4, 2, 2), (5, 2, 4),
                                           (8, 2, 4), (16, 4, 4)])
def test_batch_is_padded_and_tiled_like_wandb(b, rows, cols):
    h, w, t = 3, 2, 2
    value = 10 * np.arange(1, b + 1)[:, None] + np.arange(t)[None, :]  # video i, frame j
    batch = np.broadcast_to(value[:, :, None, None, None], (b, t, 3, h, w)).astype(np.uint8)
    video = Video(batch)
    frames = video.to_frames()
    assert frames.shape == (t, rows * h, cols * w, 3) == (t, video.height, video.width, 3)
    for i in range(rows * cols):
        r, c = divmod(i, cols)
        for j in range(t):
            tile = frames[j, r * h:(r + 1) * h, c * w:(c + 1) * w]
            assert (tile == (value[i, j] if i < b else 0)).all()
    decoded, _, _ = gif_frames(video)
    assert np.array_equal(np.stack(decoded), frames)


def test_array_is_snapshotted_and_frames_are_read_only():
    tchw = few_colours(2, 3, 4, 4)
    video = Video(tchw)
    expected = tchw.transpose(0, 2, 3, 1).copy()
    tchw[:] = 0
    assert np.array_equal(video.to_frames(), expected)
    with pytest.raises(ValueError):
        video.to_frames()[0, 0, 0, 0] = 1


def test_gif_path_kept_byte_exact_with_metadata(tmp_path):
    source = Video(few_colours(6, 3, 5, 7), fps=5)
    path = tmp_path / "clip.gif"
    path.write_bytes(source.payload().data)
    video = Video(str(path))
    assert video.payload().data == path.read_bytes()
    assert (video.format, video.width, video.height, video.frames) == ("gif", 7, 5, 6)
    assert video.fps == pytest.approx(5) and video.payload().meta["duration"] == pytest.approx(1.2)


@pytest.mark.parametrize("fmt", ["mp4", "webm"])
def test_mp4_and_webm_encoded_with_pyav(fmt):
    av = pytest.importorskip("av")
    y, x = np.mgrid[0:48, 0:64]
    frames = np.stack([np.stack([(x * 4 + 8 * i) % 256, y * 5, np.full_like(x, 90)])
                       for i in range(12)]).astype(np.uint8)  # (12, 3, 48, 64), smooth
    video = Video(frames, fps=12, format=fmt)
    payload = video.payload()
    assert payload.mime == f"video/{fmt}" and payload.ext == fmt
    with av.open(io.BytesIO(payload.data)) as container:
        stream = container.streams.video[0]
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
        assert float(stream.average_rate) == pytest.approx(12)
    assert len(decoded) == 12 and decoded[0].shape == (48, 64, 3)
    err = np.abs(np.stack(decoded).astype(int) - frames.transpose(0, 2, 3, 1)).mean()
    assert err < 8  # lossy, but the same picture
    again = Video(io.BytesIO(payload.data), format=fmt)
    assert again.payload().data == payload.data and again.to_frames().shape == (12, 48, 64, 3)


def test_odd_sizes_are_padded_to_even_for_mp4():
    av = pytest.importorskip("av")
    video = Video(few_colours(3, 3, 5, 7), format="mp4")
    assert (video.width, video.height) == (8, 6)
    with av.open(io.BytesIO(video.payload().data)) as container:
        frame = next(container.decode(video=0))
    assert (frame.width, frame.height) == (8, 6)


def test_mp4_without_pyav_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "av", None)  # makes `import av` fail like a missing package
    with pytest.raises(DataError, match=r'pip install "runlog\[video\]"'):
        Video(few_colours(2, 3, 4, 4), format="mp4")
    assert Video(few_colours(2, 3, 4, 4)).format == "gif"  # GIF needs only Pillow


def test_ogg_needs_an_encoder_this_pyav_lacks_or_has():
    av = pytest.importorskip("av")
    try:
        av.codec.Codec("libtheora", "w")
    except Exception:  # noqa: BLE001 - no theora in this build: a clear DataError
        with pytest.raises(DataError, match="no libtheora encoder"):
            Video(few_colours(2, 3, 4, 4), format="ogg")
    else:
        assert Video(few_colours(2, 3, 4, 4), format="ogg").payload().data[:4] == b"OggS"


@pytest.mark.parametrize("args, kwargs, match", [
    (({"a": 1},), {}, r"Video: data must be a numpy array .*; got dict"),
    ((np.zeros((3, 4, 4)),), {}, r"shape \(3, 4, 4\)"),
    ((np.zeros((2, 5, 5, 3)),), {}, r"x.transpose\(0, 3, 1, 2\).*shape \(2, 5, 5, 3\)"),
    ((np.zeros((2, 2, 4, 4)),), {}, r"shape \(2, 2, 4, 4\)"),
    ((np.zeros((0, 3, 4, 4)),), {}, r"shape \(0, 3, 4, 4\)"),
    ((np.full((2, 3, 2, 2), np.nan),), {}, "NaN pixel values"),
    ((np.zeros((2, 3, 2, 2)),), {"fps": 0}, "fps must be a positive number"),
    ((np.zeros((2, 3, 2, 2)),), {"fps": "4"}, "fps must be a positive number.*; got str"),
    ((np.zeros((2, 3, 2, 2)),), {"fps": True}, "fps must be a positive number.*; got bool"),
    ((np.zeros((2, 3, 2, 2)),), {"fps": 0.001}, "fps must be at least 0.0016"),
    ((np.zeros((2, 3, 2, 2)),), {"format": "avi"}, "format must be gif, mp4, webm, ogg or None"),
    ((np.zeros((2, 3, 2, 2)),), {"caption": 1}, "caption must be a str or None; got int"),
    ((b"GIF89a...",), {}, "format= is required for bytes or a file object"),
    ((io.BytesIO(b"\0" * 16),), {"format": "mp4"}, "not a mp4 file"),
    (("missing.gif",), {}, "does not exist"),
])
def test_bad_input(args, kwargs, match):
    with pytest.raises(DataError, match=match):
        Video(*args, **kwargs)


def test_path_without_a_video_extension_needs_format(tmp_path):
    (tmp_path / "clip.bin").write_bytes(Video(few_colours(2, 3, 4, 4)).payload().data)
    with pytest.raises(DataError, match=r"format= is required for the file 'clip\.bin'"):
        Video(tmp_path / "clip.bin")
    assert Video(tmp_path / "clip.bin", format="gif").frames == 2


def test_json_round_trip_gif_and_file():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        videos = [Video(few_colours(4, 3, 6, 6), fps=8, caption="c"),
                  Video(io.BytesIO(Video(few_colours(2, 1, 3, 3)).payload().data), format="gif")]
    for video in videos:
        back = value_from_json(loads(dumps(value_to_json(video))))
        assert back == video and back._json_fields() == video._json_fields()
        assert back.payload().sha256 == video.payload().sha256
        assert (back.format, back.width, back.height, back.frames, back.fps) == \
            (video.format, video.width, video.height, video.frames, video.fps)
        assert np.array_equal(back.to_frames(), video.to_frames())  # few colours: GIF is exact


def test_identical_frames_are_merged_but_the_playing_time_is_kept():
    video = Video(np.zeros((5, 3, 4, 4), np.uint8), fps=4)
    _, durations, _ = gif_frames(video)
    assert sum(durations) == 1250 and video.payload().meta["duration"] == 1.25
    assert video.frames == 5 and video.to_frames().shape == (5, 4, 4, 3)
