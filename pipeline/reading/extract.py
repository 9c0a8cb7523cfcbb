"""The per-file chain: decode → OCR (or PDF text) → lines → split → classify → extract.

Every failure ends as an Extraction with `doc_type: unknown` and a Notice saying what went
wrong, so a batch never stops on one bad file (paperless-ngx's consumer does the same).
"""

from __future__ import annotations

import ctypes
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np

from extractors.classify import Classification, classify
from extractors.doc_types import extract_fields
from extractors.lines import group_lines
from models import DocType, Extraction, Field, Line, Notice, Word
from models.extraction import FIELDS_BY_DOC_TYPE
from pipeline.config import Settings
from pipeline.errors import IngestError
from pipeline.reading.ingest import LoadedDocument, PageImage, load_bytes, load_document
from pipeline.reading.ocr import OcrFailed, OcrOptions, OcrTimeout
from pipeline.reading.read import read_again as read_raster_again
from pipeline.reading.read import read_raster
from pipeline.reading.reread import (
    fails_validation,
    fill_unread,
    reread_members,
    reread_name_spacing,
    reread_number_fields,
)
from pipeline.reading.reread import validity as _validity

log = logging.getLogger(__name__)


@dataclass
class ReadPage:
    """A page after OCR: its words, rebuilt lines and its own classification."""

    number: int
    image: np.ndarray | None
    words: list[Word]
    lines: list[Line]
    classification: Classification
    notices: list[Notice]
    engine: str = "tesseract"  # whose words: "tesseract" (or the text layer) or "ppocr"
    letter_height: float | None = None


def ocr_options(settings: Settings, dpi: int) -> OcrOptions:
    return OcrOptions(
        languages=settings.ocr_languages,
        psm=settings.ocr_psm,
        dpi=dpi,
        timeout_seconds=settings.ocr_timeout_seconds,
    )


def read_page(page: PageImage, settings: Settings) -> ReadPage:
    """Words of one page: the PDF text layer as it is, or a raster prepared and OCR'd."""
    notices: list[Notice] = []
    words = page.page.words
    image = page.image
    if image is not None:
        try:
            raster = read_raster(
                image,
                page.page.dpi,
                page.page.number,
                ocr_options(settings, page.page.dpi),
                settings.ocr_cache_dir,
                settings.second_engine,
            )
        except (OcrTimeout, OcrFailed) as exc:
            code = "ocr_timeout" if isinstance(exc, OcrTimeout) else "ocr_failed"
            notices.append(Notice(code=code, message=f"page {page.page.number}: {exc}"))
            raster = None
        if raster is not None:
            image, words = raster.image, raster.words
            notices.extend(raster.notices)
            page.page.rotation = (page.page.rotation + raster.rotation) % 360
            page.page.width, page.page.height = image.shape[1], image.shape[0]
            page.page.dpi = raster.dpi
            if raster.classification is not None:  # read_raster already classified the page
                lines, c = raster.lines, raster.classification
                return ReadPage(
                    page.page.number, image, words, lines, c, notices,
                    raster.engine, raster.letter_height,
                )  # fmt: skip
    lines = group_lines(words)
    return ReadPage(page.page.number, image, words, lines, classify(lines), notices)


def split_documents(pages: list[ReadPage]) -> list[list[ReadPage]]:
    """Group consecutive pages into documents: a page with a title starts a new one.

    A page without a recognisable title (a KK's second sheet, a letter's continuation)
    belongs to the document before it.
    """
    groups: list[list[ReadPage]] = []
    for page in pages:
        c = page.classification
        starts_new = not groups or (
            c.doc_type is not DocType.unknown
            and (c.titled or c.doc_type is not groups[-1][0].classification.doc_type)
        )
        if starts_new:
            groups.append([page])
        else:
            groups[-1].append(page)
    return groups


def extract_document(
    source: str, sha256: str | None, pages: list[ReadPage], settings: Settings
) -> Extraction:
    lines = [line for page in pages for line in page.lines]
    classification = classify(lines) if len(pages) > 1 else pages[0].classification
    doc_type = classification.doc_type
    result = extract_fields(doc_type, lines)
    if settings.second_engine and fails_validation(doc_type, result, lines):
        again = read_again(pages)  # the pages Tesseract read, now by the second engine
        if again is not None:
            lines_again = [line for page in again for line in page.lines]
            c_again = classify(lines_again) if len(again) > 1 else again[0].classification
            result_again = extract_fields(c_again.doc_type, lines_again)
            if _validity(c_again.doc_type, result_again) > _validity(doc_type, result):
                pages, lines, classification = again, lines_again, c_again
                doc_type, result = c_again.doc_type, result_again
            elif c_again.doc_type is doc_type:
                fill_unread(doc_type, result, result_again)
    images = {p.number: p.image for p in pages if p.image is not None}
    if images:
        changed, reread_notices = reread_number_fields(
            result.fields,
            lines,
            images,
            ocr_options(settings, settings.raster_dpi),
            settings.ocr_cache_dir,
            doc_type,
        )
        if changed:
            result.fields.update(changed)
            number_codes = {
                "nik_invalid",
                "nik_unknown_region",
                "kk_number_invalid",
                "kk_number_unknown_region",
            }
            result.notices = [n for n in result.notices if n.code not in number_codes]
        result.notices.extend(n for n in reread_notices if n not in result.notices)
        result.fields.update(
            reread_name_spacing(
                result.fields, images, ocr_options(settings, settings.raster_dpi),
                settings.ocr_cache_dir,
            )
        )  # fmt: skip
        if doc_type is DocType.kk and result.members:
            kk_number = result.fields["kk_number"].value if "kk_number" in result.fields else None
            result.members, member_notices = reread_members(
                lines,
                images,
                ocr_options(settings, settings.raster_dpi),
                settings.ocr_cache_dir,
                kk_number,
            )
            result.notices = [n for n in result.notices if not n.code.startswith("kk_member")]
            result.notices.extend(member_notices)
    fields = {
        name: result.fields.get(name, Field(name=name)) for name in FIELDS_BY_DOC_TYPE[doc_type]
    }
    notices = [n for page in pages for n in page.notices] + result.notices
    if doc_type is DocType.unknown:
        text = " ".join(line.text for line in lines).strip()
        message = (
            "no text could be read on the page"
            if not text
            else "the page does not look like a faskes letter, SKTM, KK or KTP"
        )
        notices.append(Notice(code="unknown_document", message=message))
    return Extraction(
        source=source,
        page=pages[0].number,
        pages=[p.number for p in pages],
        sha256=sha256,
        doc_type=doc_type,
        doc_type_confidence=classification.confidence,
        fields=fields,
        members=result.members,
        warnings=notices,
    )


