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

from extractors.nik import NumberRegion, extract_kk_number, extract_nik, number_regions
from models import Box, Field, Line, Notice, Word
from pipeline.ocr import OcrOptions, ocr_image

REREAD_PENALTY = 0.9
TARGET_HEIGHT = 48  # px of digit height Tesseract reads best at
DIGITS_ONLY = "-c tessedit_char_whitelist=0123456789"

NUMBER_FIELDS = {"nik": ("nik", extract_nik), "kk_number": ("kk", extract_kk_number)}


def _crop(image: np.ndarray, box: Box) -> tuple[np.ndarray, int, int, float]:
    pad = box.height
    top = max(0, box.top - pad // 2)
    bottom = min(image.shape[0], box.bottom + pad // 2)
    left = max(0, box.left - pad)
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
    crop, left, top, scale = _crop(image, region.value_box)
    digits_options = replace(options, psm=7, extra_config=DIGITS_ONLY)
    words = ocr_image(crop, digits_options, line.page, cache_dir)
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


def reread_number_fields(
    fields: dict[str, Field],
    lines: list[Line],
    images: dict[int, np.ndarray],
    options: OcrOptions,
    cache_dir: Path | None = None,
) -> tuple[dict[str, Field], list[Notice]]:
    """Fill a null NIK / KK number from a second reading of its labelled row, if it helps.

    Returns the fields that changed and the notices of the second reading.
    """
    wanted = {name for name in NUMBER_FIELDS if name in fields and fields[name].value is None}
    if not wanted:
        return {}, []
    changed: dict[str, Field] = {}
    notices: list[Notice] = []
    for region in number_regions(lines):
        for name in wanted - changed.keys():
            anchor, extractor = NUMBER_FIELDS[name]
            image = images.get(region.page)
            if region.anchor != anchor or image is None:
                continue
            line = _reread_line(lines[region.line_index], region, image, options, cache_dir)
            if line is None:
                continue
            field, field_notices = extractor([line])
            if field.value is not None:
                changed[name] = field
            else:
                notices.extend(field_notices)
    return changed, ([] if changed else notices)
