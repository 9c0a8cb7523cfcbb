"""Page images for the review screen, in the pixel frame of the stored word boxes.

Boxes refer to the prepared page (straightened, turned upright, scaled for OCR: see
`pipeline/reading/read.py`), not to the photo as sent, so the image shown must be that
prepared page.
It is stored under `pages/<sha256>/<page>.png` when first needed: rebuilt from
`originals/<sha256>` by the same `read_page` the pipeline ran (with the OCR cache set, the
rebuild does no OCR), or, for a PDF text-layer page, the PDF rendered at the raster dpi the
boxes were scaled to.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pypdfium2 as pdfium

from pipeline.config import Settings
from pipeline.reading.extract import read_page
from pipeline.reading.ingest import PDFIUM_LOCK, load_bytes
from pipeline.storage import Storage


class PageMissing(LookupError):
    """The original file or the page is not in storage."""


_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def page_key(sha256: str, page: int) -> str:
    return f"pages/{sha256}/{page}.png"


def page_png(storage: Storage, settings: Settings, sha256: str, page: int) -> bytes:
    """The prepared page image as PNG, built once and kept in storage."""
    key = page_key(sha256, page)
    if storage.exists(key):
        return storage.get(key)
    with _locks_guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:  # two requests for one page build it once
        if storage.exists(key):
            return storage.get(key)
        png = _render(storage, settings, sha256, page)
        storage.put(key, png)
        return png


def _render(storage: Storage, settings: Settings, sha256: str, number: int) -> bytes:
    original = f"originals/{sha256}"
    if not storage.exists(original):
        raise PageMissing(f"{original} is not in storage")
    data = storage.get(original)
    loaded = load_bytes(data, original, settings)
    page = next((p for p in loaded.pages if p.page.number == number), None)
    if page is None:
        raise PageMissing(f"{original} has no page {number}")
    if page.image is None:
        image = _render_pdf_page(data, number, settings.raster_dpi)
    else:
        read = read_page(page, settings)
        image = read.image if read.image is not None else page.image
    ok, encoded = cv2.imencode(".png", image if image.ndim == 2 else image[:, :, ::-1])
    if not ok:
        raise PageMissing(f"page {number} of {original} could not be encoded")
    return encoded.tobytes()


def _render_pdf_page(data: bytes, number: int, dpi: int) -> np.ndarray:
    """A text-layer page: its words were scaled from PDF points to this dpi."""
    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(data)
        try:
            bitmap = pdf[number - 1].render(scale=dpi / 72, grayscale=True)
            array = np.array(bitmap.to_numpy())
        finally:
            pdf.close()
    return array[:, :, 0] if array.ndim == 3 else array
