"""The bad-input corpus (issue 8): every file is untrusted. Each one below is generated here,
read by the real chain, and must end with a specific warning — never an exception, never a
hang — while a good file beside it is still read."""

from __future__ import annotations

import io
import threading
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from pypdf import PdfWriter

from models import Extraction
from pipeline.cases.decide import UNREADABLE_CODES
from pipeline.cases.submissions import read_file
from pipeline.config import Settings
from pipeline.reading.extract import extract_file
from pipeline.reading.ingest import load_document
from pipeline.state import engine_for
from pipeline.storage import LocalStorage
from tests.conftest import render_page

HANG = 300  # seconds: far above any file's real time; only a hang gets near it
SETTINGS = Settings(max_pdf_pages=3, ocr_timeout_seconds=60, ocr_cache_dir=None)


def _pdf(*sizes: tuple[float, float], password: str | None = None) -> bytes:
    writer = PdfWriter()
    for width, height in sizes:
        writer.add_blank_page(width, height)
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def corpus(folder: Path) -> dict[str, str]:
    """Write the corpus; returns file name → the warning code it must get."""
    page = render_page(["SURAT KETERANGAN TIDAK MAMPU", "NIK : 6101014507890003"])
    jpeg = _encoded(page.convert("RGB"), "JPEG", quality=85)
    png = _encoded(page, "PNG")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("surat.txt", "x")
    blank = Image.new("RGB", page.size, "white")
    files = {
        "kosong.jpg": (b"", "empty_file"),
        "terpotong.jpg": (jpeg[: len(jpeg) // 2], "corrupt_file"),
        "terpotong.png": (png[: len(png) // 2], "corrupt_file"),
        "halaman web.jpg": (b"<!DOCTYPE html><html><body>WA</body></html>", "unsupported_format"),
        "arsip.jpg": (archive.getvalue(), "unsupported_format"),
        "terkunci.pdf": (_pdf((595, 842), password="rahasia"), "encrypted_pdf"),
        "500 halaman.pdf": (_pdf(*[(595, 842)] * 500), "too_many_pages"),
        "lebar.pdf": (_pdf((60_000, 842)), "image_too_large"),
        "bom.png": (_encoded(Image.new("1", (40_000, 40_000), 1), "PNG", optimize=True),
                    "image_too_large"),
        "titik.png": (_encoded(Image.new("RGB", (1, 1), "white"), "PNG"), "image_too_small"),
        "animasi.gif": (_encoded(page.convert("P"), "GIF", save_all=True,
                                 append_images=[blank.convert("P")]), "unsupported_format"),
        "animasi.webp": (_encoded(page.convert("RGB"), "WEBP", save_all=True,
                                  append_images=[blank]), "animated_image"),
        "foto iphone.heic": (b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + bytes(200),
                             "unsupported_format"),
    }  # fmt: skip
    for name, (data, _) in files.items():
        (folder / name).write_bytes(data)
    # Readable oddities: no warning about the file, the text is read.
    page.convert("CMYK").save(folder / "cmyk.jpg", "JPEG", quality=90)
    deep = np.asarray(page.convert("L")).astype(np.uint16) * 257
    cv2.imwrite(str(folder / "16 bit ☺.png"), deep)
    return {name: code for name, (_, code) in files.items()}


def read_with_hang_guard(path: Path) -> list[Extraction]:
    result: list[list[Extraction]] = []
    worker = threading.Thread(target=lambda: result.append(extract_file(path, path.name, SETTINGS)))
    worker.start()
    worker.join(HANG)
    assert not worker.is_alive(), f"{path.name} hung"
    return result[0]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("hostile")
    return folder, corpus(folder)


def test_every_bad_file_gets_its_own_warning(hostile):
    folder, expected = hostile
    got = {name: read_with_hang_guard(folder / name) for name in expected}
    for name, code in expected.items():
        warnings = [w.code for e in got[name] for w in e.warnings]
        assert code in warnings, (name, warnings)
        if code in UNREADABLE_CODES:  # the applicant is told this file could not be read
            assert got[name][0].doc_type.value == "unknown"
    assert "HEIC" in got["foto iphone.heic"][0].warnings[0].message


@pytest.mark.parametrize("name", ["cmyk.jpg", "16 bit ☺.png"])
def test_odd_but_valid_images_are_read(hostile, name: str):
    folder, _ = hostile
    [extraction] = read_with_hang_guard(folder / name)
    assert extraction.doc_type.value == "sktm"
    assert extraction.value("nik") == "6101014507890003"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientations_come_out_upright(tmp_path: Path, orientation: int):
    """A dark square at the top left of the upright page, stored as a camera would for each
    EXIF orientation: after loading it is at the top left again."""
    upright = Image.new("L", (300, 200), 255)
    upright.paste(0, (0, 0, 60, 60))
    inverse = {
        1: [], 2: [Image.Transpose.FLIP_LEFT_RIGHT], 3: [Image.Transpose.ROTATE_180],
        4: [Image.Transpose.FLIP_TOP_BOTTOM], 5: [Image.Transpose.TRANSPOSE],
        6: [Image.Transpose.ROTATE_90], 7: [Image.Transpose.TRANSVERSE],
        8: [Image.Transpose.ROTATE_270],
    }[orientation]  # fmt: skip
    stored = upright
    for step in inverse:
        stored = stored.transpose(step)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"exif-{orientation}.jpg"
    stored.save(path, "JPEG", quality=95, exif=exif)
    [page] = load_document(path, path.name, SETTINGS).pages
    assert page.image.shape[:2] == (200, 300)
    assert page.image[:60, :60].mean() < 60 and page.image[-60:, -60:].mean() > 200


def test_object_key_that_climbs_out_is_refused_not_followed(tmp_path: Path):
    store = LocalStorage(tmp_path / "inbox")
    out = LocalStorage(tmp_path / "out")
    engine = engine_for(f"sqlite:///{tmp_path / 'state.sqlite'}")
    _, [extraction] = read_file(store, "wa-1/../../etc/passwd", "wa-1/x", SETTINGS, engine, out)
    assert extraction.warnings[0].code == "unsafe_file_name"
    assert "unsafe_file_name" in UNREADABLE_CODES
    assert not out.keys("")
