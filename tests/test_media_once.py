"""An image logged to files and tb at once is encoded once, and both write those bytes: the
PNG that TensorBoard reads back is the file in ``media/``, byte for byte."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import runlog
from PIL import Image as PILImage
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def test_files_and_tb_write_the_same_single_encoding(tmp_path: Path) -> None:
    encodes = []
    images = []
    for seed in range(4):
        pixels = np.random.default_rng(seed).integers(0, 256, (12, 10, 3), dtype=np.uint8)
        image = runlog.Image(pixels)
        encode = image._lazy._encode

        def counted(encode=encode):
            encodes.append(1)
            return encode()

        image._set_encoder(counted)
        images.append((pixels, image))
    run = runlog.init(project="p", dir=tmp_path, backends=["files", "tb"],
                      settings={"handle_signals": False})
    for _, image in images:
        run.log({"img": image})
    run.finish()
    assert len(encodes) == len(images)  # once each, although two backends write each

    run_dir = tmp_path / "p" / run.id
    acc = EventAccumulator(str(run_dir), size_guidance={"images": 0})
    acc.Reload()
    shown = [event.encoded_image_string for event in acc.Images("img")]
    stored = [(run_dir / "media" / image.payload().filename).read_bytes() for _, image in images]
    assert shown == stored
    for (pixels, _), png in zip(images, shown):
        with PILImage.open(io.BytesIO(png)) as im:
            assert np.array_equal(np.asarray(im), pixels)
