"""Parts every Indonesian letter shares: the letterhead (kop) and the place-date line."""

from __future__ import annotations

import re

from extractors.dates import find_dates, parse_date
from extractors.labels import find_label
from models import Field, Line

# Words on a line that make its date something other than the letter's own date.
_NOT_LETTER_DATE = re.compile(
    r"lahir|s\.?/d|sampai|hingga|masuk|keluar|periksa|kontrol|berlaku|tgl\.?\s*rawat|umur",
    re.IGNORECASE,
)
_PLACE_DATE = re.compile(r"^[A-Za-z][A-Za-z .'\-]{1,40},\s*")


def letter_date(lines: list[Line]) -> Field:
    """The date of the place-date line (`Sambas, 12 Februari 2026`), bottom-most first."""
    candidates: list[tuple[int, Line, str]] = []
    for line in reversed(lines):
        text = line.text
        if _NOT_LETTER_DATE.search(text):
            continue
        dates = find_dates(text)
        if not dates:
            continue
        found, start, _ = dates[-1]
        rank = 0 if _PLACE_DATE.match(text[:start] + " ") and "," in text[:start] else 1
        candidates.append((rank, line, found.isoformat()))
    if not candidates:
        return Field(name="letter_date")
    rank, line, value = min(candidates, key=lambda c: c[0])
    confidence = sum(w.confidence for w in line.words) / len(line.words)
    return Field(
        name="letter_date",
        value=value,
        confidence=round(confidence * (1.0 if rank == 0 else 0.8), 3),
        page=line.page,
        boxes=[w.box for w in line.words if any(ch.isdigit() for ch in w.text)] or [line.box],
    )


def header_lines(lines: list[Line], share: float = 0.3) -> list[Line]:
    """Lines in the top `share` of the first page: where a letterhead sits."""
    first = [line for line in lines if line.page == lines[0].page] if lines else []
    if not first:
        return []
    bottom = max(line.box.bottom for line in first)
    return [line for line in first if line.box.top <= bottom * share]


def header_value(lines: list[Line], pattern: re.Pattern[str], name: str) -> Field:
    """The rest of the first letterhead line that matches `pattern` (group 1 is the value)."""
    for line in header_lines(lines):
        m = pattern.search(line.text)
        if not m:
            continue
        value = re.sub(r"\s+", " ", m.group(1)).strip(" ,.:")
        if not value:
            continue
        words = [w for w in line.words if w.text.strip(",.") in value.split()] or line.words
        confidence = sum(w.confidence for w in words) / len(words)
        return Field(
            name=name,
            value=value,
            confidence=round(confidence, 3),
            page=line.page,
            boxes=[w.box for w in words],
        )
    return Field(name=name)


def birth_date(lines: list[Line]) -> Field:
    hit = find_label(lines, "birth_date")
    if hit is None:
        return Field(name="birth_date")
    parsed = parse_date(hit.value, kind="birth")
    if parsed is None:
        return Field(name="birth_date")
    words = [w for w in hit.words if any(ch.isdigit() for ch in w.text)] or list(hit.words)
    return Field(
        name="birth_date",
        value=parsed.isoformat(),
        confidence=round(hit.confidence * (1.0 if hit.colon else 0.9), 3),
        page=hit.page,
        boxes=[w.box for w in words],
    )
