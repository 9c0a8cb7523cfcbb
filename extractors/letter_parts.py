"""Parts every Indonesian letter shares: the letterhead (kop) and the place-date line."""

from __future__ import annotations

import re

from extractors.confidence import evidence_of, scored_field
from extractors.dates import find_dates, parse_date
from extractors.labels import continuation, find_label
from models import Field, Line

# Words on a line that make its date something other than the letter's own date.
_NOT_LETTER_DATE = re.compile(
    r"lahir|s\.?/d|sampai|hingga|masuk|keluar|periksa|kontrol|berlaku|tgl\.?\s*rawat|umur",
    re.IGNORECASE,
)
_PLACE_DATE = re.compile(r"^[A-Za-z][A-Za-z .'\-]{1,40},\s*")


_DATE_LABEL = re.compile(r"(?:pada\s+)?tanggal\s*[:;]|tgl\.?\s*[:;]", re.IGNORECASE)


def _with_next(lines: list[Line], index: int) -> tuple[str, list[Line]]:
    """A line's text, joined with the next one when that is close below (a date that wrapped:
    `Pada tanggal : Rabu, 10 Desember` / `2025`)."""
    line = lines[index]
    if index + 1 < len(lines):
        nxt = lines[index + 1]
        close = 0 <= nxt.box.top - line.box.bottom < line.box.height and nxt.page == line.page
        if close and len(nxt.words) <= 2:
            return f"{line.text} {nxt.text}", [line, nxt]
    return line.text, [line]


def letter_date(lines: list[Line]) -> Field:
    """The letter's own date: the place-date line (`Sambas, 12 Februari 2026`) or a
    `Pada tanggal :` row, bottom-most first; a date in running text only as a fallback."""
    candidates: list[tuple[int, int, list[Line], str]] = []
    for index in range(len(lines) - 1, -1, -1):
        text = lines[index].text
        if _NOT_LETTER_DATE.search(text):
            continue
        used = [lines[index]]
        dates = find_dates(text)
        if not dates:
            text, used = _with_next(lines, index)
            dates = find_dates(text) if len(used) > 1 else []
        if not dates:
            continue
        found, start, _ = dates[-1]
        before = text[:start]
        place_date = bool(_PLACE_DATE.match(before + " ")) and "," in before
        rank = 0 if place_date or _DATE_LABEL.search(before) else 1
        candidates.append((rank, -index, used, found.isoformat()))
    if not candidates:
        return Field(name="letter_date")
    rank, _, used, value = min(candidates, key=lambda c: (c[0], c[1]))
    words = [w for line in used for w in line.words]
    date_words = [w for w in words if any(ch.isdigit() for ch in w.text)]
    # The date's own words (day, year) and the line around it: a month name read badly
    # drags the line's mean down even when the digits are clean.
    evidence = evidence_of(date_words or words, anchored=rank == 0)
    boxes = [w.box for w in date_words] or [used[0].box]
    return scored_field("letter_date", value, evidence, used[0].page, boxes)


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
        return scored_field(name, value, evidence_of(words), line.page, [w.box for w in words])
    return Field(name=name)


def birth_date(lines: list[Line]) -> Field:
    """The printed birth date after its label; a date that wrapped onto the next line
    (`KONAWE, 7 Maret` / `2005`) is read with its continuation."""
    hit = find_label(lines, "birth_date")
    if hit is None:
        return Field(name="birth_date")
    words = list(hit.words)
    parsed = parse_date(hit.value, kind="birth")
    if parsed is None:
        more = continuation(lines, hit, max_lines=1)
        words += more
        parsed = parse_date(" ".join([hit.value, *(w.text for w in more)]), kind="birth")
    if parsed is None:
        return Field(name="birth_date")
    digit_words = [w for w in words if any(ch.isdigit() for ch in w.text)] or words
    evidence = evidence_of(words, anchored=hit.colon)
    return scored_field(
        "birth_date", parsed.isoformat(), evidence, hit.page, [w.box for w in digit_words]
    )
