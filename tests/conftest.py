"""Shared test helpers: a real page rendered with a real font, read by real Tesseract."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "fixtures" / "sample"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def render_page(lines: list[str], size: tuple[int, int] = (2480, 1200)) -> Image.Image:
    """A white 300-dpi page with `lines` of 11-pt text, for tests that need real OCR."""
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 46)
    for i, text in enumerate(lines):
        draw.text((200, 150 + i * 90), text, fill=0, font=font)
    return image


@pytest.fixture
def letter_image() -> Image.Image:
    return render_page(
        [
            "RSUD SAMBAS",
            "SURAT KETERANGAN SAKIT",
            "Nama Pasien : SITI AMINAH",
            "NIK : 6101014507890003",
            "No. RM : RM-00123456",
            "Diagnosa : CKD stage V on HD rutin",
            "Sambas, 12 Februari 2026",
        ]
    )
