"""The second reading of a labelled number row, with real Tesseract on a rendered page."""

from __future__ import annotations

import numpy as np

from extractors.lines import group_lines
from models import Field
from pipeline.ocr import OcrOptions, ocr_image
from pipeline.reread import reread_number_fields
from tests.conftest import render_page


def test_null_nik_is_read_again_from_its_row():
    image = np.asarray(render_page(["Nama : SITI AMINAH", "NIK : 6101014507890003"]))
    lines = group_lines(ocr_image(image, OcrOptions()))
    # Pretend the first pass lost the NIK: the field is null although the row is printed.
    fields = {"nik": Field(name="nik")}
    changed, notices = reread_number_fields(fields, lines, {1: image}, OcrOptions())
    assert changed["nik"].value == "6101014507890003"
    assert changed["nik"].boxes
    assert changed["nik"].confidence < 1.0
    assert notices == []


def test_fields_already_read_are_left_alone():
    image = np.asarray(render_page(["NIK : 6101014507890003"]))
    lines = group_lines(ocr_image(image, OcrOptions()))
    fields = {"nik": Field(name="nik", value="6101014507890003", confidence=0.9)}
    changed, _ = reread_number_fields(fields, lines, {1: image}, OcrOptions())
    assert changed == {}
