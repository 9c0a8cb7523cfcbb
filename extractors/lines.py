"""Rebuild visual lines from word boxes.

Tesseract's own line ids split a form row in two when the label and the value sit in
different columns ("Nama        : SITI AMINAH" becomes two blocks). Label-anchored extraction
needs the whole row, so rows are rebuilt from geometry: words whose vertical centres are close
belong to the same line.
"""

from __future__ import annotations

import unicodedata
from statistics import median

from models import Box, Line, Word


def group_lines(words: list[Word]) -> list[Line]:
    """Group words into lines, top to bottom, each line left to right, page by page. Text is
    NFKC-normalised: PP-OCR reads some colons as the full-width `：`."""
    words = [_normalised(w) for w in words]
    lines: list[Line] = []
    for page in sorted({w.page for w in words}):
        lines.extend(_group_page([w for w in words if w.page == page and w.text.strip()], page))
    return lines


def _normalised(word: Word) -> Word:
    text = unicodedata.normalize("NFKC", word.text)
    return word if text == word.text else word.model_copy(update={"text": text})


def _group_page(words: list[Word], page: int) -> list[Line]:
    if not words:
        return []
    typical = median(w.box.height for w in words)
    rows: list[list[Word]] = []
    centers: list[float] = []
    for word in sorted(words, key=lambda w: (w.box.center_y, w.box.left)):
        tolerance = 0.5 * max(min(word.box.height, 2 * typical), typical * 0.5)
        if rows and abs(word.box.center_y - centers[-1]) <= tolerance:
            rows[-1].append(word)
            n = len(rows[-1])
            centers[-1] += (word.box.center_y - centers[-1]) / n
        else:
            rows.append([word])
            centers.append(word.box.center_y)
    return [Line(words=sorted(row, key=lambda w: w.box.left), page=page) for row in rows]


def lines_from_text(text: str, confidence: float = 0.95, page: int = 1) -> list[Line]:
    """Lines with synthetic boxes from plain text: for tests and text-only inputs.

    Each character is 20 px wide and each line 40 px tall, so boxes stay plausible.
    """
    lines: list[Line] = []
    for row, raw in enumerate(text.splitlines()):
        words: list[Word] = []
        col = 0
        for token in raw.split(" "):
            if token:
                box = Box(left=col * 20, top=row * 40, width=len(token) * 20, height=30)
                words.append(Word(text=token, box=box, confidence=confidence, page=page, line=row))
            col += len(token) + 1
        if words:
            lines.append(Line(words=words, page=page))
    return lines
