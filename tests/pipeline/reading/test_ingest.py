"""Bad input: each file gets one `unknown` extraction with a specific warning, never a crash."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter

from models import DocType
from pipeline.config import Settings
from pipeline.errors import (
    CorruptFile,
    EmptyFile,
    EncryptedPdf,
    ImageTooLarge,
    UnsupportedFormat,
)
from pipeline.reading.extract import extract_file
from pipeline.reading.ingest import load_document, sniff_media_type

SETTINGS = Settings()


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg_bytes(image: Image.Image, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", **kwargs)
    return buffer.getvalue()


def test_sniff_by_content_not_extension():
    assert sniff_media_type(b"%PDF-1.7\n") == "application/pdf"
    assert sniff_media_type(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert sniff_media_type(b"hello world") is None


def test_zero_byte_file(tmp_path: Path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(EmptyFile):
        load_document(path, str(path), SETTINGS)
    [result] = extract_file(path, "empty.jpg", SETTINGS)
    assert result.doc_type is DocType.unknown
    assert result.warnings[0].code == "empty_file"
    assert result.to_contract()["warnings"][0].startswith("empty_file:")


def test_truncated_jpeg(tmp_path: Path):
    data = _jpeg_bytes(Image.new("L", (800, 600), 200))
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptFile, match="damaged or incomplete"):
        load_document(path, str(path), SETTINGS)


def test_text_file_named_jpg(tmp_path: Path):
    path = tmp_path / "surat.jpg"
    path.write_text("ini bukan gambar\n")
    with pytest.raises(UnsupportedFormat, match="a text file"):
        load_document(path, str(path), SETTINGS)


def test_html_named_jpg(tmp_path: Path):
    path = tmp_path / "page.jpg"
    path.write_text("<!DOCTYPE html><html><body>login</body></html>")
    with pytest.raises(UnsupportedFormat, match="web page"):
        load_document(path, str(path), SETTINGS)


def test_encrypted_pdf(tmp_path: Path):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="rahasia", owner_password="pemilik")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(EncryptedPdf, match="password"):
        load_document(path, str(path), SETTINGS)


def test_image_over_100_megapixels_is_refused_before_decoding(tmp_path: Path):
    path = tmp_path / "huge.png"
    Image.new("1", (10_050, 10_000), 1).save(path)
    with pytest.raises(ImageTooLarge, match="megapixels"):
        load_document(path, str(path), SETTINGS)


def test_png_with_wrong_extension_is_read(tmp_path: Path):
    path = tmp_path / "scan.jpg"
    path.write_bytes(_png_bytes(Image.new("L", (400, 300), 255)))
    loaded = load_document(path, str(path), SETTINGS)
    assert loaded.document.media_type == "image/png"
    assert loaded.pages[0].image.shape == (300, 400)


def test_exif_orientation_is_applied(tmp_path: Path):
    image = Image.new("L", (400, 200), 255)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    path = tmp_path / "phone.jpg"
    path.write_bytes(_jpeg_bytes(image, exif=exif.tobytes()))
    loaded = load_document(path, str(path), SETTINGS)
    page = loaded.pages[0]
    assert page.image.shape == (400, 200)
    assert page.page.rotation == 90


def test_hash_is_of_the_bytes(tmp_path: Path):
    import hashlib

    data = _png_bytes(Image.new("L", (200, 200), 255))
    path = tmp_path / "a.png"
    path.write_bytes(data)
    loaded = load_document(path, "a.png", SETTINGS)
    assert loaded.document.sha256 == hashlib.sha256(data).hexdigest()
    assert loaded.document.source == "a.png"


def test_batch_goes_on_after_bad_files(tmp_path: Path, letter_image):
    from pipeline.reading.batch import expand_inputs, extract_many

    (tmp_path / "a_empty.png").write_bytes(b"")
    (tmp_path / "b_text.jpg").write_text("bukan gambar")
    letter_image.save(tmp_path / "c_letter.png")
    inputs = expand_inputs([str(tmp_path)])
    results = [r for batch in extract_many(inputs, SETTINGS) for r in batch]
    assert [r.doc_type.value for r in results] == ["unknown", "unknown", "faskes_letter"]
    assert results[2].value("nik") == "6101014507890003"


def test_pdfs_load_in_parallel_threads_without_hanging():
    """PDFium is not thread-safe: two threads rendering at once used to spin forever."""
    from concurrent.futures import ThreadPoolExecutor

    sample = Path(__file__).resolve().parents[3] / "fixtures" / "sample"
    pdfs = sorted(sample.glob("*.pdf"))
    assert pdfs
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(load_document, p, p.name, SETTINGS) for p in pdfs * 3]
        loaded = [f.result(timeout=120) for f in futures]
    assert all(doc.pages for doc in loaded)


def test_a_pdf_object_pdfminer_cannot_parse_is_left_to_pdfium():
    """Found by the fuzz test: a NUL inside a dictionary key of an image XObject made
    pdfminer raise PSSyntaxError while the page's drawing was being measured."""
    import base64

    from pipeline.reading.ingest import load_bytes

    data = base64.b64decode(
        "JVBERi0xLjcKMSAwIG9iago8PCAvVHlwZSAvQ2F0YWxvZyAvUGFnZXMgMiAwIFIgPj4KZW5kb2JqCjIgMCBv"
        "YmoKPDwgL1R5cGUgL1BhZ2VzIC9LaWRzIFszIDAgUl0gL0NvdW50IDEgPj4KZW5kb2JqCjMgMCBvYmoKPDwg"
        "L1R5cGUgL1BhZ2UgL1BhcmVudCAyIDAgUiAvTWVkaWFCb3ggWzAgMCA1OTUgODQyXSAvQ29udGVudHMgNCAw"
        "IFIgL1Jlc291cmNlcyA8PCAvRm9udCA8PCAvRjEgNSAwIFIgPj4gL1hPYmplY3QgPDwgL0kgNiAwIFIgPj4g"
        "Pj4gPj4KZW5kb2JqCjQgMCBvYmoKPDwgL0xlbmd0aCA3MCAvRmlsdGVyIC9GbGF0ZURlY29kZSA+PgpzdHJl"
        "YW0KeJxzClHQdzNUMDRSCElTMDdSMDcwUAhJUdDw8/RWMDM0AEITUwNzC0sDAwNjTYWQLAXXEAUDIMxVMASq"
        "BOEchWAAAeYOlwplbmRzdHJlYW0KZW5kb2JqCjUgMCBvYmoKPDwgL1R5cGUgL0ZvbnQgL1N1YnR5cGUgL1R5"
        "cGUxIC9CYXNlRm9udCAvSGVsdmV0aWNhID4+CmVuZG9iago2IDAgb2JqCjw8IC9MZW5ndGggMjg2IC9UeXBl"
        "IC9YT2JqZWN0IC9TdWJ0eXBlIC9JbWFnZSAvV2lkdGgAMzIgL0hlaWdodCAzMiAvQ29sb3JTcGFjZSAvRGV2"
        "aWNlR3JheSAvQml0c1BlckNvbXBvbmVudCA4IC9GaWx0ZXIgL0ZsYXRlRGVjb2RlID4+CnN0cmVhbQp4nGNg"
        "ZGJmYWVj5+Dk4ubh5eMXEBQSFhEVE5eQlJKWkZWTV1BUUlZRVVPX0NTS1tHV0zcwNDI2MTUzt7C0sraxtbN3"
        "cHRydnF1c/fw9PL28fXzDwgMCg4JDQuPiIyKjomNi09ITEpOSU1Lz8jMys7JzcsvKCwqLiktK6+orKquqa2r"
        "b2hsam5pbWvv6Ozq7unt658wcdLkKVOnTZ8xc9bsOXPnzV+wcNHiJUuXLV+xctXqNWvXrd+wcdPmLVu3bd+x"
        "c9fuPXv37T9w8NDhI0ePHT9x8tTpM2fPnb9w8dLlK1evXb9x89btO3fv3X/w8NHjJ0+fPX/x8tXrN2/fvf/w"
        "8dPnL1+/ff/x89fvP3///WcY9f+o/0ew/wHkyf4QCmVuZHN0cmVhbQplbmRvYmoKeHJlZgowIDcKMDAwMDAw"
        "MDAwMCA2NTUzNSBmIAowMDAwMDAwMDA5IDAwMDAwIG4gCjAwMDAwMDAwNTggMDAwMDAgbiAKMDAwMDAwMDEx"
        "NSAwMDAwMCBuIAowMDAwMDAwMjY1IDAwMDAwIG4gCjAwMDAwMDA0MDYgMDAwMDAgbiAKMDAwMDAwMDQ3NiAw"
        "MDAwMCBuIAp0cmFpbGVyCjw8IC9TaXplIDcgL1Jvb3QgMSAwIFIgPj4Kc3RhcnR4cmVmCjkzMAolJUVPRgo="
    )
    pages = list(load_bytes(data, "odd.pdf", Settings()).pages)
    assert len(pages) == 1 and pages[0].image is not None
