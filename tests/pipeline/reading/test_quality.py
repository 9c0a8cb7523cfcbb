"""The quality gate names what is wrong with a bad photo and stays silent on good captures.

Pages come from the document generator (a faskes letter and a KK, once per module); captures
from `fixtures.capture` (good) and `fixtures.gate_conditions` (bad, strong variants). One
phone photo of the letter, brought to WhatsApp's 1600 px, is sent as WhatsApp would and
degraded five ways, because a photo costs a second and a degradation a fraction of one.
Seeds are fixed; the rates over many seeds are in `tests/benchmarks/bench_quality.py`.
"""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fixtures.capture import clean, photograph, rotated, scan_200dpi
from fixtures.gate_conditions import DEGRADE, EXPECTED_CODE, Shot, apply, shoot
from fixtures.generate import generate
from pipeline.reading.page import find_text_lines
from pipeline.reading.preprocess import to_gray
from pipeline.reading.quality import MESSAGES, measure

SEED = 7101


def _gray(image: Image.Image) -> np.ndarray:
    """What `read_raster` measures: the ingested array through `to_gray`."""
    return to_gray(np.asarray(image.convert("L" if image.mode in ("1", "L") else "RGB")))


def _judged(image: Image.Image) -> list[str]:
    """The codes a photo gets from `read_raster` with two engines: judged with the text lines
    the detector found in it (real PP-OCR)."""
    pixels = np.asarray(image.convert("RGB"))
    found = find_text_lines(pixels)
    assert found is not None
    return measure(to_gray(pixels), found).codes()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Image.Image]:
    out: Path = tmp_path_factory.mktemp("gate")
    generate(SEED, out, {"faskes_letter": 1, "kk": 1}, {"png": 1})
    found = {}
    for truth in out.glob("*.truth.json"):
        data = json.loads(truth.read_text())
        found[data["doc_type"]] = Image.open(out / data["file"]).copy()
    return found


@pytest.fixture(scope="module")
def letter_photo(pages: dict[str, Image.Image]) -> Shot:
    """`capture.phone_photo` of the letter (3000-4000 px), and where the page lies in it."""
    return shoot(pages["faskes_letter"], random.Random(f"{SEED}:shot"), with_box=True)


@pytest.fixture(scope="module")
def letter_shot(letter_photo: Shot) -> Shot:
    """The photo brought to WhatsApp's 1600 px, so degrading it is cheap."""
    return letter_photo.scaled(1600)


@pytest.mark.parametrize("doc_type", ["faskes_letter", "kk"])
@pytest.mark.parametrize("capture", [clean, scan_200dpi, rotated], ids=lambda f: f.__name__)
def test_scans_get_no_warning(pages, doc_type, capture):
    image, _, _ = capture(pages[doc_type], random.Random(f"{SEED}:{capture.__name__}"))
    assert measure(_gray(image)).codes() == []


def test_phone_photo_gets_no_warning(letter_photo):
    """The camera file itself, as `capture.phone_photo` made it."""
    photo = Image.fromarray(letter_photo.photo.astype(np.uint8))
    assert measure(_gray(photo)).codes() == []


def test_whatsapp_photo_gets_no_warning(letter_shot):
    """The same photo as WhatsApp forwards it (as `capture.whatsapp`: 1600 px, JPEG 70)."""
    buffer = io.BytesIO()
    Image.fromarray(np.clip(letter_shot.photo, 0, 255).astype(np.uint8)).save(
        buffer, format="JPEG", quality=70
    )
    assert measure(_gray(Image.open(buffer))).codes() == []


@pytest.mark.parametrize("condition", list(DEGRADE))
def test_bad_photo_gets_its_code(letter_shot, condition):
    image, _, details = apply(
        condition, letter_shot, random.Random(f"{SEED}:{condition}"), strong=True
    )
    codes = measure(_gray(image)).codes()
    assert EXPECTED_CODE[condition] in codes, details


