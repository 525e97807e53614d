"""Audio: 16-bit PCM WAV read back with the stdlib wave module; files; JSON form."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest
from runlog.typespec import DataError
from runlog.typespec.jsonform import dumps, loads, value_from_json, value_to_json
from runlog.typespec.media.audio import Audio


def read_wav(audio: Audio) -> tuple[int, int, int, int, np.ndarray]:
    with wave.open(io.BytesIO(audio.payload().data), "rb") as w:
        raw = w.readframes(w.getnframes())
        params = (w.getframerate(), w.getnchannels(), w.getnframes(), w.getsampwidth())
    return (*params, np.frombuffer(raw, "<i2").reshape(-1, params[1]))


def test_mono_wav_reads_back_with_wave():
    t = np.arange(4000) / 8000
    x = 0.8 * np.sin(2 * np.pi * 440 * t)
    audio = Audio(x, sample_rate=8000, caption="a4")
    rate, channels, frames, width, pcm = read_wav(audio)
    assert (rate, channels, frames, width) == (8000, 1, 4000, 2)
    assert np.array_equal(pcm[:, 0], np.rint(x * 32767).astype(np.int16))
    assert audio.payload().meta == {"sample_rate": 8000, "channels": 1, "frames": 4000,
                                    "duration": 0.5, "file_type": "wav"}
    assert audio.payload().mime == "audio/wav" and audio.payload().ext == "wav"


def test_stereo_length_by_channels_and_extremes():
    x = np.array([[-1.0, 1.0], [0.0, 0.5], [1.0, -0.25]], dtype=np.float32)
    audio = Audio(x, sample_rate=np.int64(22050))
    rate, channels, frames, _, pcm = read_wav(audio)
    assert (rate, channels, frames) == (22050, 2, 3)
    assert pcm.tolist() == [[-32767, 32767], [0, 16384], [32767, -8192]]
    assert np.allclose(audio.to_numpy(), x, atol=1 / 32767)
    assert (audio.sample_rate, audio.channels, audio.frames) == (22050, 2, 3)


def test_out_of_range_clipped_with_warning():
    with pytest.warns(UserWarning, match=r"clipped to \[-1, 1\]"):
        audio = Audio(np.array([-3.0, 0.0, 2.0]), sample_rate=100)
    assert read_wav(audio)[4][:, 0].tolist() == [-32767, 0, 32767]


def test_array_is_snapshotted():
    x = np.full(10, 0.5)
    audio = Audio(x, sample_rate=10)
    x[:] = 0
    assert (read_wav(audio)[4] == 16384).all()


def test_wav_path_kept_byte_exact(tmp_path):
    path = tmp_path / "tone.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)  # 8-bit unsigned
        w.setframerate(11025)
        w.writeframes(bytes([128, 255, 0, 192]))
    audio = Audio(str(path))
    assert audio.payload().data == path.read_bytes()
    assert (audio.sample_rate, audio.channels, audio.frames) == (11025, 1, 4)
    assert audio.to_numpy()[:, 0].tolist() == [0.0, 127 / 128, -1.0, 0.5]


def test_24_bit_wav_decodes(tmp_path):
    path = tmp_path / "deep.wav"
    samples = [0, 1 << 22, -(1 << 23)]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(3)
        w.setframerate(48000)
        w.writeframes(b"".join(s.to_bytes(3, "little", signed=True) for s in samples))
    assert Audio(path).to_numpy()[:, 0].tolist() == [0.0, 0.5, -1.0]


def test_other_audio_files_are_kept_with_their_extension(tmp_path):
    path = tmp_path / "song.mp3"
    path.write_bytes(b"ID3\x03\x00fake mp3 body")
    audio = Audio(path)
    payload = audio.payload()
    assert payload.data == path.read_bytes() and payload.ext == "mp3"
    assert payload.mime == "audio/mpeg" and audio.sample_rate is None
    with pytest.raises(DataError, match="decodes WAV only"):
        audio.to_numpy()


@pytest.mark.parametrize("args, kwargs, match", [
    (({"a": 1},), {"sample_rate": 8000}, r"Audio: data must be a 1-D or .*; got dict"),
    ((np.zeros(10),), {}, "sample_rate must be a positive int.*; got NoneType"),
    ((np.zeros(10),), {"sample_rate": 0}, "sample_rate must be a positive int"),
    ((np.zeros(10),), {"sample_rate": 44100.0}, "sample_rate must be a positive int.*got float"),
    ((np.zeros(10),), {"sample_rate": True}, "sample_rate must be a positive int.*got bool"),
    ((np.zeros((2, 3, 4)),), {"sample_rate": 8}, r"shape \(2, 3, 4\)"),
    ((np.zeros(0),), {"sample_rate": 8}, r"shape \(0,\)"),
    ((np.zeros(10, np.int16),), {"sample_rate": 8}, "scale int16 PCM with data / 32768"),
    ((np.zeros((2, 44100)),), {"sample_rate": 8}, r"pass \(length, channels\), e.g. data.T"),
    ((np.array([0.0, np.nan]),), {"sample_rate": 8}, "NaN samples"),
    ((np.zeros(4),), {"sample_rate": 8, "caption": 5}, "caption must be a str or None; got int"),
    (("missing.wav",), {}, "does not exist"),
])
def test_bad_input(args, kwargs, match):
    with pytest.raises(DataError, match=match):
        Audio(*args, **kwargs)


def test_bad_files(tmp_path):
    (tmp_path / "x.wav").write_bytes(b"OggS not a wav")
    with pytest.raises(DataError, match="is not a WAV file"):
        Audio(tmp_path / "x.wav")
    (tmp_path / "noext").write_bytes(b"data")
    with pytest.raises(DataError, match="cannot tell the audio format"):
        Audio(tmp_path / "noext")


def test_json_round_trip(tmp_path):
    (tmp_path / "s.ogg").write_bytes(b"OggS....")
    for audio in (Audio(np.linspace(-1, 1, 50), sample_rate=50, caption="ramp"),
                  Audio(tmp_path / "s.ogg")):
        back = value_from_json(loads(dumps(value_to_json(audio))))
        assert back == audio and back._json_fields() == audio._json_fields()
        assert back.payload().sha256 == audio.payload().sha256
        assert (back.sample_rate, back.channels, back.frames, back.duration, back.file_type) == \
            (audio.sample_rate, audio.channels, audio.frames, audio.duration, audio.file_type)


def test_logged_end_to_end(mem_run):
    mem_run.log({"speech": Audio(np.zeros((100, 2)), sample_rate=1000)})
    audio = mem_run.backends["memory"].history[0]["speech"]
    assert read_wav(audio)[:3] == (1000, 2, 100)
