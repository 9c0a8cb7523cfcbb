"""Mutated PDFs and images (hypothesis, bounded): decoding one never raises anything but a
typed IngestError (which the chain turns into the file's warning) and never hangs."""

from __future__ import annotations

import io
import zlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from pipeline.config import Settings
from pipeline.errors import IngestError
from pipeline.reading.extract import _extract_loaded
from pipeline.reading.ingest import load_bytes
from tests.pipeline.reading.test_hostile_input import one_page_pdf, stream

SETTINGS = Settings(max_pdf_pages=3, max_pixels=4_000_000, raster_dpi=72, ocr_cache_dir=None)


def _seed_pdf() -> bytes:
    content = b"BT /F1 12 Tf 72 700 Td (NIK 6101014507890003) Tj ET 0 0 m 100 100 l S"
    return one_page_pdf(
        b"/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /I 6 0 R >> >>",
        stream(zlib.compress(content), b"/Filter /FlateDecode"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        stream(zlib.compress(bytes(range(256)) * 4), b"/Type /XObject /Subtype /Image "
               b"/Width 32 /Height 32 /ColorSpace /DeviceGray /BitsPerComponent 8 "
               b"/Filter /FlateDecode"),
    )  # fmt: skip


def _seed_images() -> list[bytes]:
    image = Image.new("L", (160, 120), 255)
    image.paste(0, (20, 20, 140, 40))
    seeds = []
    for fmt in ("PNG", "JPEG", "TIFF", "WEBP", "BMP"):
        buffer = io.BytesIO()
        image.save(buffer, fmt)
        seeds.append(buffer.getvalue())
    return seeds


SEEDS = [_seed_pdf(), *_seed_images()]


@st.composite
def mutated(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "repeat"]))
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 64))] * draw(st.integers(2, 50))
        if len(data) < 8:
            break
    return bytes(data)


def _decode(data: bytes) -> None:
    try:
        loaded = load_bytes(data, "fuzz", SETTINGS)
        for page in loaded.pages:
            assert page.image is not None or page.page.words is not None
    except IngestError:
        pass


@settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(mutated())
def test_mutated_files_decode_or_get_a_typed_refusal(data: bytes):
    _decode(data)


@settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(mutated())
def test_the_chain_never_raises_on_a_mutated_file(data: bytes):
    """The chain's guard: whatever a library raises, one warning, never an exception. Pages
    that decode are not OCR'd here (a budget of 0 s); the guard is what is tested."""
    fast = SETTINGS.model_copy(update={"file_timeout_seconds": 0.0})
    extractions = _extract_loaded(lambda: _no_ocr(data, fast), "fuzz", fast)
    assert extractions and all(e.source == "fuzz" for e in extractions)


def _no_ocr(data: bytes, settings: Settings):
    loaded = load_bytes(data, "fuzz", settings)
    loaded.pages = [p for p in loaded.pages if p.image is None]  # text-layer pages only
    return loaded
