"""Read a labelled NIK or KK-number row a second time when the first reading failed.

A full-page OCR pass sometimes drops or merges digits of the one field that matters most
(`NIK :91031507059607`, 14 digits). The row is cropped, enlarged when small, and read again
as a single line restricted to digits; the new digits replace the old ones on that row and the
field extractor runs again. The second reading is trusted a little less.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from extractors.calibration import HIGH
from extractors.confidence import has_long_word
from extractors.doc_types import ExtractedFields
from extractors.kk import (
    SecondReading,
    _relationships,
    choose_nik,
    extract_members,
    member_rows,
    table_markers,
)
from extractors.lines import group_lines
from extractors.nik import NumberRegion, extract_kk_number, extract_nik, number_regions
from models import Box, DocType, Field, Line, Member, Notice, Word
from pipeline.reading.ocr import OcrFailed, OcrOptions, OcrTimeout, ocr_image

REREAD_PENALTY = 0.9
DISAGREEMENT_FACTOR = 0.5  # a value the second reading contradicts goes to a reviewer
TARGET_HEIGHT = 48  # px of digit height Tesseract reads best at
DIGITS_ONLY = "-c tessedit_char_whitelist=0123456789"
# Tesseract's `eng` model reads a digits-only line better than `ind`, which turns a leading 7
# into 1 in narrow fonts (measured on generated KKs; `eng` ships with every tesseract-ocr).
DIGITS_LANGUAGE = "eng"
STACK_MARGIN = 20  # px of white left of each stacked crop
INK_LEVEL = 128  # grey below this is ink (prepared pages have a flattened white background)
RULE_SHARE = 0.8  # a pixel row or column this inked across a cell is a rule, not text


def digits_options(options: OcrOptions, psm: int = 6) -> OcrOptions:
    """A line (psm 7) or a stack of lines (psm 6) of digits: nothing else can come out."""
    return replace(options, psm=psm, languages=DIGITS_LANGUAGE, extra_config=DIGITS_ONLY)


# Fields read a second time even when the first reading validated, unless it is sure (a
# calibrated confidence of `HIGH`, right 98% of the time): a KTP photographed by phone
# loses NIK digits to glare and blur, and the NIK is all a KTP is there for. On 30 KTPs
# (clean, phone, WhatsApp) the 26 sure first readings were all right, and a second reading
# of them only ever disagreed with a right value.
ALWAYS_REREAD: dict[DocType, frozenset[str]] = {DocType.ktp: frozenset({"nik"})}

NUMBER_FIELDS = {"nik": ("nik", extract_nik), "kk_number": ("kk", extract_kk_number)}


def _second_reading(
    image: np.ndarray, options: OcrOptions, page: int, cache_dir: Path | None
) -> list[Word]:
    """A field read again: when Tesseract stops on the crop, the first reading stands."""
    try:
        return ocr_image(image, options, page, cache_dir)
    except (OcrTimeout, OcrFailed):
        return []


def _crop(image: np.ndarray, box: Box, floor_left: int = 0) -> tuple[np.ndarray, int, int, float]:
    """The value's row, padded, but never reaching left of `floor_left` (the end of the label
    and its `:`: a colon read under a digits-only whitelist zeroes the line's confidence)."""
    pad = box.height
    top = max(0, box.top - pad // 2)
    bottom = min(image.shape[0], box.bottom + pad // 2)
    left = max(0, floor_left, box.left - pad)
    right = min(image.shape[1], box.right + 3 * pad)
    crop = image[top:bottom, left:right]
    scale = max(1.0, TARGET_HEIGHT / max(box.height, 1))
    if scale > 1.0:
        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    return crop, left, top, scale


def _reread_line(
    line: Line,
    region: NumberRegion,
    image: np.ndarray,
    options: OcrOptions,
    cache_dir: Path | None = None,
) -> Line | None:
    # The crop starts after the label and the `:` that follows it, as a word of its own or
    # glued to the digits (`:2104...`: its share of the word's width, by characters).
    label_end = 0
    for word in line.words:
        if word.box.right < region.value_box.left or not any(c.isalnum() for c in word.text):
            label_end = max(label_end, word.box.right + 1)
        elif word.box.left >= region.value_box.left:
            lead = len(word.text) - len(word.text.lstrip(":;.,|"))
            label_end = max(label_end, word.box.left + word.box.width * lead // len(word.text))
            break
    crop, left, top, scale = _crop(image, region.value_box, label_end)
    words = _second_reading(crop, digits_options(options, psm=7), line.page, cache_dir)
    if not words:
        return None
    placed = [
        Word(
            text=w.text,
            box=Box(
                left=left + round(w.box.left / scale),
                top=top + round(w.box.top / scale),
                width=max(1, round(w.box.width / scale)),
                height=max(1, round(w.box.height / scale)),
            ),
            confidence=w.confidence * REREAD_PENALTY,
            page=line.page,
        )
        for w in words
    ]
    return Line(words=[*region.label_words, *placed], page=line.page)


def _second_is_better(name: str, first: Field, second: Field, fields: dict[str, Field]) -> bool:
    """Between two valid readings: the NIK agreeing with the printed birth date, else the more
    confident one."""
    if first.value is None:
        return True
    if second.value is None or second.value == first.value:
        return False
    if name != "nik":
        return second.confidence > first.confidence
    birth = fields.get("birth_date")
    chosen, _ = choose_nik(
        [(first.value, first.confidence), (second.value, second.confidence)],
        birth_date=birth.value if birth is not None else None,
    )
    return chosen == second.value


def reread_number_fields(
    fields: dict[str, Field],
    lines: list[Line],
    images: dict[int, np.ndarray],
    options: OcrOptions,
    cache_dir: Path | None = None,
    doc_type: DocType | None = None,
) -> tuple[dict[str, Field], list[Notice]]:
    """Fill a null NIK / KK number from a second reading of its labelled row, if it helps;
    on a KTP the NIK is read twice even when the first reading validated, unless it is sure
    (`ALWAYS_REREAD`).

    Returns the fields that changed and the notices of the second reading.
    """
    always = ALWAYS_REREAD.get(doc_type, frozenset()) if doc_type else frozenset()
    wanted = {
        name
        for name in NUMBER_FIELDS
        if name in fields
        and (fields[name].value is None or (name in always and fields[name].confidence < HIGH))
    }
    changed: dict[str, Field] = {}
    done: set[str] = set()
    notices: list[Notice] = []
    for region in number_regions(lines):
        for name in wanted - done:
            anchor, extractor = NUMBER_FIELDS[name]
            image = images.get(region.page)
            if region.anchor != anchor or image is None:
                continue
            line = _reread_line(lines[region.line_index], region, image, options, cache_dir)
            if line is None:
                continue
            field, field_notices = extractor([line])
            if field.value is None:
                if fields[name].value is None:
                    notices.extend(field_notices)
                continue
            done.add(name)
            first = fields[name]
            if _second_is_better(name, first, field, fields):
                changed[name] = field
            elif first.value != field.value:
                # Two valid readings disagree: keep the first, but not as a sure value.
                confidence = first.confidence * DISAGREEMENT_FACTOR
                changed[name] = first.model_copy(update={"confidence": confidence})
    return changed, ([] if changed else notices)


# --- KK member rows ---------------------------------------------------------------------------


def cell_box(words: list[Word]) -> Box:
    """The cell around its words, padded by half a letter height (not into the next cell)."""
    box = Box.union([w.box for w in words])
    pad = max(2, min(w.box.height for w in words) // 2)
    return Box(
        left=max(0, box.left - pad),
        top=max(0, box.top - pad),
        width=box.width + 2 * pad,
        height=box.height + 2 * pad,
    )


def clear_rules(crop: np.ndarray) -> np.ndarray:
    """Whiten pixel rows and columns that are ink almost end to end: the cell's own rules,
    which the page's rule removal can leave at a table's edge. No row or column of a line of
    text is that dark."""
    ink = crop < INK_LEVEL
    out = crop.copy()
    out[ink.mean(axis=1) > RULE_SHARE, :] = 255
    out[:, ink.mean(axis=0) > RULE_SHARE] = 255
    return out


def read_stacked(
    image: np.ndarray,
    boxes: list[Box],
    options: OcrOptions,
    page: int,
    cache_dir: Path | None = None,
) -> list[list[Word]]:
    """Read many small crops with one Tesseract call: they are stacked on a white sheet, a
    crop's height apart, and each word goes back to the crop it sits in, in page coordinates.
    One process per KK instead of one per cell keeps the second reading cheap."""
    if not boxes:
        return []
    crops = [clear_rules(image[b.top : b.bottom, b.left : b.right]) for b in boxes]
    gap = max(c.shape[0] for c in crops)
    width = max(c.shape[1] for c in crops) + 2 * STACK_MARGIN
    height = gap + sum(c.shape[0] + gap for c in crops)
    sheet = np.full((height, width), 255, dtype=image.dtype)
    offsets: list[int] = []
    y = gap
    for crop in crops:
        sheet[y : y + crop.shape[0], STACK_MARGIN : STACK_MARGIN + crop.shape[1]] = crop
        offsets.append(y)
        y += crop.shape[0] + gap
    out: list[list[Word]] = [[] for _ in boxes]
    for word in _second_reading(sheet, options, page, cache_dir):
        centre = word.box.center_y
        slot = next((i for i, o in enumerate(offsets) if o <= centre < o + crops[i].shape[0]), None)
        if slot is None:
            continue
        box = boxes[slot]
        out[slot].append(
            word.model_copy(
                update={
                    "box": Box(
                        left=box.left + word.box.left - STACK_MARGIN,
                        top=box.top + word.box.top - offsets[slot],
                        width=word.box.width,
                        height=word.box.height,
                    ),
                    "page": page,
                }
            )
        )
    return [[w for line in group_lines(words) for w in line.words] for words in out]


def reread_member_rows(
    lines: list[Line],
    images: dict[int, np.ndarray],
    options: OcrOptions,
    cache_dir: Path | None = None,
) -> dict[int, SecondReading]:
    """Second readings of every member row's NIK cell (digits only) and name cell (one
    Tesseract call each per page): the full-page reading misreads a leading 7 as 1 in narrow
    fonts, takes a cell rule for a digit and runs narrow-set names together."""
    rows = [r for r in member_rows(lines) if r.page in images]
    readings: dict[int, SecondReading] = {}
    for page in sorted({r.page for r in rows}):
        image = images[page]
        on_page = [r for r in rows if r.page == page]
        digits = digits_options(options)
        niks = read_stacked(
            image, [cell_box(r.nik_words) for r in on_page], digits, page, cache_dir
        )
        named = [r for r in on_page if r.name_words]
        names = read_stacked(
            image,
            [cell_box(r.name_words) for r in named],
            replace(options, psm=6),
            page,
            cache_dir,
        )
        name_of = {r.order: words for r, words in zip(named, names, strict=True)}
        for row, nik_words in zip(on_page, niks, strict=True):
            readings[row.order] = SecondReading(nik_words, name_of.get(row.order, []))
    return readings


def reread_members(
    lines: list[Line],
    images: dict[int, np.ndarray],
    options: OcrOptions,
    cache_dir: Path | None = None,
    kk_number: str | None = None,
) -> tuple[list[Member], list[Notice]]:
    """The KK's members with every row read a second time; the extractor picks per cell."""
    second = reread_member_rows(lines, images, options, cache_dir)
    return extract_members(lines, second, kk_number)


# --- names whose words ran together -------------------------------------------------------

NAME_FIELDS = ("name", "head_name")


def reread_name_spacing(
    fields: dict[str, Field],
    images: dict[int, np.ndarray],
    options: OcrOptions,
    cache_dir: Path | None = None,
) -> dict[str, Field]:
    """Read a name again as a single line when it has a word long enough to be two parts
    run together (`SISKATITIN`), however sure the first reading was: on a whole page
    Tesseract's word spacing follows the page's layout (a card's photo frame beside the
    text), on a crop of the line alone it follows the line.
    Only names with a long word are read again, and only a new space is taken — a second
    reading with other letters, or fewer words, is ignored — so this can split a name but
    never misspell or join one.
    """
    changed: dict[str, Field] = {}
    for name in NAME_FIELDS:
        field = fields.get(name)
        if field is None or not field.value or not field.boxes or field.page not in images:
            continue
        if not has_long_word(name, field.value):
            continue  # measured: 31 unsure names on 120 documents, of which the only second
            # reading of a short-worded name joined two right words into one
        box = Box(
            left=min(b.left for b in field.boxes),
            top=min(b.top for b in field.boxes),
            width=max(b.right for b in field.boxes) - min(b.left for b in field.boxes),
            height=max(b.bottom for b in field.boxes) - min(b.top for b in field.boxes),
        )
        crop, _, _, _ = _crop(images[field.page], box, floor_left=box.left - box.height // 2)
        words = _second_reading(crop, replace(options, psm=7), field.page, cache_dir)
        second = " ".join(w.text for w in words if w.text.strip(":;.,|"))
        second = " ".join(part.strip(":;.,|") for part in second.split())
        same_letters = second.replace(" ", "") == field.value.replace(" ", "")
        if not same_letters or len(second.split()) <= len(field.value.split()):
            continue  # other letters, or no new split
        # Below the calibrated 0.9: this path was not part of the confidence fit.
        confidence = min((w.confidence for w in words), default=0.0) * REREAD_PENALTY
        changed[name] = field.model_copy(
            update={"value": second, "confidence": min(0.85, max(field.confidence, confidence))}
        )
    return changed


# --- the second engine, where the first reading fails validation ---------------------------

NUMBER_REJECTED = {"nik_invalid", "nik_unknown_region"}


def kk_rows(lines: list[Line]) -> int:
    """Member rows the KK prints, as its second table numbers them (0 when not seen)."""
    markers = table_markers(lines)
    return max(_relationships(lines, markers[1]), default=0) if len(markers) > 1 else 0


# What a letter is decided on, each with the fields read with it (a priority comes from its
# diagnosis): one the first reading did not find is looked for in the second.
LETTER_GROUPS: tuple[tuple[str, ...], ...] = (
    ("register_number",),
    ("diagnosis", "icd10", "priority_category"),
)


def unread_groups(doc_type: DocType, result: ExtractedFields) -> list[tuple[str, ...]]:
    """A letter's decisive fields that were not read, unless printed blank: the label was read
    with its empty place, so there is nothing for another engine to find. A field "absent"
    from a page counts as unread: a label OCR lost looks absent too."""
    if doc_type is not DocType.faskes_letter:
        return []
    blank = {n.field for n in result.notices if n.code == "field_blank"}
    return [
        group
        for group in LETTER_GROUPS
        if (found := result.fields.get(group[0])) is not None
        and found.value is None
        and group[0] not in blank
    ]


def fill_unread(doc_type: DocType, first: ExtractedFields, second: ExtractedFields) -> bool:
    """Take into the first reading each decisive field group it lacks and the second reading
    of the same page found (boxes refer to the same prepared page). Returns whether any was."""
    filled = False
    for group in unread_groups(doc_type, first):
        found = second.fields.get(group[0])
        if found is None or found.value is None:
            continue
        first.fields.update({name: second.fields[name] for name in group if name in second.fields})
        first.notices = [n for n in first.notices if n.field not in group]
        first.notices.extend(n for n in second.notices if n.field in group)
        filled = True
    return filled


# What a KTP is read for besides its NIK (the person it names): a KTP read by Tesseract
# may lose its name or birth date (a 200-dpi KTP photocopy read without its birth date).
KTP_PERSON = ("name", "birth_date")


def fails_validation(doc_type: DocType, result: ExtractedFields, lines: list[Line]) -> bool:
    """A first reading the second engine should redo: no document type, a NIK printed but not
    a valid NIK (or none on a KTP), a KTP without its holder's name or birth date, fewer valid
    member NIKs than the KK has rows, or a letter whose register number or diagnosis was not
    found."""
    if doc_type is DocType.unknown:
        return True
    if unread_groups(doc_type, result):
        return True
    nik = result.fields.get("nik")
    rejected = any(n.code in NUMBER_REJECTED for n in result.notices)
    if nik is not None and nik.value is None and (doc_type is DocType.ktp or rejected):
        return True
    if doc_type is DocType.ktp and any(
        (read := result.fields.get(name)) is not None and read.value is None for name in KTP_PERSON
    ):
        return True
    if doc_type is DocType.kk:
        found = sum(1 for m in result.members if m.nik)
        return found == 0 or found < max(len(result.members), kk_rows(lines))
    return False


def validity(doc_type: DocType, result: ExtractedFields) -> tuple[bool, int, int, int]:
    """How far a reading passes validation, to keep the better of two: a document type, valid
    member NIKs, a valid NIK / KK number, fields read."""
    numbers = sum(1 for name in NUMBER_FIELDS if (f := result.fields.get(name)) and f.value)
    return (
        doc_type is not DocType.unknown,
        sum(1 for m in result.members if m.nik),
        numbers,
        sum(1 for f in result.fields.values() if f.value is not None),
    )
