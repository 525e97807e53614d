"""PNG compression level: encoded size against encode time on realistic images, and whether
encoder threads run in parallel (Pillow releases the GIL while zlib compresses).

Images: crops of scikit-learn's two sample photographs (64×64 and 256×256), a rendered
matplotlib line chart (640×480, flat colours and antialiased lines) and uniform noise (the
incompressible worst case). For each zlib level, the median encode time per image and the
total size, all levels measured round-robin in one process. Then the same 64×64 and 256×256
encodes on 1 and on 2 threads, as wall time per image.

Run: ``python benchmarks/bench_png.py [--images N]`` (about half a minute).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _cases import photo_crops

LEVELS = (1, 3, 6, 9)


def chart(n: int) -> list[Any]:
    """``n`` different line charts rendered by matplotlib (Agg) as RGBA arrays."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    out = []
    x = np.linspace(0, 10, 200)
    for i in range(n):
        fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
        ax.plot(x, np.sin(x + i / 3), label="train")
        ax.plot(x, np.cos(x * 0.7 + i / 5), label="val")
        ax.legend()
        ax.set_title(f"epoch {i}")
        fig.canvas.draw()
        out.append(np.asarray(fig.canvas.buffer_rgba()).copy())
        plt.close(fig)
    return out


def encode(pixels: Any, level: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="png", compress_level=level)
    return buf.getvalue()


def levels(name: str, images: list[Any]) -> None:
    times: dict[int, list[float]] = {lv: [] for lv in LEVELS}
    sizes: dict[int, int] = dict.fromkeys(LEVELS, 0)
    for pixels in images:
        for lv in LEVELS:
            t = time.perf_counter()
            data = encode(pixels, lv)
            times[lv].append(time.perf_counter() - t)
            sizes[lv] += len(data)
    raw = sum(p.nbytes for p in images)
    cells = "  ".join(f"L{lv}: {statistics.median(times[lv]) * 1e6:7.0f} us "
                      f"{sizes[lv] / raw:5.1%}" for lv in LEVELS)
    print(f"{name:22} {cells}")


def threads(name: str, images: list[Any], level: int) -> None:
    out = []
    for workers in (1, 2):
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda p: encode(p, level), images[:4]))  # warm up
            t = time.perf_counter()
            list(pool.map(lambda p: encode(p, level), images))
            out.append((time.perf_counter() - t) / len(images))
    print(f"{name:22} level {level}: 1 thread {out[0] * 1e6:6.0f} us/image, 2 threads "
          f"{out[1] * 1e6:6.0f} us/image (×{out[0] / out[1]:.2f})")


def main() -> None:
    import numpy as np

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=60)
    args = parser.parse_args()
    n = args.images
    sets = {
        "photo 64x64": photo_crops(n, 64),
        "photo 256x256": photo_crops(n, 256, seed=1),
        "chart 640x480 RGBA": chart(max(4, n // 10)),
        "noise 64x64": [np.random.default_rng(i).integers(0, 256, (64, 64, 3), dtype=np.uint8)
                        for i in range(n)],
    }
    print("median encode time per image and PNG size as a share of the raw pixels, by level")
    for name, images in sets.items():
        levels(name, images)
    print("\nencoder threads (wall time per image)")
    for name in ("photo 64x64", "photo 256x256"):
        for level in (1, 6):
            threads(name, sets[name] * 3, level)


if __name__ == "__main__":
    main()