def read_again(pages: list[ReadPage]) -> list[ReadPage] | None:
    """The document's pages with those Tesseract read (and kept) read by the second engine
    on the same prepared image; None when there is none to read again."""
    if not any(p.engine == "tesseract" and p.image is not None for p in pages):
        return None
    again: list[ReadPage] = []
    for page in pages:
        if page.engine != "tesseract" or page.image is None:
            again.append(page)
            continue
        words = read_raster_again(page.image, page.number, page.letter_height)
        lines = group_lines(words)
        again.append(
            replace(page, words=words, lines=lines, classification=classify(lines), engine="ppocr")
        )
    return again


def extract_file(path: Path, source: str, settings: Settings) -> list[Extraction]:
    """All documents in one file. Never raises for a bad file: it becomes a warning."""
    return _extract_loaded(lambda: load_document(path, source, settings), source, settings)


def extract_data(data: bytes, source: str, settings: Settings) -> list[Extraction]:
    """All documents in one object's bytes (from storage); same promise as `extract_file`."""
    return _extract_loaded(lambda: load_bytes(data, source, settings), source, settings)


def _extract_loaded(
    load: Callable[[], LoadedDocument], source: str, settings: Settings
) -> list[Extraction]:
    """Any exception from any library while reading one file becomes that file's warning:
    before the first page, the file is `unknown` with it; later, the pages read so far are
    kept and the warning says where reading stopped. PDF pages are decoded inside the loop,
    one at a time, so the per-file time limit covers decoding too, and page images beyond
    `max_kept_image_bytes` are not kept for re-reading (memory stays bounded)."""
    try:
        loaded = load()
        remaining = iter(loaded.pages)
    except Exception as exc:
        return [failed(source, _problem(source, exc, "unreadable_file"))]
    extra = [Notice(code=code, message=message) for code, message in loaded.notes]
    deadline = time.monotonic() + settings.file_timeout_seconds
    pages: list[ReadPage] = []
    kept = 0
    while True:
        if pages and time.monotonic() > deadline:  # a 200-page PDF must not hold a worker
            message = (
                f"reading stopped after {len(pages)} of {len(loaded.pages)} pages "
                f"(time limit of {settings.file_timeout_seconds:.0f} s per file)"
            )
            extra.append(Notice(code="file_timeout", message=message))
            break
        stage = "unreadable_file"
        try:
            page = next(remaining, None)
            if page is None:
                break
            stage = "ocr_failed"  # an engine crash on one file must not end the batch
            read = read_page(page, settings)
        except Exception as exc:
            problem = _problem(source, exc, stage)
            if not pages:
                return [failed(source, problem)]
            extra.append(problem)
            break
        if read.image is not None:
            kept += read.image.nbytes
            read.image = read.image if kept <= settings.max_kept_image_bytes else None
        pages.append(read)
        give_back_memory()
    try:
        extractions = [
            extract_document(source, loaded.document.sha256, group, settings)
            for group in split_documents(pages)
        ]
    except Exception as exc:
        return [failed(source, _problem(source, exc, "unreadable_file"))]
    if not extractions:
        return [failed(source, Notice(code="unreadable_file", message="the file has no pages"))]
    extractions[0].warnings[:0] = extra
    return extractions


@cache
def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def give_back_memory() -> None:
    """Return the heap freed by a page to the system (glibc's `malloc_trim`; elsewhere
    nothing): a photo's copies and PP-OCR's activations are freed after each page, but glibc
    keeps freed memory in one arena per worker thread, so a long batch would hold every
    worker's worst page at once, for good."""
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


def _problem(source: str, exc: Exception, code: str) -> Notice:
    """The warning for a failure: a typed one as it is, anything else by its kind only (a
    library's message may quote the file's contents); the traceback goes to the log."""
    if isinstance(exc, IngestError):
        log.warning("%s: %s (%s)", source, exc.message, exc.code)
        return Notice(code=exc.code, message=exc.message)
    if isinstance(exc, OSError):
        reason = exc.strerror or type(exc).__name__
        log.warning("%s: cannot read (%s)", source, reason)
        return Notice(code=code, message=f"cannot read: {reason}")
    log.warning("%s: reading failed (%s)", source, type(exc).__name__, exc_info=exc)
    what = "OCR failed" if code == "ocr_failed" else "the file could not be read"
    return Notice(code=code, message=f"{what} ({type(exc).__name__})")


def failed(source: str, notice: Notice) -> Extraction:
    return Extraction(source=source, doc_type=DocType.unknown, warnings=[notice])
