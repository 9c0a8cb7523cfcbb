"""Decode a file into page images (or text-layer words), refusing what is unsafe to decode.

The media type comes from the bytes, never the extension: a PNG named `.jpg` is read as a
PNG, and a text file named `.jpg` is refused with a message that says so.
"""

from __future__ import annotations

import hashlib
import io
import threading
import warnings
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import overload

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import PDFStream, resolve1
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
    IngestError,
    PdfTooComplex,
    UnsupportedFormat,
)
from pipeline.storage import read_regular

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
    """A file's pages: a list for images, decoded on demand for PDFs (`PdfPages`)."""

    document: Document
    pages: Sequence[PageImage]
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
    """Read, hash and decode one file. Raises an IngestError subclass with a plain message.

    Only a regular file is read (never a link, FIFO or device), and its size is checked first.
    """
    return load_bytes(read_regular(path, settings.max_file_bytes), source, settings)


def check_size(size: int, settings: Settings) -> None:
    if size == 0:
        raise EmptyFile("the file is empty (0 bytes); please send it again")
    if size > settings.max_file_bytes:
        raise FileTooLarge.of(size, settings.max_file_bytes)


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
    return LoadedDocument(document=document, pages=pages, notes=notes)


def _load_image(
    data: bytes, settings: Settings
) -> tuple[Sequence[PageImage], list[tuple[str, str]]]:
    try:
        image = Image.open(io.BytesIO(data))
        frames = getattr(image, "n_frames", 1)
    except UnidentifiedImageError as exc:
        raise CorruptFile("the image is damaged and cannot be opened") from exc
    except Exception as exc:  # PIL raises many types for broken headers
        raise CorruptFile(f"the image header is damaged ({type(exc).__name__})") from exc
    notes: list[tuple[str, str]] = []
    if frames > 1 and image.format != "TIFF":  # an animation, not a multi-page scan
        notes.append(("animated_image", f"the image is animated ({frames} frames); only the "
                      "first frame was read"))  # fmt: skip
        frames = 1
    if frames > settings.max_pdf_pages:
        notes.append(("too_many_pages", f"the TIFF has {frames} pages; only the first "
                      f"{settings.max_pdf_pages} were read"))  # fmt: skip
        frames = settings.max_pdf_pages
    if frames == 1:
        check_dimensions(*image.size, settings)
        return [_decode_frame(image, 1)], notes
    return TiffFrames(image, frames, settings), notes


class TiffFrames(Sequence[PageImage]):
    """A multi-page TIFF's pages, each decoded when asked for (like `PdfPages`)."""

    def __init__(self, image: Image.Image, count: int, settings: Settings) -> None:
        self.image, self.count, self.settings = image, count, settings

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.count))]
        if not -self.count <= index < self.count:
            raise IndexError(index)
        index %= self.count
        self.image.seek(index)
        check_dimensions(*self.image.size, self.settings)
        return _decode_frame(self.image, index + 1)


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
FLATE = {"FlateDecode", "Fl"}


def _load_pdf(data: bytes, settings: Settings) -> tuple[PdfPages, list[tuple[str, str]]]:
    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise EncryptedPdf(
                    "the PDF is password-protected; please send it without a password"
                ) from exc
            raise CorruptFile(f"the PDF is damaged and cannot be opened ({exc})") from exc
        try:
            count = len(pdf)
        finally:
            pdf.close()
    notes: list[tuple[str, str]] = []
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
    return PdfPages(data, count, settings), notes


