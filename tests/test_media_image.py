"""Image: inputs, the pixel rule, file types, boxes/masks, sequences and the JSON round-trip.

Pixels are checked by decoding the payload with PIL, not through runlog's own accessors.
"""

from __future__ import annotations

import io
import subprocess
import sys
import warnings

import numpy as np
import pytest
import runlog
from _tensors import FakeTensor
from PIL import Image as PILImage
from runlog.typespec import DataError, MediaSequence
from runlog.typespec.jsonform import dumps, loads, value_from_json, value_to_json
from runlog.typespec.media.image import Image, image_sequence_meta

RNG = np.random.default_rng(0)


def decoded(img: Image) -> PILImage.Image:
    im = PILImage.open(io.BytesIO(img.payload().data))
    im.load()
    return im


def roundtrip(value):
    return value_from_json(loads(dumps(value_to_json(value))))


# -- shapes --------------------------------------------------------------------------------
def test_uint8_hwc_png_pixels_equal_input():
    pixels = RNG.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    img = Image(pixels)
    im = decoded(img)
    assert (im.format, im.mode, im.size) == ("PNG", "RGB", (30, 20))
    assert np.array_equal(np.asarray(im), pixels)
    assert (img.width, img.height, img.mode, img.file_type) == (30, 20, "RGB", "png")
    assert img.payload().meta == {"width": 30, "height": 20, "mode": "RGB", "file_type": "png"}
    assert img.payload().mime == "image/png"


def test_chw_is_transposed():
    hwc = RNG.integers(0, 256, (10, 12, 3), dtype=np.uint8)
    img = Image(np.ascontiguousarray(hwc.transpose(2, 0, 1)))
    assert np.array_equal(np.asarray(decoded(img)), hwc)
    assert (img.width, img.height) == (12, 10)


@pytest.mark.parametrize("shape, mode", [((8, 9), "L"), ((8, 9, 1), "L"), ((1, 8, 9), "L"),
                                         ((8, 9, 2), "LA"), ((8, 9, 4), "RGBA"),
                                         ((4, 8, 9), "RGBA"), ((1, 8, 9, 3), "RGB")])
def test_channel_layouts(shape, mode):
    pixels = RNG.integers(0, 256, shape, dtype=np.uint8)
    im = decoded(Image(pixels))
    assert im.mode == mode and im.size == (9, 8)
    expected = pixels.reshape(-1, 8, 9) if shape in ((1, 8, 9), (4, 8, 9)) else pixels
    if shape == (4, 8, 9):
        expected = expected.transpose(1, 2, 0)
    assert np.array_equal(np.asarray(im).reshape(np.squeeze(expected).shape),
                          np.squeeze(expected))


def test_to_numpy_is_hwc_uint8_from_the_payload():
    gray = RNG.integers(0, 256, (5, 6), dtype=np.uint8)
    out = Image(gray).to_numpy()
    assert out.dtype == np.uint8 and out.shape == (5, 6, 1)
    assert np.array_equal(out[..., 0], gray)


# -- the pixel rule --------------------------------------------------------------------------
def test_float_0_1_scaled_by_255():
    x = RNG.random((6, 7)).astype(np.float32)
    x[0, 0], x[0, 1] = 0.0, 1.0
    got = np.asarray(decoded(Image(x)))
    assert np.array_equal(got, np.rint(x.astype(np.float64) * 255).astype(np.uint8))
    assert got[0, 0] == 0 and got[0, 1] == 255


def test_float_k_over_255_round_trips_exactly():
    k = np.arange(256, dtype=np.uint8).reshape(16, 16)
    assert np.array_equal(np.asarray(decoded(Image(k / 255.0))), k)


def test_float_minus1_1_mapped():
    x = np.linspace(-1, 1, 64).reshape(8, 8)
    got = np.asarray(decoded(Image(x)))
    assert np.array_equal(got, np.rint(255 * (x + 1) / 2).astype(np.uint8))
    assert got.min() == 0 and got.max() == 255


