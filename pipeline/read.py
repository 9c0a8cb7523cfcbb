"""From a raster page to words: the preprocessing chain and OCR, with orientation recovery.

The chain (each step in `preprocess`): measure quality on the page as received → drop colour
→ find the sheet in a photo and undo perspective → even out the background → turn a page
lying on its side (cheap profile test, then OSD for the direction) → deskew → scale letters
to the size Tesseract reads best → remove ruled lines → OCR. A page read upside down
gives garbage, which is noticed after OCR (few confident words): then OSD decides and the page
is read again. Upright pages, the common case, pay for none of that.

Word boxes refer to the prepared image returned with them; that image is what the review
screen shows.
"""

from __future__ import annotations

import resource
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from extractors.classify import Classification, classify
from extractors.lines import group_lines
from models import DocType, Line, Notice, Word
from pipeline.ocr import OcrOptions, Orientation, detect_orientation, ocr_image
from pipeline.preprocess import (
    TARGET_TEXT_HEIGHT,
    crop_to_text,
    find_page_quad,
    flatten_background,
    remove_rules,
    remove_specks,
    rotate_quarter,
    rotate_small,
    scale_for_text,
    skew_angle,
    text_runs_vertically,
    to_gray,
    warp_page,
    work_copy,
)
from pipeline.quality import measure

MIN_OSD_CONFIDENCE = 1.0
GARBAGE_CONFIDENCE = 0.6  # mean word confidence below which a page may be upside down


@dataclass
class RasterRead:
    image: np.ndarray
    words: list[Word]
    dpi: int
    rotation: int = 0
    skew: float = 0.0
    scale: float = 1.0
    warped: bool = False
    notices: list[Notice] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    classification: Classification | None = None  # of `lines`; the caller need not redo it
    cost: Cost = field(default_factory=lambda: Cost())


@dataclass
class Cost:
    """CPU seconds spent on one page: our preparation (this thread), the first recognition,
    and the extra Tesseract runs orientation recovery needed (OSD, a second reading).

    Tesseract's figures come from the clock of reaped child processes, which is shared by the
    whole process: they are exact only while one page is read at a time (a timing pass).
    """

    prep: float = 0.0
    ocr: float = 0.0
    extra: float = 0.0

    @property
    def overhead(self) -> float:
        """What preparation adds to the OCR time of the page, as a share of it."""
        return (self.prep + self.extra) / self.ocr if self.ocr else 0.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _half(gray: np.ndarray) -> np.ndarray:
    return cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)


@dataclass
class _Reading:
    words: list[Word]
    lines: list[Line]
    classification: Classification


def _reading(words: list[Word]) -> _Reading:
    lines = group_lines(words)
    return _Reading(words, lines, classify(lines))


def _looks_unreadable(reading: _Reading) -> bool:
    """Few or unsure words, or no document type recognised: maybe read upside down."""
    real = [w for w in reading.words if len(w.text) >= 3 and any(c.isalnum() for c in w.text)]
    if len(real) < 8:
        return True
    if sum(w.confidence for w in real) / len(real) < GARBAGE_CONFIDENCE:
        return True
    return reading.classification.doc_type is DocType.unknown


def read_raster(
    image: np.ndarray,
    dpi: int,
    page: int,
    options: OcrOptions,
    cache_dir: Path | None = None,
) -> RasterRead:
    """Prepare one raster page and read it. Raises OcrTimeout like `ocr_image`."""
    started = time.thread_time()
    gray = to_gray(image)
    notices = measure(gray).notices()
    result = RasterRead(image=gray, words=[], dpi=dpi, notices=notices)

    quad = find_page_quad(image)
    if quad is not None:
        gray = warp_page(gray, quad)
        result.warped = True
    # Light and rules first: a shadow band or a table's rules would fool the profile test.
    gray, letter_height = remove_specks(flatten_background(gray, dpi))
    gray = remove_rules(gray, dpi, letter_height)
    # The side test and the skew search share one small copy (geometry needs no detail).
    small, _ = work_copy(gray)
    if text_runs_vertically(small):
        orientation = _osd(gray, result.cost)
        sure = orientation.confidence >= MIN_OSD_CONFIDENCE
        if not (sure and orientation.rotate in (0, 180)):
            turn = orientation.rotate if orientation.rotate in (90, 270) else 90
            gray, small = rotate_quarter(gray, turn), rotate_quarter(small, turn)
            result.rotation = turn
    result.skew = skew_angle(small)
    gray = rotate_small(gray, -result.skew)
    if letter_height is not None and letter_height * 1.4 < TARGET_TEXT_HEIGHT:
        gray = crop_to_text(gray, letter_height)  # what is enlarged, keep small
    gray, result.scale = scale_for_text(gray, letter_height)
    result.dpi = round(dpi * result.scale)

    def ocr(img: np.ndarray, first: bool) -> list[Word]:
        begun = _children_cpu()
        try:
            return ocr_image(img, _with_dpi(options, result.dpi), page, cache_dir)
        finally:
            spent = _children_cpu() - begun
            if first:
                result.cost.ocr += spent
            else:
                result.cost.extra += spent

    reading = _reading(ocr(gray, first=True))
    if _looks_unreadable(reading):
        # Upside down, or turned the wrong way after the side test: OSD says which; when it
        # is unsure the half turn is simply tried. The better reading is kept.
        orientation = _osd(gray, result.cost)
        sure = orientation.confidence >= MIN_OSD_CONFIDENCE and orientation.rotate
        turn = orientation.rotate if sure else 180
        if turn:
            turned = rotate_quarter(gray, turn)
            again = _reading(ocr(turned, first=False))
            if _score(again) > _score(reading):
                gray, reading = turned, again
                result.rotation = (result.rotation + turn) % 360
    result.image, result.words = gray, reading.words
    result.lines, result.classification = reading.lines, reading.classification
    result.cost.prep = time.thread_time() - started
    return result


def _osd(gray: np.ndarray, cost: Cost) -> Orientation:
    begun = _children_cpu()
    try:
        return detect_orientation(_half(gray))
    finally:
        cost.extra += _children_cpu() - begun


def _with_dpi(options: OcrOptions, dpi: int) -> OcrOptions:
    return replace(options, dpi=dpi)


def _score(reading: _Reading) -> tuple[float, float]:
    """Which of two readings of a page is right: the one that looks like a known document,
    then the one with more confident words."""
    scores = reading.classification.scores.values()
    return max(scores, default=0.0), sum(w.confidence for w in reading.words if len(w.text) >= 3)