class PdfPages(Sequence[PageImage]):
    """A PDF's pages, each decoded only when it is asked for and not kept: reading a 200-page
    A3 scan holds one rendered page at a time, and the per-file time limit covers rendering.

    Before either library parses a page, its drawing instructions (and those of the forms it
    draws) are unpacked up to `max_pdf_page_bytes` and its images' sizes are checked, so a
    1 MB page holding 1 GB of compressed data is refused instead of unpacked.
    """

    def __init__(self, data: bytes, count: int, settings: Settings) -> None:
        self.data, self.count, self.settings = data, count, settings
        self.grey = count > COLOUR_PAGES
        self._plumber: pdfplumber.PDF | None = None
        self._objects: list[PDFPage] = []
        self._walk: Iterator[PDFPage] | None = None

    def __len__(self) -> int:
        return self.count

    @overload
    def __getitem__(self, index: int) -> PageImage: ...
    @overload
    def __getitem__(self, index: slice) -> list[PageImage]: ...
    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.count))]
        if not -self.count <= index < self.count:
            raise IndexError(index)
        return self._page(index % self.count)

    def _page(self, index: int) -> PageImage:
        page_obj = self._page_object(index)
        if page_obj is not None:
            try:
                drawn = check_page_streams(page_obj, index + 1, self.settings)
            except IngestError:
                raise
            except Exception:  # pdfminer cannot parse the page's objects: PDFium decides
                return self._render(index)
            if drawn == 0:
                return self._text_page(index, [])  # nothing drawn: no need to render
            words = self._text_words(page_obj, index)
            if words is not None:
                return self._text_page(index, words)
        return self._render(index)

    def _page_object(self, index: int) -> PDFPage | None:
        """pdfminer's view of page `index`, walking the page tree only as far as needed;
        None when pdfminer cannot parse the file (PDFium may still render it)."""
        try:
            if self._walk is None:
                self._plumber = pdfplumber.open(io.BytesIO(self.data))
                self._walk = PDFPage.create_pages(self._plumber.doc)
            while len(self._objects) <= index:
                self._objects.append(next(self._walk))
        except Exception:  # a broken page tree or object: PDFium decides below
            self._walk = iter(())
            return None
        return self._objects[index]

    def _text_words(self, page_obj: PDFPage, index: int) -> list[Word] | None:
        """The page's text-layer words when they are real text, else None (then OCR)."""
        scale = self.settings.raster_dpi / 72
        try:
            page = pdfplumber.page.Page(self._plumber, page_obj, page_number=index + 1)
            raw = page.extract_words(keep_blank_chars=False, use_text_flow=False)
        except Exception:  # a broken text layer is not fatal: the page is OCR'd instead
            return None
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
        return words if is_real_text(words) else None

    def _text_page(self, index: int, words: list[Word]) -> PageImage:
        with PDFIUM_LOCK, _opened(self.data, index) as pdf_page:
            width_pt, height_pt = pdf_page.get_size()
        self._dpi(index, width_pt, height_pt)  # a giant sheet is refused, blank or not
        scale = self.settings.raster_dpi / 72
        page = Page(
            number=index + 1,
            width=round(width_pt * scale),
            height=round(height_pt * scale),
            dpi=self.settings.raster_dpi,
            text_source=TextSource.pdf_text,
            words=words,
        )
        return PageImage(page=page)

    def _dpi(self, index: int, width_pt: float, height_pt: float) -> int:
        """The dpi to render at: lower for a large sheet; refused for a giant one."""
        settings = self.settings
        pixels = min(settings.max_pixels, settings.max_render_pixels)
        dpi = _fit_dpi(width_pt, height_pt, settings.raster_dpi, pixels)
        if dpi < 72 or max(width_pt, height_pt) * dpi / 72 > MAX_SIDE:
            raise ImageTooLarge(
                f"page {index + 1} of the PDF is {width_pt:.0f}x{height_pt:.0f} points, "
                "far larger than a document page"
            )
        return dpi

    def _render(self, index: int) -> PageImage:
        with PDFIUM_LOCK, _opened(self.data, index) as pdf_page:
            dpi = self._dpi(index, *pdf_page.get_size())
            bitmap = pdf_page.render(scale=dpi / 72, rev_byteorder=True, grayscale=self.grey)
            try:
                view = bitmap.to_numpy()
                if view.ndim == 3:
                    view = view[:, :, 0] if self.grey else view[:, :, :3]
                array = np.array(view)  # a copy: the bitmap's memory is freed below
            finally:
                bitmap.close()
        page = Page(number=index + 1, width=array.shape[1], height=array.shape[0], dpi=dpi)
        return PageImage(page=page, image=array)


@contextmanager
def _opened(data: bytes, index: int) -> Iterator[pdfium.PdfPage]:
    """Page `index` of a freshly opened PDFium document, closed on leaving (hold the lock):
    nothing of PDFium outlives one page, so no PDFium object is ever freed without the lock."""
    pdf = pdfium.PdfDocument(data)
    try:
        try:
            pdf_page = pdf[index]
        except pdfium.PdfiumError as exc:  # e.g. a page tree that loops back on itself
            raise CorruptFile(
                f"page {index + 1} of the PDF cannot be opened: its page list is damaged"
            ) from exc
        try:
            yield pdf_page
        finally:
            pdf_page.close()
    finally:
        pdf.close()