def test_other_float_range_clipped_with_warning_never_wrapped():
    x = np.array([[-5.0, 0.5, 128.4], [255.0, 256.0, 1000.0]])
    with pytest.warns(UserWarning, match=r"clipped to \[0, 255\]"):
        img = Image(x)
    assert np.asarray(decoded(img)).tolist() == [[0, 0, 128], [255, 255, 255]]


def test_floats_within_0_255_are_pixel_values_without_a_clipping_warning():
    x = np.array([[0.0, 2.5, 100.4], [150.6, 235.0, 7.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        img = Image(x)
    assert np.asarray(decoded(img)).tolist() == [[0, 2, 100], [151, 235, 7]]


def test_int_in_range_taken_as_is_without_warning():
    pixels = RNG.integers(0, 256, (4, 4, 3))  # int64, as np.random.randint gives
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        img = Image(pixels)
    assert np.array_equal(np.asarray(decoded(img)), pixels)


def test_int_out_of_range_clipped_with_warning():
    x = np.array([[-1, 0, 255, 256, 300, 70000]], dtype=np.int32)
    with pytest.warns(UserWarning, match="clipped"):
        img = Image(x)
    assert np.asarray(decoded(img)).tolist() == [[0, 0, 255, 255, 255, 255]]


def test_bool_is_0_or_255():
    x = np.array([[True, False], [False, True]])
    assert np.asarray(decoded(Image(x))).tolist() == [[255, 0], [0, 255]]


def test_duck_typed_tensor_chw_float():
    chw = RNG.random((3, 5, 6)).astype(np.float32)
    img = Image(FakeTensor(chw))
    expected = np.rint(chw.transpose(1, 2, 0).astype(np.float64) * 255).astype(np.uint8)
    assert np.array_equal(np.asarray(decoded(img)), expected)


# -- snapshots --------------------------------------------------------------------------------
def test_array_is_snapshotted():
    pixels = np.zeros((4, 4, 3), np.uint8)
    img = Image(pixels)
    pixels[:] = 200
    assert np.asarray(decoded(img)).max() == 0


def test_chw_single_channel_is_snapshotted():
    pixels = np.zeros((1, 4, 5), np.uint8)  # the transposed view is contiguous
    img = Image(pixels)
    pixels[:] = 9
    assert np.asarray(decoded(img)).max() == 0


def test_pil_image_reference_example_and_snapshot():
    pixels = RNG.integers(0, 256, (100, 100, 3), dtype=np.uint8)
    pil = PILImage.fromarray(pixels, mode="RGB")
    img = Image(pil, caption="random field 0")
    pil.paste((0, 0, 0), (0, 0, 100, 100))
    assert np.array_equal(np.asarray(decoded(img)), pixels)
    assert img.caption == "random field 0"


def test_pil_palette_and_16_bit_images():
    pal = PILImage.new("P", (3, 2))
    pal.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    pal.putpixel((1, 1), 1)
    got = np.asarray(decoded(Image(pal)))
    assert got.shape == (2, 3, 3) and got[1, 1].tolist() == [255, 0, 0]
    i16 = PILImage.fromarray(np.array([[0, 100, 300]], dtype=np.uint16))
    with pytest.warns(UserWarning, match="clipped"):
        assert np.asarray(decoded(Image(i16))).tolist() == [[0, 100, 255]]


# -- files, figures, other images --------------------------------------------------------------
def test_png_path_kept_byte_exact(tmp_path):
    path = tmp_path / "x.png"
    PILImage.fromarray(RNG.integers(0, 256, (6, 5, 3), dtype=np.uint8)).save(path)
    img = Image(str(path))
    assert img.payload().data == path.read_bytes()
    assert (img.width, img.height, img.file_type) == (5, 6, "png")


def test_jpg_path_keeps_its_format(tmp_path):
    path = tmp_path / "x.jpg"
    PILImage.fromarray(RNG.integers(0, 256, (6, 5, 3), dtype=np.uint8)).save(path)
    img = Image(path)
    assert img.payload().data == path.read_bytes()
    assert (img.payload().ext, img.payload().mime) == ("jpg", "image/jpeg")


def test_tiff_path_and_file_type_conversion(tmp_path):
    pixels = RNG.integers(0, 256, (6, 5, 3), dtype=np.uint8)
    PILImage.fromarray(pixels).save(tmp_path / "x.tiff")
    PILImage.fromarray(pixels).save(tmp_path / "x.png")
    tif = decoded(Image(tmp_path / "x.tiff"))
    assert tif.format == "PNG" and np.array_equal(np.asarray(tif), pixels)
    as_bmp = decoded(Image(tmp_path / "x.png", file_type="bmp"))
    assert as_bmp.format == "BMP" and np.array_equal(np.asarray(as_bmp), pixels)


def test_path_is_read_at_construction(tmp_path):
    path = tmp_path / "x.png"
    PILImage.new("L", (2, 2), 7).save(path)
    img = Image(path)
    path.unlink()
    assert np.asarray(decoded(img)).tolist() == [[7, 7], [7, 7]]


@pytest.mark.parametrize("file_type, fmt, mime", [("jpg", "JPEG", "image/jpeg"),
                                                  ("jpeg", "JPEG", "image/jpeg"),
                                                  ("bmp", "BMP", "image/bmp"),
                                                  ("PNG", "PNG", "image/png")])
def test_file_types(file_type, fmt, mime):
    pixels = RNG.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    img = Image(pixels, file_type=file_type)
    im = decoded(img)
    assert im.format == fmt and img.payload().mime == mime
    assert img.payload().ext == file_type.lower()
    if fmt != "JPEG":
        assert np.array_equal(np.asarray(im), pixels)


def test_jpg_drops_alpha_with_warning():
    with pytest.warns(UserWarning, match="alpha channel was dropped"):
        img = Image(RNG.integers(0, 256, (4, 4, 4), dtype=np.uint8), file_type="jpg")
    assert decoded(img).mode == "RGB" and img.mode == "RGB"


def test_mode_override_reads_the_channels_in_that_mode():
    cmyk = RNG.integers(0, 256, (4, 5, 4), dtype=np.uint8)
    img = Image(cmyk, mode="CMYK")
    expected = PILImage.frombytes("CMYK", (5, 4), cmyk.tobytes()).convert("RGB")
    assert np.array_equal(np.asarray(decoded(img)), np.asarray(expected))
    assert Image(cmyk, mode="CMYK", file_type="jpg").mode == "CMYK"


def test_matplotlib_figure_rendered_now_without_switching_backend():
    import matplotlib
    from matplotlib.figure import Figure

    backend = matplotlib.get_backend()
    fig = Figure(figsize=(2, 1), dpi=50)
    fig.add_subplot().plot([0, 1], [0, 1])
    img = Image(fig)
    fig.clear()  # the user may reuse or close the figure right away
    im = decoded(img)
    assert im.format == "PNG" and im.size == (100, 50) == (img.width, img.height)
    assert np.asarray(im)[..., :3].min() < 128  # the line was drawn
    assert matplotlib.get_backend() == backend


def test_matplotlib_not_imported_for_arrays():
    code = ("import sys, numpy as np\nfrom runlog.typespec import Image\n"
            "Image(np.zeros((2, 2), np.uint8)).payload()\nprint('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_image_from_image_shares_pixels_and_may_convert():
    first = Image(RNG.integers(0, 256, (4, 4, 3), dtype=np.uint8), caption="a")
    same = Image(first)
    assert same.payload() is first.payload() and same.caption == "a"
    assert Image(first, caption="b").caption == "b"
    jpg = Image(first, file_type="jpg")
    assert decoded(jpg).format == "JPEG" and jpg.width == 4


# -- boxes and masks ----------------------------------------------------------------------------
BOXES = {
    "predictions": {
        "box_data": [
            {"position": {"minX": 0.1, "maxX": 0.4, "minY": 0.2, "maxY": 0.5}, "class_id": 1,
             "box_caption": "cat", "scores": {"acc": 0.9}},
            {"position": {"middle": [5, 6], "width": 4, "height": 2}, "class_id": np.int64(2),
             "domain": "pixel"},
        ],
        "class_labels": {1: "cat", 2: "dog"},
    }
}


def test_boxes_validated_and_round_trip():
    img = Image(np.zeros((10, 10, 3), np.uint8), boxes=BOXES)
    assert img.boxes["predictions"]["box_data"][1]["class_id"] == 2
    assert type(img.boxes["predictions"]["box_data"][1]["class_id"]) is int
    back = roundtrip(img)
    assert back.boxes == img.boxes
    assert back.boxes["predictions"]["class_labels"] == {1: "cat", 2: "dog"}
    assert back._json_fields() == img._json_fields()


def test_masks_from_array_and_path_round_trip(tmp_path):
    ids = RNG.integers(0, 4, (6, 8))
    expected = ids.astype(np.uint8)
    PILImage.fromarray(expected).save(tmp_path / "m.png")
    labels = {0: "bg", 1: "a", 2: "b", 3: "c"}
    img = Image(np.zeros((6, 8, 3), np.uint8), masks={
        "pred": {"mask_data": ids, "class_labels": labels},
        "truth": {"path": str(tmp_path / "m.png")},
    })
    ids[:] = 0  # the mask was snapshotted
    back = roundtrip(img)
    assert back._json_fields() == img._json_fields()
    for masks in (img.masks, back.masks):
        assert masks["pred"].class_labels == labels and masks["truth"].class_labels is None
        for name in ("pred", "truth"):
            png = PILImage.open(io.BytesIO(masks[name].payload().data))
            assert png.format == "PNG" and png.mode == "L" and png.size == (8, 6)
            assert np.array_equal(np.asarray(png), expected)
            assert np.array_equal(masks[name].mask_data, expected)


@pytest.mark.parametrize("kwargs, match", [
    ({"boxes": {"p": {"box_data": [], "class_labels": {"cat": 1}}}},
     "Class labels must be a dictionary of numbers to string"),
    ({"boxes": {"p": {"box_data": [{"position": {"minX": 0}, "class_id": 1}]}}},
     "minX, maxX, minY, maxY or middle, width, height"),
    ({"boxes": {"p": {"box_data": [{"position": {"minX": 1, "maxX": 0, "minY": 0, "maxY": 1},
                                     "class_id": 1}]}}}, "minX > maxX"),
    ({"boxes": {"p": {"box_data": [{"position": {"middle": [0, 0], "width": 1, "height": 1},
                                     "class_id": "1"}]}}}, r"class_id'\] must be an int; got str"),
    ({"boxes": {"p": {"box_data": [{"position": {"middle": [0, 0], "width": 1, "height": 1},
                                     "class_id": 1, "domain": "relative"}]}}}, "domain"),
    ({"boxes": {"p": {"box_data": [{"class_id": 1}]}}}, "needs position and class_id"),
    ({"boxes": [1]}, "boxes must be a dict"),
    ({"boxes": {"p": [1]}}, r"boxes\['p'\] must be a dict with a \"box_data\" list; got list"),
    ({"masks": {"m": {"mask_data": np.zeros((3, 3), int)}}}, r"has shape \(3, 3\), the image"),
    ({"masks": {"m": {"mask_data": np.full((4, 4), 256)}}}, r"class ids must be in \[0, 255\]"),
    ({"masks": {"m": {"mask_data": np.zeros((4, 4), complex)}}}, "dtype complex128"),
    ({"masks": {"m": {"mask_data": np.zeros((4, 4), int), "class_labels": {1.5: "x"}}}},
     "keys must be int class ids, got float"),
    ({"masks": {"m": {"mask_data": np.zeros(4)}}}, "a 2-D array of int class ids"),
    ({"masks": {"m": {"path": "missing.png"}}}, "does not exist"),
    ({"masks": {"m": {}}}, 'either "mask_data" or "path"'),
])
def test_bad_boxes_and_masks(kwargs, match):
    with pytest.raises(DataError, match=match):
        Image(np.zeros((4, 4), np.uint8), **kwargs)


# -- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize("args, kwargs, match", [
    (({"a": 1},), {}, "Image: data must be a path, a PIL image.*; got dict"),
    (([[1, 2], [3, 4]],), {}, "; got list"),
    ((np.zeros((5, 6, 7)),), {}, r"got numpy.ndarray \(shape \(5, 6, 7\)\)"),
    ((np.zeros(5),), {}, r"shape \(5,\)"),
    ((np.zeros((0, 4)),), {}, "a non-empty image"),
    ((np.zeros((2, 2), complex),), {}, "dtype complex128"),
    ((np.array([[np.nan, 0.5]]),), {}, "NaN pixel values"),
    ((np.zeros((2, 2)),), {"mode": "RGB"}, r"mode 'RGB' needs 3 channel\(s\), the array has 1"),
    ((np.zeros((2, 2)),), {"mode": "XYZ"}, "Image: mode must be one of"),
    ((np.zeros((2, 2)),), {"file_type": "gif"}, "file_type must be png, jpg, jpeg or bmp; got str"),
    ((np.zeros((2, 2)),), {"caption": 3}, "caption must be a str or None; got int"),
    (("no/such/file.png",), {}, "does not exist"),
])
def test_bad_input(args, kwargs, match):
    with pytest.raises(DataError, match=match):
        Image(*args, **kwargs)


def test_unreadable_file_is_a_data_error(tmp_path):
    (tmp_path / "x.png").write_bytes(b"not a png")
    with pytest.raises(DataError, match="not an image file PIL can read"):
        Image(tmp_path / "x.png")


# -- JSON form and sequences ---------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: Image(RNG.integers(0, 256, (5, 4, 3), dtype=np.uint8), caption="c"),
    lambda: Image(RNG.random((5, 4))),
    lambda: Image(RNG.integers(0, 256, (5, 4, 4), dtype=np.uint8), file_type="jpg"),
    lambda: Image(RNG.integers(0, 256, (5, 4, 3), dtype=np.uint8), file_type="bmp"),
])
def test_json_round_trip(make):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        img = make()
    back = roundtrip(img)
    assert back == img
    assert back._json_fields() == img._json_fields()
    assert back.payload().sha256 == img.payload().sha256
    assert np.array_equal(back.to_numpy(), img.to_numpy())
    assert (back.width, back.height, back.mode, back.file_type) == \
        (img.width, img.height, img.mode, img.file_type)


