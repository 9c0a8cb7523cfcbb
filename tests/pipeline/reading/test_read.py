"""The raster chain recovers pages turned, tilted and shrunk, with real Tesseract."""

from __future__ import annotations

import random
from collections import Counter

import cv2
import numpy as np
import pytest
from PIL import Image

from extractors.lines import group_lines
from extractors.nik import extract_nik
from fixtures.capture import CONDITIONS
from pipeline.reading import ppocr
from pipeline.reading.ocr import OcrOptions
from pipeline.reading.preprocess import (
    rotate_quarter,
    rotate_small,
    skew_angle,
    text_runs_vertically,
)
from pipeline.reading.read import read_raster
from tests.conftest import render_page

LINES = [
    "RSUD SAMBAS",
    "SURAT KETERANGAN SAKIT",
    "Yang bertanda tangan di bawah ini menerangkan bahwa pasien tersebut",
    "Nama Pasien : SITI AMINAH",
    "NIK : 6101014507890003",
    "No. RM : RM-00123456",
    "Diagnosa : CKD stage V on HD rutin dengan anemia renal",
    "Demikian surat keterangan ini dibuat untuk dipergunakan",
    "Sambas, 12 Februari 2026",
]


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return np.asarray(render_page(LINES, size=(2480, 1400)))


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_turned_page_is_read_upright(page, turn):
    result = read_raster(rotate_quarter(page, turn), 300, 1, OcrOptions())
    assert (turn + result.rotation) % 360 == 0
    nik, _ = extract_nik(group_lines(result.words))
    assert nik.value == "6101014507890003"


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_turned_page_of_mixed_case_text_is_read_once(page, turn, monkeypatch):
    import pipeline.reading.read

    calls = []
    original = pipeline.reading.read.ocr_image
    monkeypatch.setattr(
        pipeline.reading.read, "ocr_image", lambda *a, **k: calls.append(1) or original(*a, **k)
    )
    monkeypatch.setattr(
        pipeline.reading.read, "detect_orientation", lambda *a, **k: pytest.fail("OSD")
    )
    result = read_raster(rotate_quarter(page, turn), 300, 1, OcrOptions())
    assert (turn + result.rotation) % 360 == 0
    assert len(calls) == 1


def test_skewed_page_is_straightened(page):
    tilted = rotate_small(page, 3.0)
    assert skew_angle(tilted) == pytest.approx(3.0, abs=0.3)
    result = read_raster(tilted, 300, 1, OcrOptions())
    nik, _ = extract_nik(group_lines(result.words))
    assert nik.value == "6101014507890003"


def test_small_image_is_scaled_up(page):
    small = cv2.resize(page, None, fx=0.4, fy=0.4, interpolation=cv2.INTER_AREA)
    result = read_raster(small, 120, 1, OcrOptions())
    assert result.scale > 1.5
    nik, _ = extract_nik(group_lines(result.words))
    assert nik.value == "6101014507890003"


def test_profile_test_tells_sideways_from_upright(page):
    assert not text_runs_vertically(page)
    assert text_runs_vertically(rotate_quarter(page, 90))


def test_a_ruled_table_on_a_scan_is_not_taken_for_the_page():
    from pipeline.reading.preprocess import find_page_quad

    scan = np.full((2480, 3508), 255, np.uint8)
    cv2.rectangle(scan, (150, 700), (3350, 2000), 0, 4)  # a KK-like table frame
    assert find_page_quad(scan) is None


def test_paper_on_a_dark_table_is_found():
    from pipeline.reading.preprocess import find_page_quad

    photo = np.full((4000, 3000), 90, np.uint8)
    corners = np.array([[500, 400], [2550, 480], [2500, 3600], [450, 3500]], np.int32)
    cv2.fillConvexPoly(photo, corners, 235)
    quad = find_page_quad(photo)
    assert quad is not None
    assert np.abs(quad - corners).max() < 40


def test_a_photo_is_judged_by_the_text_lines_it_is_read_from(tmp_path):
    """With two engines a photo's verdicts come from the text lines found to read it: a letter
    on batik whose pattern at the frame's edge looked like print cut off is read silently."""
    import json
    import random

    from PIL import Image

    from fixtures.capture import photograph
    from fixtures.generate import generate

    generate(7101, tmp_path, {"faskes_letter": 1, "kk": 1}, {"png": 1})  # as test_quality
    truths = [json.loads(p.read_text()) for p in tmp_path.glob("*.truth.json")]
    letter = next(t for t in truths if t["doc_type"] == "faskes_letter")
    page = Image.open(tmp_path / letter["file"])
    image, _, _ = photograph(page, random.Random("7101:batik:0"), "batik", send="whatsapp")
    result = read_raster(np.asarray(image.convert("RGB")), 300, 1, OcrOptions(), None, True)
    assert result.notices == []


@pytest.mark.parametrize("turn", [0, 90])
def test_a_photo_is_detected_once_and_read_as_a_fresh_detection_reads_it(page, turn, monkeypatch):
    """The lines found on the photo, carried through warp, turns and deskew, give the words
    that detecting the prepared page again gives (the second detection it saves)."""
    image, _, _ = CONDITIONS["phone_photo"](Image.fromarray(page), random.Random(3))
    photo = rotate_quarter(np.asarray(image.convert("RGB")), turn)
    detections = []
    real = ppocr.detect
    monkeypatch.setattr(ppocr, "detect", lambda *a, **k: detections.append(1) or real(*a, **k))
    result = read_raster(photo, 300, 1, OcrOptions(), second_engine=True)
    assert result.engine == "ppocr"
    assert detections == []
    nik, _ = extract_nik(group_lines(result.words))
    assert nik.value == "6101014507890003"
    once = Counter(w.text for w in result.words)
    fresh = Counter(w.text for w in ppocr.read_image(result.image))
    common = sum((once & fresh).values())
    assert common >= 0.9 * max(sum(once.values()), sum(fresh.values()))


@pytest.fixture(scope="module")
def letters_and_sktms(tmp_path_factory):
    """The own family's seed 7171, six letters and six SKTMs, as bench sets draw them."""
    import json

    from fixtures.generate import generate

    out = tmp_path_factory.mktemp("small-in-frame")
    generate(7171, out, {"faskes_letter": 6, "sktm": 6, "kk": 0, "ktp": 0}, {"png": 1})
    return {
        p.name.removesuffix(".truth.json"): json.loads(p.read_text())
        for p in out.glob("*.truth.json")
    }, out


def test_small_print_is_read_on_the_lines_of_the_closer_look(letters_and_sktms):
    """A letter small in the frame on batik: the first look (the photo shrunk to 1280 px)
    sees its lines 4 px thick and finds only some, merged; the closer look finds them all.
    The lines carried to recognition were the first look's, and the letter came back
    `unknown` (its labels never read); they are the closer look's."""
    from fixtures.capture import photograph

    truths, out = letters_and_sktms
    page = Image.open(out / truths["faskes_klinik_0003"]["file"])
    rng = random.Random("faskes_klinik_0003:small_batik")
    image, _, _ = photograph(page, rng, "batik", share=(0.4, 0.5), send="original")
    result = read_raster(np.asarray(image.convert("RGB")), 300, 1, OcrOptions(), None, True)
    assert result.classification is not None
    assert result.classification.doc_type.value == "faskes_letter"
    text = " ".join(w.text for w in result.words)
    assert "Register" in text and "Diagnosa" in text
