"""Indonesian dates as printed on letters, KTP and KK, read day-first into `datetime.date`.

Letters print "Sambas, 12 Februari 2026", old spellings ("Pebruari", "Nopember") and several
abbreviations ("Agt", "Agu", "Ags"); systems print "12-02-2026", "12-Feb-2026" or ISO. Indonesia
never writes month-first, so "05-07-1989" is 5 July and an impossible day/month gives None
rather than a swapped guess.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Literal

from extractors.digits import OCR_DIGIT_MAP, repair_text

DateKind = Literal["birth", "letter"]

# Every spelling seen for a month, lower case: Indonesian (current and old), abbreviations with
# or without a trailing dot (the dot is stripped before lookup), and English names.
MONTHS: dict[str, int] = {
    "januari": 1, "january": 1, "jan": 1,
    "februari": 2, "pebruari": 2, "febuari": 2, "february": 2, "feb": 2, "peb": 2,
    "maret": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "agustus": 8, "august": 8, "agu": 8, "agt": 8, "ags": 8, "agust": 8, "agus": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "december": 12, "des": 12, "dec": 12,
}  # fmt: skip

# Four-digit years outside this range are OCR noise, not dates on these documents.
MIN_YEAR = 1900
MAX_YEAR = 2099
# A letter may be dated a little ahead (typo, pre-dated); a birth date never.
LETTER_FUTURE_SLACK = timedelta(days=366)

_OCR = "0-9" + re.escape("".join(OCR_DIGIT_MAP))
_TRANSLATION = str.maketrans(OCR_DIGIT_MAP)
# Longest spelling first, so "Agustus" is not read as "Agust" + "us".
_MONTH_ALTERNATION = "|".join(sorted(MONTHS, key=len, reverse=True))

# "12 Februari 2026", "12-Feb-2026", "1 Nop. 2025", "l2 Agt 2O26": the month name anchors the
# match strongly enough to read look-alike letters in the day and year.
_TEXT_DATE_RE = re.compile(
    rf"(?<![0-9A-Za-z])(?P<day>[{_OCR}]{{1,2}})[\s\-./]*"
    rf"(?P<month>(?i:{_MONTH_ALTERNATION}))(?![A-Za-z])\.?[\s\-./,]*"
    rf"(?P<year>[{_OCR}]{{4}}|[{_OCR}]{{2}})(?![0-9A-Za-z])"
)
# "12-02-2026", "12/02/26", "12.02.2026", "5-7-1989": the same separator twice, and not part of
# a longer number chain (a visit number "2026/02/12/000123" or a NIK "6101.0145.0789.0003").
_EDGE_BEFORE = r"(?<!\d)(?<!\d[-./])"
_EDGE_AFTER = r"(?!\d)(?![-./]\d)"
_NUMERIC_RE = re.compile(
    rf"{_EDGE_BEFORE}(?P<day>\d{{1,2}})[ \t]*(?P<sep>[-./])[ \t]*(?P<month>\d{{1,2}})"
    rf"[ \t]*(?P=sep)[ \t]*(?P<year>\d{{4}}|\d{{2}}){_EDGE_AFTER}"
)
# "29 - Ol - 2026": a typewriter's zero and one read as letters in the day or month, framed by
# the same separator twice and a four-digit year. A month of I's alone is a Roman month
# (`400/12/II/2026`), never a date.
_LOOK_ALIKE_RE = re.compile(
    rf"{_EDGE_BEFORE}(?<![A-Za-z])(?P<day>[{_OCR}]{{1,2}})[ \t]*(?P<sep>[-./])"
    rf"[ \t]*(?P<month>[{_OCR}]{{1,2}})[ \t]*(?P=sep)[ \t]*(?P<year>\d{{4}}){_EDGE_AFTER}"
)
_ISO_RE = re.compile(
    rf"{_EDGE_BEFORE}(?P<year>\d{{4}})(?P<sep>[-./])(?P<month>\d{{1,2}})(?P=sep)"
    rf"(?P<day>\d{{1,2}}){_EDGE_AFTER}"
)


def _today() -> date:
    return date.today()


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _resolve(day: int, month: int, year_text: str, reference: date, kind: DateKind) -> date | None:
    """Build the date, choosing the century of a two-digit year from `reference` and `kind`."""
    if len(year_text) == 4:
        year = int(year_text)
        return _make_date(year, month, day) if MIN_YEAR <= year <= MAX_YEAR else None
    limit = reference + LETTER_FUTURE_SLACK if kind == "letter" else reference
    century = reference.year // 100 * 100
    for base in (century + 100, century, century - 100):
        found = _make_date(base + int(year_text), month, day)
        if found is not None and found <= limit:
            return found
    return None


def _ocr_number(text: str, min_real_share: float) -> str | None:
    """Digits of a day/year written with look-alike letters, if enough are real digits."""
    real = sum(c.isdigit() for c in text)
    if real == 0 or real / len(text) < min_real_share:
        return None
    return text.translate(_TRANSLATION)


def find_dates(
    text: str, *, reference: date | None = None, kind: DateKind = "letter"
) -> list[tuple[date, int, int]]:
    """Every valid date in `text` as (date, start, end), in reading order.

    Offsets index `text` itself. Impossible dates (31-02-2026, month 13) are skipped.
    """
    ref = reference or _today()
    found: list[tuple[date, int, int]] = []

    for m in _TEXT_DATE_RE.finditer(text):
        month = MONTHS.get(m.group("month").lower())
        day = _ocr_number(m.group("day"), 0.5)
        year = _ocr_number(m.group("year"), 0.5)
        if month is None or day is None or year is None:
            continue
        value = _resolve(int(day), month, year, ref, kind)
        if value is not None:
            found.append((value, m.start(), m.end()))

    repaired = repair_text(text)  # same length as text, so offsets carry over
    for pattern in (_NUMERIC_RE, _ISO_RE):
        for m in pattern.finditer(repaired):
            value = _resolve(int(m.group("day")), int(m.group("month")), m.group("year"), ref, kind)
            if value is not None:
                found.append((value, m.start(), m.end()))

    for m in _LOOK_ALIKE_RE.finditer(text):
        day, month = m.group("day"), m.group("month")
        if not any(ch.isdigit() for ch in day + month) or not re.search(r"[^Il|]", month):
            continue
        day, month = day.translate(_TRANSLATION), month.translate(_TRANSLATION)
        value = _resolve(int(day), int(month), m.group("year"), ref, kind)
        if value is not None:
            found.append((value, m.start(), m.end()))

    found.sort(key=lambda item: (item[1], -item[2]))
    kept: list[tuple[date, int, int]] = []
    for item in found:
        if not kept or item[1] >= kept[-1][2]:
            kept.append(item)
    return kept


def parse_date(
    text: str, *, reference: date | None = None, kind: DateKind = "letter"
) -> date | None:
    """The first date in `text` ("Sambas, 12 Februari 2026" -> 2026-02-12), or None.

    Two-digit years: a letter date takes the latest year at most about a year after
    `reference` (default today); a birth date the latest year not after `reference`.
    """
    dates = find_dates(text, reference=reference, kind=kind)
    return dates[0][0] if dates else None


# A form's date printed one digit per box (`| 2 | 7 | | 0 | 7 | | 1 | 9 | 6 | 2 |`): digits,
# spaces and what is left of the boxes' sides, nothing else.
_DIGIT_BOXES = re.compile(r"^[\s|\[\]!]*(?:\d[\s|\[\]!]*){8}$")


def parse_digit_boxes(text: str, *, kind: DateKind = "birth") -> date | None:
    """A date written `dd mm yyyy` one digit per box, or None."""
    if not _DIGIT_BOXES.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    return _resolve(int(digits[:2]), int(digits[2:4]), digits[4:], _today(), kind)