def test_sequence_meta_and_size_mismatch_warning():
    same = [Image(np.zeros((4, 5), np.uint8), caption=f"c{i}") for i in range(3)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        seq = MediaSequence(same)
    assert image_sequence_meta(seq.items) == {"count": 3, "width": 5, "height": 4,
                                              "captions": ["c0", "c1", "c2"]}
    mixed = [Image(np.zeros((4, 5), np.uint8)), Image(np.zeros((6, 5), np.uint8)),
             Image(np.zeros((7, 5), np.uint8))]
    with pytest.warns(UserWarning, match="image sizes do not match") as record:
        MediaSequence(mixed)
    assert len([w for w in record if "sizes do not match" in str(w.message)]) == 1
    assert image_sequence_meta(mixed)["captions"] is None


def test_reference_page_numpy_and_pil_examples_end_to_end(mem_run):
    arrays = [np.random.randint(low=0, high=256, size=(100, 100, 3)) for _ in range(3)]
    mem_run.log({"examples": [Image(p, caption=f"random field {i}")
                              for i, p in enumerate(arrays)]})
    mem_run.log({"examples": [runlog.Image(PILImage.fromarray(p.astype(np.uint8), mode="RGB"),
                                           caption=f"random field {i}")
                              for i, p in enumerate(arrays)]})
    history = mem_run.backends["memory"].history
    for row in history:
        seq = row["examples"]
        assert isinstance(seq, MediaSequence) and len(seq) == 3
        assert [im.caption for im in seq] == [f"random field {i}" for i in range(3)]
        for im, p in zip(seq, arrays):
            assert np.array_equal(np.asarray(decoded(im)), p)
    assert history[0]["examples"] == history[1]["examples"]  # same pixels, same sha256


def test_reference_page_matplotlib_example_end_to_end(mem_run):
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots()
    x = np.linspace(0, 10)
    ax.plot(x, x * x)
    mem_run.log({"chart": fig})
    plt.close(fig)
    chart = mem_run.backends["memory"].history[0]["chart"]
    assert isinstance(chart, Image)
    im = decoded(chart)
    assert im.format == "PNG" and im.size == (640, 480)