def check_page_streams(page_obj: PDFPage, number: int, settings: Settings) -> int:
    """Refuse a page whose drawing instructions unpack to more than `max_pdf_page_bytes`
    (PdfTooComplex) or that draws an image above `max_pixels` (ImageTooLarge). Each Flate
    stream is unpacked with a cap, so the check itself never holds more than the limit.
    Returns the bytes of drawing instructions: 0 is a blank page (nothing to render)."""
    left = settings.max_pdf_page_bytes
    seen: set[int] = set()
    images = 0

    def count(stream: object) -> None:
        nonlocal left
        if not isinstance(stream, PDFStream) or id(stream) in seen:
            return
        seen.add(id(stream))
        left -= _unpacked_size(stream, max(left, 0) + 1)
        if left < 0:
            raise PdfTooComplex(
                f"page {number} of the PDF holds more than "
                f"{settings.max_pdf_page_bytes / 1e6:.0f} MB of drawing instructions once "
                "unpacked; please print it to PDF again or send a photo"
            )

    def forms(resources: object, depth: int) -> None:
        nonlocal images
        resources = resolve1(resources)
        xobjects = resolve1(resources.get("XObject")) if isinstance(resources, dict) else None
        if not isinstance(xobjects, dict) or depth > 4:
            return
        for ref in xobjects.values():
            xobject = resolve1(ref)
            if not isinstance(xobject, PDFStream) or id(xobject) in seen:
                continue
            subtype = getattr(resolve1(xobject.get("Subtype")), "name", None)
            if subtype == "Image":
                seen.add(id(xobject))
                images += 1
                width, height = (_number(xobject.get(k)) for k in ("Width", "Height"))
                if width * height > settings.max_pixels:
                    raise ImageTooLarge(
                        f"page {number} of the PDF holds a {width}x{height} pixel image, "
                        f"above the limit of {settings.max_pixels / 1e6:.0f} megapixels"
                    )
            elif subtype == "Form":
                count(xobject)
                forms(xobject.get("Resources"), depth + 1)

    contents = page_obj.contents if isinstance(page_obj.contents, list) else []
    for content in contents:
        count(resolve1(content))
    forms(page_obj.resources, 0)
    drawn = settings.max_pdf_page_bytes - left
    return drawn or images or int("Annots" in page_obj.attrs)


def _number(value: object) -> int:
    value = resolve1(value)
    return int(value) if isinstance(value, int | float) else 0


def _unpacked_size(stream: PDFStream, cap: int) -> int:
    """The stream's size after its Flate filters, counted only up to `cap` bytes."""
    data = stream.get_rawdata()
    if data is None:  # already decoded by pdfminer
        return len(stream.get_data() or b"")
    try:
        filters = stream.get_filters()
    except Exception:
        return len(data)
    for name, _params in filters:
        if getattr(name, "name", name) not in FLATE:
            break  # other filters shrink (ASCII85, hex) or are rare in scans (LZW)
        try:
            data = zlib.decompressobj().decompress(data, cap)
        except zlib.error:  # damaged: the readers will refuse it
            break
        if len(data) >= cap:
            break
    return len(data)


def _fit_dpi(width_pt: float, height_pt: float, dpi: int, max_pixels: int) -> int:
    """The raster dpi, lowered when the page would exceed the pixel or side limit at full dpi."""
    pixels = (width_pt * dpi / 72) * (height_pt * dpi / 72)
    by_pixels = dpi if pixels <= max_pixels else int(dpi * (max_pixels / pixels) ** 0.5)
    return min(by_pixels, int(MAX_SIDE * 72 / max(width_pt, height_pt, 1)))


def is_real_text(words: list[Word]) -> bool:
    """True when a text layer looks like real text rather than an empty or garbage layer."""
    text = "".join(w.text for w in words)
    if len(words) < 8 or len(text) < 40:
        return False
    alnum = sum(ch.isalnum() for ch in text)
    vowels = sum(ch in "aiueoAIUEO" for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    return alnum / len(text) >= 0.7 and (letters == 0 or vowels / letters >= 0.2)
