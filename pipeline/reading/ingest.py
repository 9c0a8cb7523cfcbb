"""Decode a file into page images (or text-layer words), refusing what is unsafe to decode.

The media type comes from the bytes, never the extension: a PNG named `.jpg` is read as a
PNG, and a text file named `.jpg` is refused with a message that says so.
"""

from __future__ import annotations

import hashlib
import io
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
from PIL import Image, ImageOps, UnidentifiedImageError

from models import Box, Document, Page, TextSource, Word
from pipeline.config import Settings
from pipeline.errors import (
    CorruptFile,
    EmptyFile,
    EncryptedPdf,
    FileTooLarge,
    ImageTooLarge,
    ImageTooSmall,
    UnsupportedFormat,
)

# PDFium is not thread-safe, and files are read in threads: every PDFium call holds this.
PDFIUM_LOCK = threading.Lock()

# Decompression-bomb checks are ours (ImageTooLarge, before decoding); PIL's own limit would
# raise an unlabelled error, so it is lifted and replaced by Settings.max_pixels.
Image.MAX_IMAGE_PIXELS = None

IMAGE_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "TIFF": "image/tiff",
    "WEBP": "image/webp",
    "BMP": "image/bmp",
}


@dataclass
class PageImage:
    """One decoded page: a raster (grayscale, or RGB when the file is in colour, so stamps
    and tinted backgrounds can be told from ink), or the words of a real PDF text layer."""

    page: Page
    image: np.ndarray | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class LoadedDocument:
    document: Document
    pages: list[PageImage]
    notes: list[tuple[str, str]] = field(default_factory=list)


def sniff_media_type(head: bytes) -> str | None:
    """The media type from the first bytes of a file, or None when it is nothing we read."""
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"BM"):
        return "image/bmp"
    return None


def describe_unknown(head: bytes) -> str:
    """A guess at what a refused file is, so the message helps the person who sent it."""
    text = head[:512].lstrip().lower()
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive (or an Office document)"
    if text.startswith((b"<!doctype html", b"<html")):
        return "a web page (HTML)"
    if head.startswith(b"GIF8"):
        return "a GIF image"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypmsf1"):
        return "a HEIC photo (iPhone format)"
    try:
        head[:512].decode("utf-8")
        return "a text file"
    except UnicodeDecodeError:
        return "an unknown binary format"


def load_document(path: Path, source: str, settings: Settings) -> LoadedDocument:
    """Read, hash and decode one file. Raises an IngestError subclass with a plain message."""
    check_size(path.stat().st_size, settings)
    return load_bytes(path.read_bytes(), source, settings)


def check_size(size: int, settings: Settings) -> None:
    if size == 0:
        raise EmptyFile("the file is empty (0 bytes); please send it again")
    if size > settings.max_file_bytes:
        raise FileTooLarge(
            f"the file is {size / 1e6:.0f} MB, above the limit of "
            f"{settings.max_file_bytes / 1e6:.0f} MB"
        )


def load_bytes(data: bytes, source: str, settings: Settings) -> LoadedDocument:
    """Hash and decode one file's bytes (an object from storage, or a file read above)."""
    size = len(data)
    check_size(size, settings)
    media_type = sniff_media_type(data[:1024])
    if media_type is None:
        raise UnsupportedFormat(
            f"the file is {describe_unknown(data)}, not a photo, scan or PDF "
            "(JPEG, PNG, TIFF, WebP, BMP or PDF)"
        )
    document = Document(
        source=source,
        sha256=hashlib.sha256(data).hexdigest(),
        media_type=media_type,
        size_bytes=size,
    )
    if media_type == "application/pdf":
        pages, notes = _load_pdf(data, settings)
    else:
        pages, notes = _load_image(data, settings)
    document.pages = [p.page for p in pages]
    return LoadedDocument(document=document, pages=pages, notes=notes)


def _load_image(data: bytes, settings: Settings) -> tuple[list[PageImage], list[tuple[str, str]]]:
    try:
        image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError as exc:
        raise CorruptFile("the image is damaged and cannot be opened") from exc
    except Exception as exc:  # PIL raises many types for broken headers
        raise CorruptFile(f"the image header is damaged ({type(exc).__name__})") from exc
    pages: list[PageImage] = []
    notes: list[tuple[str, str]] = []
    frames = getattr(image, "n_frames", 1)
    if frames > 1 and image.format != "TIFF":  # an animation, not a multi-page scan
        notes.append(("animated_image", f"the image is animated ({frames} frames); only the "
                      "first frame was read"))  # fmt: skip
        frames = 1
    for index in range(frames):
        image.seek(index)
        check_dimensions(*image.size, settings)
        pages.append(_decode_frame(image, index + 1))
    return pages, notes


MIN_SIDE = 100  # below this no document text is legible: a thumbnail, an icon
MAX_SIDE = 32_000  # Tesseract refuses anything longer than 32,767 pixels


def check_dimensions(width: int, height: int, settings: Settings) -> None:
    """Refuse, before decoding, an image no page can be: too many pixels, too long, too small."""
    if width * height > settings.max_pixels:
        raise ImageTooLarge(
            f"the image is {width}x{height} pixels ({width * height / 1e6:.0f} megapixels), "
            f"above the limit of {settings.max_pixels / 1e6:.0f}; please send a smaller photo"
        )
    if max(width, height) > MAX_SIDE:
        raise ImageTooLarge(f"the image is {width}x{height} pixels, longer than any document page")
    if min(width, height) < MIN_SIDE:
        raise ImageTooSmall(
            f"the image is only {width}x{height} pixels; please send the photo itself, "
            "not a thumbnail"
        )


