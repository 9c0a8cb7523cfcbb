"""The KK member table, from word boxes.

A KK prints two ruled tables whose columns carry numbered markers, `(1)`…`(10)` and
`(11)`…`(20)`. Members are found by their NIKs (every member row has one); each row's band
runs halfway to the neighbouring rows, so a cell that wraps onto two lines stays in its row.
Within a band the name is the text left of the NIK column; gender, birth date and
relationship are recognised by their values, which is sturdier than trusting column edges.
Table 2 rows are matched to table 1 by their row number, else by order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml
from rapidfuzz import fuzz

from extractors.dates import find_dates
from extractors.names import clean_name
from extractors.nik import check_nik, find_nik_candidates
from models import Line, Member, Notice, Word

_MARKER = re.compile(r"^\(?(\d{1,2})\)?$")


@cache
def _vocab() -> dict:
    text = resources.files("extractors").joinpath("data/kk_table.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True)
class MarkerRow:
    index: int  # line index
    numbers: dict[int, float]  # column number -> x centre


def marker_rows(lines: list[Line]) -> list[MarkerRow]:
    """Lines made mostly of `(n)` column markers."""
    rows: list[MarkerRow] = []
    for index, line in enumerate(lines):
        numbers: dict[int, float] = {}
        for word in line.words:
            m = _MARKER.match(word.text.strip())
            if m and word.text.strip().startswith("("):
                numbers[int(m.group(1))] = word.box.left + word.box.width / 2
        if len(numbers) >= 4 and len(numbers) >= 0.6 * len(line.words):
            rows.append(MarkerRow(index, numbers))
    return rows


def _band_words(lines: list[Line], top: float, bottom: float) -> list[Word]:
    """Words whose centre lies in [top, bottom), in reading order (line by line)."""
    return [w for line in lines for w in line.words if top <= w.box.center_y < bottom]


def _bands(centres: list[float], top: float, bottom: float) -> list[tuple[float, float]]:
    bands = []
    for i, c in enumerate(centres):
        upper = top if i == 0 else (centres[i - 1] + c) / 2
        lower = bottom if i == len(centres) - 1 else (c + centres[i + 1]) / 2
        bands.append((upper, lower))
    return bands


def _text(words: list[Word]) -> str:
    return " ".join(w.text for w in words)


def _find_term(text: str, terms: list[str]) -> str | None:
    upper = re.sub(r"[^A-Z ]", " ", text.upper())
    upper = re.sub(r"\s+", " ", upper)
    for term in sorted(terms, key=len, reverse=True):
        if re.search(rf"(?<![A-Z]){re.escape(term)}(?![A-Z])", upper):
            return term
    best = max(terms, key=lambda t: fuzz.partial_ratio(t, upper))
    return best if len(best) >= 6 and fuzz.partial_ratio(best, upper) >= 90 else None


def _gender(text: str) -> str | None:
    table: dict[str, str] = _vocab()["gender"]
    term = _find_term(text.replace("-", " "), [t.replace("-", " ") for t in table])
    if term is None:
        return None
    return next(v for k, v in table.items() if k.replace("-", " ") == term)


def _row_number(words: list[Word], left_limit: float) -> int | None:
    for w in sorted(words, key=lambda w: w.box.left):
        if w.box.left > left_limit:
            break
        token = w.text.strip("()[]. ").translate(str.maketrans("lI|O", "1110"))
        if token.isdigit() and 0 < int(token) < 100:
            return int(token)
    return None


def extract_members(lines: list[Line]) -> tuple[list[Member], list[Notice]]:
    """Members of the first KK table (+ relationship from the second), top to bottom."""
    markers = marker_rows(lines)
    if not markers:
        return [], []
    first = markers[0]
    second = markers[1] if len(markers) > 1 else None
    table_top = lines[first.index].box.bottom
    table_bottom = lines[second.index].box.top if second else float("inf")
    if second:
        # Table 2 has its own header rows above its markers: stop where they start.
        header_top = _header_top(lines, second.index)
        table_bottom = min(table_bottom, header_top)

    nik_rows = [
        c
        for c in find_nik_candidates(lines[first.index + 1 :])
        if table_top <= c.words[0].box.center_y < table_bottom and c.anchor is None
    ]
    nik_rows.sort(key=lambda c: c.words[0].box.center_y)
    if not nik_rows:
        return [], [Notice(code="kk_members_unread", message="no member NIK could be read")]
    centres = [c.words[0].box.center_y for c in nik_rows]
    bands = _bands(centres, table_top, table_bottom)
    name_left = first.numbers.get(1, 0.0)
    nik_left = min(w.box.left for c in nik_rows for w in c.words)

    relationships = _relationships(lines, second) if second else {}
    members: list[Member] = []
    notices: list[Notice] = []
    for order, (candidate, (upper, lower)) in enumerate(zip(nik_rows, bands, strict=True)):
        words = _band_words(lines, upper, lower)
        number = _row_number(words, first.numbers.get(2, nik_left))
        name_words = [
            w
            for w in words
            if w.box.left > name_left + 40 and w.box.right <= nik_left and not _is_number(w.text)
        ]
        right_words = [w for w in words if w.box.left >= candidate.words[-1].box.right]
        right_text = _text(right_words)
        dates = find_dates(right_text, kind="birth")
        nik = candidate.digits if not check_nik(candidate.digits) else None
        if nik is None:
            notices.append(
                Notice(
                    code="kk_member_nik_invalid",
                    message=f"member row {order + 1}: NIK does not pass the NIK checks",
                    field="members",
                )
            )
        members.append(
            Member(
                nik=nik,
                name=clean_name(_text(name_words).strip("|([ ")) if name_words else None,
                gender=_gender(right_text),
                birth_date=dates[-1][0].isoformat() if dates else None,
                relationship=relationships.get(number or order + 1),
            )
        )
    return members, notices


def _is_number(text: str) -> bool:
    return text.strip("|()[]. ").isdigit()


def _header_top(lines: list[Line], marker_index: int) -> float:
    """Top of the header block right above a marker row (lines with no digits)."""
    top = lines[marker_index].box.top
    for line in reversed(lines[:marker_index]):
        if any(ch.isdigit() for ch in line.text) or top - line.box.bottom > 3 * line.box.height:
            break
        top = line.box.top
    return top


def _relationships(lines: list[Line], marker: MarkerRow) -> dict[int, str]:
    """Row number -> relationship, from the numbered rows under table 2's markers.

    A row whose number OCR lost counts by its order. The table ends at "Dikeluarkan":
    the signature block below it prints "KEPALA KELUARGA" too.
    """
    terms: list[str] = _vocab()["relationship"]
    found: dict[int, str] = {}
    limit = marker.numbers.get(12, min(marker.numbers.values()) + 200)
    order = 0
    for line in lines[marker.index + 1 :]:
        if "DIKELUARKAN" in line.text.upper():
            break
        term = _find_term(line.text, terms)
        if term is None:
            continue
        order += 1
        number = _row_number(line.words, limit) or order
        found.setdefault(number, "ORANGTUA" if term == "ORANG TUA" else term)
    return found
