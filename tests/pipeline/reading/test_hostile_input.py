"""The bad-input corpus (issues 8 and 14): every file is untrusted. Each one below is generated
here, read by the real chain, and must end with a specific warning — never an exception, never
a hang — while a good file beside it is still read. Issue 14 added page-tree loops, Flate bombs,
giant page counts, links out of the inbox, FIFOs, a sparse 4 GiB file and names that try to
forge log lines; `test_process_survives_the_corpus` runs all of it through `process`."""

from __future__ import annotations

import io
import logging
import os
import struct
import threading
import zipfile
import zlib
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
from pipeline.errors import PdfTooComplex
from pipeline.reading.batch import expand_inputs
from pipeline.reading.extract import extract_file
from pipeline.reading.ingest import load_bytes, load_document
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


def raw_pdf(*objects: bytes) -> bytes:
    """A PDF written by hand (object 1 is the catalog), so a hostile structure costs nothing."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n%s\nendstream" % (len(data), extra, data)


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"


def pages_pdf(count: int, size: bytes = b"595 842", contents: bytes | None = None) -> bytes:
    """`count` pages sharing one page object body (blank, or drawing `contents`)."""
    kids = b" ".join(b"%d 0 R" % (n + 4) for n in range(count))
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s] /Contents 3 0 R >>" % size
    return raw_pdf(
        CATALOG,
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
        stream(contents or b""),
        *[page] * count,
    )


def one_page_pdf(page_extra: bytes, *more: bytes) -> bytes:
    return raw_pdf(
        CATALOG,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] %s >>" % page_extra,
        *more,
    )


BOMB = zlib.compress(b" " * (1 << 30), 9)  # 1 GiB of spaces in 1 MB


def hostile_pdfs() -> dict[str, tuple[bytes, str]]:
    """PDF structures an attacker controls, each with the warning it must get."""
    flate = b"/Filter /FlateDecode"
    double = zlib.compress(zlib.compress(b"0 0 m 1 1 l S\n" * 400_000, 9), 9)
    deep = [CATALOG] + [
        b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (n + 3) for n in range(2000)
    ]  # fmt: skip
    deep.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
    return {
        "lingkaran.pdf": (
            raw_pdf(CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                    b"<< /Type /Pages /Kids [2 0 R] /Parent 2 0 R /Count 1 >>"),
            "corrupt_file",
        ),
        "bom flate.pdf": (one_page_pdf(b"/Contents 4 0 R", stream(BOMB, flate)),
                          "pdf_too_complex"),
        "bom flate ganda.pdf": (
            one_page_pdf(b"/Contents 4 0 R", stream(double, b"/Filter [/FlateDecode /Fl]")),
            "pdf_too_complex",
        ),
        "bom form.pdf": (
            one_page_pdf(
                b"/Contents 4 0 R /Resources << /XObject << /F 5 0 R >> >>",
                stream(b"/F Do"),
                stream(BOMB, b"/Type /XObject /Subtype /Form /BBox [0 0 9 9] " + flate),
            ),
            "pdf_too_complex",
        ),
        "gambar raksasa.pdf": (
            one_page_pdf(
                b"/Contents 4 0 R /Resources << /XObject << /I 5 0 R >> >>",
                stream(b"q 500 0 0 500 0 0 cm /I Do Q"),
                stream(zlib.compress(bytes(1000)), b"/Type /XObject /Subtype /Image "
                       b"/Width 100000 /Height 100000 /ColorSpace /DeviceGray "
                       b"/BitsPerComponent 8 " + flate),
            ),
            "image_too_large",
        ),
        "10000 halaman.pdf": (pages_pdf(10_000), "too_many_pages"),
        "pohon dalam.pdf": (raw_pdf(*deep), "corrupt_file"),
        "tanpa xref.pdf": (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "corrupt_file"),
        "kepala saja.pdf": (b"%PDF-1.4\n" + bytes(300), "corrupt_file"),
        "sampah.pdf": (b"\x00" * 200 + b"%PDF-1.5\n" + os.urandom(3000), "corrupt_file"),
    }  # fmt: skip


def hostile_images() -> dict[str, tuple[bytes, str]]:
    page = Image.new("L", (400, 300), 255)
    png = _encoded(page, "PNG")
    # A JPEG header claiming 65,000 x 65,000 pixels (SOF0 patched).
    jpeg = bytearray(_encoded(page, "JPEG"))
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5 : sof + 9] = struct.pack(">HH", 65000, 65000)
    tiff_pages = [Image.new("L", (120, 120), 255) for _ in range(4)]
    tiff = _encoded(tiff_pages[0], "TIFF", save_all=True, append_images=tiff_pages[1:])
    bmp = bytearray(_encoded(page, "BMP"))
    bmp[18:26] = struct.pack("<ii", 400, -(2**31) + 1)
    return {
        "jpeg raksasa.jpg": (bytes(jpeg), "image_too_large"),
        "pita panjang.png": (_encoded(Image.new("1", (40_000, 100), 1), "PNG"),
                             "image_too_large"),
        "tiff banyak halaman.tif": (tiff, "too_many_pages"),
        "bmp tinggi palsu.bmp": (bytes(bmp), "image_too_large"),
        "webp terpotong.webp": (_encoded(page, "WEBP")[:60], "corrupt_file"),
        "tiff rusak.tif": (b"II*\x00" + struct.pack("<I", 10**9) + bytes(100), "corrupt_file"),
        "png kepala salah.png": (png[:16] + b"\xff" * 20 + png[36:], "corrupt_file"),
        "gif sebagai pdf.pdf": (_encoded(page.convert("P"), "GIF"), "unsupported_format"),
        "teks sebagai pdf.pdf": (b"surat keterangan tidak mampu\n" * 20, "unsupported_format"),
        "program.jpg": (b"\x7fELF\x02\x01\x01" + bytes(300), "unsupported_format"),
        "gambar.svg": (b'<svg xmlns="http://www.w3.org/2000/svg"><text>NIK</text></svg>',
                       "unsupported_format"),
        "nol semua.jpg": (bytes(4096), "unsupported_format"),
    }  # fmt: skip


# Names that try to forge or hide log lines; their contents are bad too, so each has a warning.
HOSTILE_NAMES = {
    "baris\nERROR palsu: semua file dihapus.jpg": b"<html>1</html>",
    "esc\x1b[2J\x1b[31mmerah.jpg": b"<html>2</html>",
    "rtl \u202egpj.exe": b"<html>3</html>",
}


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
    files |= hostile_pdfs() | hostile_images()
    files |= {name: (data, "unsupported_format") for name, data in HOSTILE_NAMES.items()}
    for name, (data, _) in files.items():
        (folder / name).write_bytes(data)
    files |= special_files(folder)
    # Readable oddities: no warning about the file, the text is read.
    page.convert("CMYK").save(folder / "cmyk.jpg", "JPEG", quality=90)
    deep = np.asarray(page.convert("L")).astype(np.uint16) * 257
    cv2.imwrite(str(folder / "16 bit ☺.png"), deep)
    return {name: code for name, (_, code) in files.items()}


OUTSIDE = {"/etc/passwd", "/proc/self/environ"}


def special_files(folder: Path) -> dict[str, tuple[bytes, str]]:
    """Links out of the folder, a FIFO, a folder link and a sparse 4 GiB file (no 4 GiB
    written: a hole). Returns name → (b"", code) like the others."""
    (folder / "passwd.jpg").symlink_to("/etc/passwd")
    (folder / "environ.pdf").symlink_to("/proc/self/environ")
    (folder / "tautan folder").symlink_to("/etc", target_is_directory=True)
    (folder / "tautan rusak.jpg").symlink_to(folder / "tidak ada")
    os.mkfifo(folder / "pipa.jpg")
    with open(folder / "jarang 4 GiB.pdf", "wb") as handle:
        handle.write(b"%PDF-1.7\n")
        handle.truncate(4 << 30)
    return {
        name: (b"", code)
        for name, code in {
            "passwd.jpg": "not_regular_file",
            "environ.pdf": "not_regular_file",
            "tautan folder": "not_regular_file",
            "tautan rusak.jpg": "not_regular_file",
            "pipa.jpg": "not_regular_file",
            "jarang 4 GiB.pdf": "file_too_large",
        }.items()
    }


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
    yield folder, corpus(folder)
    (folder / "jarang 4 GiB.pdf").unlink()  # sparse, but no 4 GiB file is left behind


def test_the_corpus_has_forty_kinds(hostile):
    _, expected = hostile
    assert len(expected) >= 40
    assert len(set(expected.values())) >= 11


def test_every_bad_file_gets_its_own_warning(hostile, caplog):
    from pipeline.privacy import install_log_masking

    install_log_masking()
    folder, expected = hostile
    inputs = dict(expand_inputs([str(folder)]))
    assert {p.name for p in inputs} >= set(expected)  # the walk lists links and FIFOs too
    with caplog.at_level(logging.WARNING):
        got = {name: read_with_hang_guard(folder / name) for name in expected}
    for name, code in expected.items():
        warnings = [w.code for e in got[name] for w in e.warnings]
        assert code in warnings, (name, warnings)
        if code in UNREADABLE_CODES:  # the applicant is told this file could not be read
            assert got[name][0].doc_type.value == "unknown"
    assert "HEIC" in got["foto iphone.heic"][0].warnings[0].message
    # Hostile names reach the log escaped: one record, one line, nothing hidden or forged.
    for record in caplog.records:
        message = record.getMessage()
        assert "\n" not in message and "\x1b" not in message and "\u202e" not in message
    assert any("baris\\nERROR palsu" in r.getMessage() for r in caplog.records)


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


def test_pdf_pages_are_decoded_one_at_a_time():
    """200 A3 pages with a line on each, rendered at 300 dpi (17 MP a page): reading them in
    order holds a few rendered pages at most, not 200 (numpy allocations are traced)."""
    import tracemalloc

    data = pages_pdf(200, b"842 1191", b"0 0 m 100 100 l S")
    loaded = load_bytes(data, "a3.pdf", Settings(ocr_cache_dir=None))
    assert len(loaded.pages) == 200
    tracemalloc.start()
    try:
        one_page = 0
        for page in loaded.pages:
            one_page = max(one_page, page.image.nbytes)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert page.page.number == 200 and one_page > 15_000_000
    assert peak < 4 * one_page  # not 200 pages: 3.4 GB before issue 14


def test_a_flate_bomb_is_refused_without_being_unpacked():
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(PdfTooComplex):
            list(load_bytes(hostile_pdfs()["bom flate.pdf"][0], "bom.pdf", SETTINGS).pages)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000  # the 1 GiB inside was never unpacked


def test_nothing_from_outside_the_inbox_reaches_originals(tmp_path: Path):
    """Links and FIFOs in a submission are refused by the store before a byte is read."""
    inbox = tmp_path / "inbox" / "wa-1"
    inbox.mkdir(parents=True)
    (inbox / "passwd.jpg").symlink_to("/etc/passwd")
    (inbox / "environ.jpg").symlink_to("/proc/self/environ")
    (inbox / "dalam").symlink_to("/etc", target_is_directory=True)
    os.mkfifo(inbox / "pipa.jpg")
    with open(inbox / "jarang.pdf", "wb") as handle:
        handle.truncate(4 << 30)
    store = LocalStorage(tmp_path / "inbox")
    out = LocalStorage(tmp_path / "out")
    engine = engine_for(f"sqlite:///{tmp_path / 'state.sqlite'}")
    try:
        keys = store.keys("")
        names = ("passwd.jpg", "environ.jpg", "dalam", "pipa.jpg", "jarang.pdf")
        assert set(keys) == {f"wa-1/{n}" for n in names}
        for key in keys:
            _, [extraction] = read_file(store, key, key, SETTINGS, engine, out)
            expected = "file_too_large" if key.endswith("jarang.pdf") else "not_regular_file"
            assert extraction.warnings[0].code == expected, key
    finally:
        (inbox / "jarang.pdf").unlink()
    assert not out.keys("originals")