@pytest.mark.parametrize("surface", ["wood_grain", "floor_tiles"])
def test_good_photo_on_a_busy_surface_gets_no_warning(pages, surface):
    """A table's grain is not blurred print; a cloth's pattern at the frame edge is not a
    page cut off."""
    image, _, _ = photograph(
        pages["faskes_letter"], random.Random(f"{SEED}:{surface}"), surface, send="whatsapp"
    )
    assert measure(_gray(image)).codes() == []


def test_a_cut_through_the_margin_is_not_cut_off(letter_shot):
    """Only the blank margin beyond the text is outside the frame: nothing is lost."""
    x1 = letter_shot.box[2]  # type: ignore[index]
    right = int(letter_shot.text_points[:, 0].max()) + 2 * int(letter_shot.letter_px)
    assert right < x1
    photo = letter_shot.photo[:, :right]
    assert "cut_off" not in measure(_gray(Image.fromarray(photo.astype(np.uint8)))).codes()


def test_thumbnail_is_only_called_small(letter_shot):
    """Blur and glare cannot be judged on letters a few pixels high."""
    image, _, _ = apply("too_small", letter_shot, random.Random(SEED), strong=True)
    assert measure(_gray(image)).codes() == ["too_small"]


def test_notice_names_the_size_in_plain_words():
    notices = measure(np.full((600, 450), 255, np.uint8)).notices()
    assert [n.code for n in notices] == ["too_small"]
    assert "450x600" in notices[0].message
    assert set(MESSAGES) == {"blurry", "too_dark", "glare", "cut_off", "too_small"}


@pytest.mark.parametrize(
    "gray",
    [
        np.full((3508, 2480), 255, np.uint8),  # a blank page
        np.full((4000, 40), 255, np.uint8),  # a sliver
        np.full((1, 1), 255, np.uint8),
    ],
    ids=["blank", "sliver", "pixel"],
)
def test_odd_images_do_not_break_the_gate(gray):
    codes = measure(gray).codes()
    assert set(codes) <= {"too_small"}


def test_black_frame_is_too_dark():
    assert "too_dark" in measure(np.full((2000, 1500), 12, np.uint8)).codes()


@pytest.mark.parametrize(
    ("surface", "doc_type", "draw"),
    [("batik", "faskes_letter", 0), ("tablecloth", "faskes_letter", 0), ("tablecloth", "kk", 2)],
    ids=["batik-at-the-edge", "white-checks", "page-in-bright-light"],
)
def test_good_photo_judged_by_its_text_gets_no_warning(pages, surface, doc_type, draw):
    """Judged by its print alone each of these photos was told to retake: the batik's pattern
    at the frame edge as text cut off, a tablecloth's white checks beside the page as glare,
    a sheet blown white all over by bright light as glare. Judged by its text lines they are
    silent: no line reaches the frame's edge, and no bright patch over the text hides lines."""
    image, _, _ = photograph(
        pages[doc_type], random.Random(f"{SEED}:{surface}:{draw}"), surface, send="whatsapp"
    )
    assert _judged(image) == []


@pytest.mark.parametrize("condition", ["blurry", "glare", "cut_off"])
def test_bad_photo_judged_by_its_text_gets_its_code(letter_shot, condition):
    """Blur measured on the detected lines' letters, glare that hides lines, and lines that
    run into the frame's edge are still named."""
    image, _, details = apply(
        condition, letter_shot, random.Random(f"{SEED}:{condition}"), strong=True
    )
    assert EXPECTED_CODE[condition] in _judged(image), details


def test_a_cut_through_the_margin_judged_by_its_text_is_not_cut_off(letter_shot):
    """The frame's edge two letters beyond the text's end: no line reaches it."""
    right = int(letter_shot.text_points[:, 0].max()) + 2 * int(letter_shot.letter_px)
    photo = letter_shot.photo[:, :right]
    assert "cut_off" not in _judged(Image.fromarray(photo.astype(np.uint8)))
