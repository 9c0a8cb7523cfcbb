"""From a raster page to words: the preprocessing chain and OCR, with orientation recovery.

The chain (each step in `preprocess`): measure quality on the page as received → drop colour
→ find the sheet in a photo and undo perspective → even out the background and remove dust
and ruled lines → turn a page lying on its side (cheap profile test) → deskew → turn a page
upside down (its letters' baselines, `orientation`; OSD for a page on its side whose letters
do not tell) → scale letters to the size Tesseract reads best → OCR. A page still read upside
down gives garbage, which is noticed after OCR (few confident words): then OSD decides and the
page is read again. Upright pages pay only for the baseline test, which reuses the letters
despeckling measured.

Two engines read pages (`ocr.py`: Tesseract; `ppocr.py`: PP-OCR), chosen here and only
here, page by page: Tesseract reads scans, where it is right and cheap; PP-OCR reads photos (a
sheet found on a background and straightened, `find_page_quad`, or where its outline is
missing or leaves text out, its text block: `page.text_page`) and any page that Tesseract
leaves without a document type even after the orientation recovery. A photo's text lines
are detected once, on the photo, to find its page; PP-OCR then recognises those lines where
the page's warp, turns and crops put them, without detecting again. `read_again` is the same
second engine on an already prepared page, for a document whose fields fail validation
(`extract.extract_document`). PP-OCR is imported and built only when a page needs it.

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
from pipeline.reading.ocr import OcrOptions, Orientation, detect_orientation, ocr_image
from pipeline.reading.orientation import upside_down
from pipeline.reading.page import TextLines, find_text_lines, on_a_surface, text_page
from pipeline.reading.preprocess import (
    TARGET_TEXT_HEIGHT,
    Letters,
    find_letters,
    find_page_quad,
    flatten_background,
    page_transform,
    quarter_matrix,
    remove_rules,
    remove_specks,
    rotate_quarter,
    rotate_small,
    scale_for_text,
    skew_angle,
    small_rotation,
    text_bounds,
    text_runs_vertically,
    to_gray,
    warp_page,
    work_copy,
)
from pipeline.reading.quality import measure

MIN_OSD_CONFIDENCE = 1.0
# px: a photo's letters smaller than this are enlarged for PP-OCR (a KTP photocopied on A4 and
# sent by WhatsApp has letters of 8 px, which its recogniser misspells); larger ones are not.
PPOCR_LETTER_HEIGHT = 20
# px: a photo's lines seen thinner than this by the first look (small print from afar) are
# detected again on the page, closer: on a photocopied KTP at 4.1 px the colons after its
# labels were lost, and with them the birth date; KKs at 5-6 px read the same either way.
# (Through `page.text_page`, small print is looked at closer already.)
MIN_CARRIED_THICKNESS = 4.5
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
    engine: str = "tesseract"  # which engine's words these are: "tesseract" or "ppocr"
    letter_height: float | None = None  # median letter height on `image`, px
    notices: list[Notice] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    classification: Classification | None = None  # of `lines`; the caller need not redo it
    cost: Cost = field(default_factory=lambda: Cost())


@dataclass
class Cost:
    """CPU seconds spent on one page: our preparation (this thread), the first recognition,
    the extra Tesseract runs orientation recovery needed (OSD, a second reading), and PP-OCR
    (this thread: its sessions run single-threaded in the caller's thread).

    Tesseract's figures come from the clock of reaped child processes, which is shared by the
    whole process: they are exact only while one page is read at a time (a timing pass).
    """

    prep: float = 0.0
    ocr: float = 0.0
    extra: float = 0.0
    second: float = 0.0

    @property
    def overhead(self) -> float:
        """What preparation adds to the OCR time of the page, as a share of it."""
        return (self.prep + self.extra) / self.ocr if self.ocr else 0.0

    def add(self, other: Cost) -> None:
        self.prep += other.prep
        self.ocr += other.ocr
        self.extra += other.extra
        self.second += other.second


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
    second_engine: bool = False,
    page_found: bool = False,
    lines: np.ndarray | None = None,
) -> RasterRead:
    """Prepare one raster page and read it. Raises OcrTimeout like `ocr_image`.

    With `second_engine`, a photo is read by PP-OCR, and so is a page Tesseract could not
    make out; without it, Tesseract reads everything (as before the second engine). A photo
    whose sheet has no clean outline (a busy surface), or an outline that leaves text out, is
    found by its text (`page.text_page`). `page_found`: the image is already
    the page of a photo, cut out; it is read as one. `lines`: the text lines the detector
    found on `image` ((n, 4, 2) corners, `TextLines.boxes`); a photo's text is detected once,
    to find its page, and those lines are carried through every turn and crop below to be
    recognised where they land (`_moved`)."""
    started = time.thread_time()
    gray = to_gray(image)
    result = RasterRead(image=gray, words=[], dpi=dpi, warped=page_found)

    quad = None if page_found else find_page_quad(image)
    # A photo: its text says where the page is when the outline is missing or wrong (a tile
    # taken for the sheet cuts the text; a patch of cloth taken with it adds its pattern),
    # and the photo verdicts judge that text, not the surface.
    found = None
    if second_engine and not page_found and is_photo(quad, gray):
        found = _text_lines(image, result.cost)
    notices = measure(gray, found).notices()
    result.notices = notices
    if found is not None and (quad is None or not found.fits(quad, gray)):
        read = _read_text_page(image, found, dpi, page, options, cache_dir, notices)
        read.cost.add(result.cost)
        return read
    if found is not None and found.thickness * found.scale >= MIN_CARRIED_THICKNESS:
        lines = found.boxes
    if quad is not None:
        lines = _moved(lines, page_transform(quad)[0])
        gray = warp_page(gray, quad)
        result.warped = True
    # Light and rules first: a shadow band or a table's rules would fool the profile test.
    gray, letters = remove_specks(flatten_background(gray, dpi))
    gray = remove_rules(gray, dpi, letters.height if letters else None)
    # The side test and the skew search share one small copy (geometry needs no detail).
    small, _ = work_copy(gray)
    if text_runs_vertically(small):
        shape = gray.shape
        gray, small, letters = _stand_up(gray, small, result)
        lines = _moved(lines, quarter_matrix(shape, result.rotation))
    result.skew = skew_angle(small)
    if result.rotation == 0 and letters is not None and upside_down(letters, result.skew):
        lines = _moved(lines, quarter_matrix(gray.shape, 180))
        gray = rotate_quarter(gray, 180)
        result.rotation = 180
    lines = _moved(lines, small_rotation(gray.shape, -result.skew))
    gray = rotate_small(gray, -result.skew)
    letter_height = letters.height if letters else None
    if second_engine and result.warped:
        result.engine = "ppocr"  # a photo: PP-OCR reads letters of any size, nothing enlarged
    small_print = letter_height is not None and letter_height * 1.4 < TARGET_TEXT_HEIGHT
    # What is enlarged, keep small: the part holding print.
    if small_print and (bounds := text_bounds(gray, letter_height)) is not None:
        left, top, right, bottom = bounds
        gray = gray[top:bottom, left:right]
        lines = None if lines is None else lines - np.array([left, top], np.float32)
    if result.engine == "tesseract":
        gray, result.scale = scale_for_text(gray, letter_height)
    elif letter_height is not None and letter_height < PPOCR_LETTER_HEIGHT:
        result.scale = min(4.0, PPOCR_LETTER_HEIGHT / letter_height)
        gray = cv2.resize(
            gray, None, fx=result.scale, fy=result.scale, interpolation=cv2.INTER_CUBIC
        )
    result.dpi = round(dpi * result.scale)
    result.letter_height = letter_height * result.scale if letter_height else None
    lines = None if lines is None else lines * np.float32(result.scale)

    def ocr(img: np.ndarray, first: bool, on: np.ndarray | None) -> list[Word]:
        if result.engine == "ppocr":
            return _ppocr(img, page, result.letter_height, result.cost, on)
        begun = _children_cpu()
        try:
            return ocr_image(img, _with_dpi(options, result.dpi), page, cache_dir)
        finally:
            spent = _children_cpu() - begun
            if first:
                result.cost.ocr += spent
            else:
                result.cost.extra += spent

    reading = _reading(ocr(gray, True, lines))
    if _looks_unreadable(reading):
        # Upside down, or turned the wrong way after the side test: OSD says which; when it
        # is unsure the half turn is simply tried. The better reading is kept.
        orientation = _osd(gray, result.cost)
        sure = orientation.confidence >= MIN_OSD_CONFIDENCE and orientation.rotate
        turn = orientation.rotate if sure else 180
        if turn:
            turned = rotate_quarter(gray, turn)
            turned_lines = _moved(lines, quarter_matrix(gray.shape, turn))
            again = _reading(ocr(turned, False, turned_lines))
            if _score(again) > _score(reading):
                gray, reading, lines = turned, again, turned_lines
                result.rotation = (result.rotation + turn) % 360
        if second_engine and result.engine == "tesseract" and _looks_unreadable(reading):
            again = _reading(_ppocr(gray, page, result.letter_height, result.cost, lines))
            if _score(again) > _score(reading):
                reading, result.engine = again, "ppocr"
    result.image, result.words = gray, reading.words
    result.lines, result.classification = reading.lines, reading.classification
    result.cost.prep = time.thread_time() - started - result.cost.second
    return result


def is_photo(quad: np.ndarray | None, gray: np.ndarray) -> bool:
    """A photo of a sheet (an outline found, or a rim that is not paper), not a scan: its
    page is found, and judged, by its text lines."""
    return quad is not None or on_a_surface(gray)


def _text_lines(image: np.ndarray, cost: Cost) -> TextLines | None:
    begun = time.thread_time()
    try:
        return find_text_lines(image)
    finally:
        cost.second += time.thread_time() - begun


def _read_text_page(
    image: np.ndarray,
    lines: TextLines,
    dpi: int,
    page: int,
    options: OcrOptions,
    cache_dir: Path | None,
    notices: list[Notice],
) -> RasterRead:
    """A photo read from its text block (`page.text_page`). Its notices are the whole
    photo's; its rotation adds the turn that levelled the text."""
    begun = time.thread_time()
    found = text_page(image, lines)
    spent = time.thread_time() - begun
    result = read_raster(
        found.image, dpi, page, options, cache_dir, True, page_found=True, lines=found.boxes
    )
    result.notices = notices
    result.rotation = (result.rotation - round(found.angle / 90) * 90) % 360
    result.cost.second += spent
    return result


def _moved(corners: np.ndarray | None, matrix: np.ndarray | None) -> np.ndarray | None:
    """Points ((n, 4, 2) corners) moved as a page transform (2x3 affine, 3x3 perspective)
    moves the image they lie on; None stays None, and so do points under no transform."""
    if corners is None or matrix is None or not len(corners):
        return corners
    flat = corners.reshape(-1, 1, 2).astype(np.float32)
    if matrix.shape[0] == 3:
        moved = cv2.perspectiveTransform(flat, matrix.astype(np.float64))
    else:
        moved = cv2.transform(flat, matrix.astype(np.float64))
    return moved.reshape(-1, 4, 2)


def _ppocr(
    image: np.ndarray,
    page: int,
    letter_height: float | None,
    cost: Cost,
    lines: np.ndarray | None = None,
) -> list[Word]:
    """PP-OCR's words: on the text lines given (found by an earlier look, carried here), or
    on those its detector finds."""
    from pipeline.reading import ppocr  # imported on first need: scans never load it

    begun = time.thread_time()
    try:
        if lines is not None:
            return ppocr.read_lines(image, lines, page)
        return ppocr.read_image(image, page, letter_height)
    finally:
        cost.second += time.thread_time() - begun


def read_again(image: np.ndarray, page: int, letter_height: float | None = None) -> list[Word]:
    """The second engine's words on a page already prepared (and read) by `read_raster`,
    boxes in that page's pixels: for a document whose first reading fails validation."""
    return _ppocr(image, page, letter_height, Cost())


def _stand_up(
    gray: np.ndarray, small: np.ndarray, result: RasterRead
) -> tuple[np.ndarray, np.ndarray, Letters | None]:
    """A page lying on its side, turned a quarter and then, if its letters (or else OSD)
    say so, a half more. Returns the page, its small copy and its letters as they now stand
    (a half turn keeps the letters' measures: only which way up changes)."""
    gray, small = rotate_quarter(gray, 90), rotate_quarter(small, 90)
    letters = find_letters(gray)
    flipped = upside_down(letters, skew_angle(small)) if letters is not None else None
    if flipped is None:
        # OSD only settles up or down: its quarter turns on a page the profile test has just
        # made horizontal were wrong whenever seen (low confidence, KTP cards).
        orientation = _osd(gray, result.cost)
        flipped = orientation.rotate == 180 and orientation.confidence >= MIN_OSD_CONFIDENCE
    if flipped:
        gray, small = rotate_quarter(gray, 180), rotate_quarter(small, 180)
    result.rotation = 270 if flipped else 90
    return gray, small, letters


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
