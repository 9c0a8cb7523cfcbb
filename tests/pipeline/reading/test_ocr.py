"""The Tesseract wrapper: real engine, word boxes, confidences, and the result cache."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.reading import ocr
from pipeline.reading.ocr import OcrOptions, ocr_image, words_from_data
from tests.conftest import render_page


def test_words_have_boxes_and_confidence():
    image = np.asarray(render_page(["Nama Pasien : SITI AMINAH"]))
    words = ocr_image(image, OcrOptions())
    texts = [w.text for w in words]
    assert texts == ["Nama", "Pasien", ":", "SITI", "AMINAH"]
    siti = words[3]
    assert 0.5 < siti.confidence <= 1.0
    # Rendered at x=200 with 46-px text: the box sits where the word was drawn.
    assert words[0].box.left == pytest.approx(200, abs=12)
    assert 25 < siti.box.height < 60


def test_cache_returns_same_words_without_running_tesseract(tmp_path, monkeypatch):
    image = np.asarray(render_page(["No. RM : RM-00123456"]))
    first = ocr_image(image, OcrOptions(), cache_dir=tmp_path)

    def engine_must_not_run(*args, **kwargs):
        raise AssertionError("tesseract ran although the page was cached")

    monkeypatch.setattr(ocr, "ocr_file", engine_must_not_run)
    second = ocr_image(image, OcrOptions(), cache_dir=tmp_path)
    assert second == first
    with pytest.raises(AssertionError):
        ocr_image(image, OcrOptions(psm=6), cache_dir=tmp_path)  # other options: no hit


def test_empty_and_negative_confidence_entries_dropped():
    data = {
        "text": ["", "NIK", " "],
        "conf": [-1, 91.5, 10],
        "left": [0, 10, 0],
        "top": [0, 20, 0],
        "width": [0, 30, 0],
        "height": [0, 12, 0],
        "block_num": [1, 1, 1],
        "par_num": [1, 1, 1],
        "line_num": [1, 1, 1],
    }
    [word] = words_from_data(data, page=2)
    assert word.text == "NIK"
    assert word.confidence == pytest.approx(0.915)
    assert word.page == 2


def test_tesseract_stopping_on_an_image_is_a_typed_failure(tmp_path):
    """A crop Tesseract cannot take (here: not an image) loses that reading, not the file."""
    bad = tmp_path / "crop.pnm"
    bad.write_bytes(b"P5\n3 3\n255\n")  # the header of a picture with no pixels
    with pytest.raises(ocr.OcrFailed):
        ocr.ocr_file(bad, ocr.OcrOptions())