def _decode_frame(image: Image.Image, number: int) -> PageImage:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image.load()
            orientation = image.getexif().get(0x0112, 1)
            # Each Pillow step copies the pixels even when it has nothing to do: skip those.
            upright = ImageOps.exif_transpose(image) if orientation != 1 else image
            mode = "L" if upright.mode in ("1", "L", "I;16", "I", "LA") else "RGB"
            pixels = upright if upright.mode == mode else upright.convert(mode)
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorruptFile(
            "the image is damaged or incomplete (the file was cut off while sending?)"
        ) from exc
    dpi = _image_dpi(image)
    rotation = {3: 180, 6: 90, 8: 270}.get(orientation, 0)
    page = Page(number=number, width=pixels.width, height=pixels.height, dpi=dpi, rotation=rotation)
    return PageImage(page=page, image=np.asarray(pixels))


def _image_dpi(image: Image.Image) -> int:
    dpi = image.info.get("dpi")
    try:
        value = round(float(dpi[0])) if dpi else 0
    except (TypeError, ValueError, IndexError):
        value = 0
    return value if 50 <= value <= 1200 else 300


COLOUR_PAGES = 10  # a longer PDF is rendered in grey: 26 MB a colour page adds up


def _load_pdf(data: bytes, settings: Settings) -> tuple[list[PageImage], list[tuple[str, str]]]:
    text_pages = _pdf_text_words(data, settings.max_pdf_pages, settings.raster_dpi)
    with PDFIUM_LOCK:
        return _load_pdf_locked(data, settings, text_pages)


def _load_pdf_locked(
    data: bytes, settings: Settings, text_pages: dict[int, list[Word]]
) -> tuple[list[PageImage], list[tuple[str, str]]]:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise EncryptedPdf(
                "the PDF is password-protected; please send it without a password"
            ) from exc
        raise CorruptFile(f"the PDF is damaged and cannot be opened ({exc})") from exc
    notes: list[tuple[str, str]] = []
    count = len(pdf)
    if count == 0:
        raise CorruptFile("the PDF has no pages")
    if count > settings.max_pdf_pages:
        notes.append(
            (
                "too_many_pages",
                f"the PDF has {count} pages; only the first {settings.max_pdf_pages} were read",
            )
        )
        count = settings.max_pdf_pages
    try:
        return _render_pages(pdf, count, settings, text_pages), notes
    finally:
        pdf.close()


def _render_pages(
    pdf: pdfium.PdfDocument, count: int, settings: Settings, text_pages: dict[int, list[Word]]
) -> list[PageImage]:
    pages: list[PageImage] = []
    grey = count > COLOUR_PAGES
    for index in range(count):
        pdf_page = pdf[index]
        width_pt, height_pt = pdf_page.get_size()
        words = text_pages.get(index)
        if words is not None:
            scale = settings.raster_dpi / 72
            page = Page(
                number=index + 1,
                width=round(width_pt * scale),
                height=round(height_pt * scale),
                dpi=settings.raster_dpi,
                text_source=TextSource.pdf_text,
                words=words,
            )
            pages.append(PageImage(page=page))
            continue
        dpi = _fit_dpi(width_pt, height_pt, settings.raster_dpi, settings.max_pixels)
        if dpi < 72 or max(width_pt, height_pt) * dpi / 72 > MAX_SIDE:
            raise ImageTooLarge(
                f"page {index + 1} of the PDF is {width_pt:.0f}x{height_pt:.0f} points, "
                "far larger than a document page"
            )
        bitmap = pdf_page.render(scale=dpi / 72, rev_byteorder=True, grayscale=grey)
        array = np.array(bitmap.to_numpy())
        array = array[:, :, 0] if grey and array.ndim == 3 else array
        array = array[:, :, :3] if array.ndim == 3 else array
        page = Page(number=index + 1, width=array.shape[1], height=array.shape[0], dpi=dpi)
        pages.append(PageImage(page=page, image=array))
    return pages


def _fit_dpi(width_pt: float, height_pt: float, dpi: int, max_pixels: int) -> int:
    """The raster dpi, lowered when the page would exceed the pixel or side limit at full dpi."""
    pixels = (width_pt * dpi / 72) * (height_pt * dpi / 72)
    by_pixels = dpi if pixels <= max_pixels else int(dpi * (max_pixels / pixels) ** 0.5)
    return min(by_pixels, int(MAX_SIDE * 72 / max(width_pt, height_pt, 1)))


def _pdf_text_words(data: bytes, count: int, dpi: int) -> dict[int, list[Word]]:
    """Words of pages whose text layer is real text; pages without one are left out."""
    result: dict[int, list[Word]] = {}
    scale = dpi / 72
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for index, page in enumerate(pdf.pages[:count]):
                raw = page.extract_words(keep_blank_chars=False, use_text_flow=False)
                words = [
                    Word(
                        text=w["text"],
                        box=Box(
                            left=round(w["x0"] * scale),
                            top=round(w["top"] * scale),
                            width=max(1, round((w["x1"] - w["x0"]) * scale)),
                            height=max(1, round((w["bottom"] - w["top"]) * scale)),
                        ),
                        confidence=0.99,
                        page=index + 1,
                    )
                    for w in raw
                ]
                if is_real_text(words):
                    result[index] = words
    except Exception:  # a broken text layer is not fatal: the page is OCR'd instead
        return {}
    return result


def is_real_text(words: list[Word]) -> bool:
    """True when a text layer looks like real text rather than an empty or garbage layer."""
    text = "".join(w.text for w in words)
    if len(words) < 8 or len(text) < 40:
        return False
    alnum = sum(ch.isalnum() for ch in text)
    vowels = sum(ch in "aiueoAIUEO" for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    return alnum / len(text) >= 0.7 and (letters == 0 or vowels / letters >= 0.2)
