"""The KK member table, from word boxes.

A KK prints two ruled tables whose columns carry numbered markers, `(1)`…`(10)` and
`(11)`…`(20)`. Members are found by their NIK cells: a 16-digit number, or — when OCR merged a
cell rule into it or lost a digit — a long digit run in the NIK column, so a malformed NIK
keeps its row (and its name) instead of merging it into the next. Each row's band runs halfway
to the neighbouring rows, so a cell that wraps onto two lines stays in its row. Within a band
the name is the text left of the NIK column; gender, birth date and relationship are
recognised by their values, which is sturdier than trusting column edges. Table 2 rows are
matched to table 1 by their row number, else by order.

A second reading of a row's NIK and name cells (`pipeline/reading/reread.py`) may be passed in; the
choice between the two readings is made here, from validation first and confidence second.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml
from rapidfuzz import fuzz

from extractors.dates import find_dates
from extractors.digits import repair_text
from extractors.names import clean_name
from extractors.nik import check_nik, decode_nik, find_nik_candidates
from models import Line, Member, Notice, Word

# `(n)`; small print read by PP-OCR may lose or bend a bracket: `(2`, `(4]`, `[5)`.
_MARKER = re.compile(r"^[(\[{]?(\d{1,2})[)\]}]?$")
# Share of a line's words that are markers: at WhatsApp size the last markers may be read as
# junk (`(5) (6) (7)` as `060 t`), while a member row holds no `(n)` at all.
MARKER_SHARE = 0.5
MIN_CELL_DIGITS = 10  # a NIK cell OCR garbled still holds most of its 16 digits
# Line heights of gap that end table 2's header block going up: its lines sit close together,
# while the last member row above (whose second line, `TARIHORAN SEKOLAH`, has no digits) is
# further off (1.7 line heights on a WhatsApp KK; at 3 that line joined the header and its row
# fell out of table 1).
HEADER_GAP = 1.2


@cache
def _vocab() -> dict:
    text = resources.files("extractors").joinpath("data/kk_table.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True)
class MarkerRow:
    index: int  # line index
    numbers: dict[int, float]  # column number -> x centre


@dataclass(frozen=True)
class MemberRow:
    """One member row of table 1 as the first reading saw it."""

    order: int  # 0-based, top to bottom
    page: int
    nik_words: list[Word]  # the NIK cell, valid or not
    name_words: list[Word]
    right_words: list[Word]  # gender, birth place and date, ... (right of the NIK)
    number: int | None  # the printed row number


@dataclass(frozen=True)
class SecondReading:
    """Words of a row's cells read again on their own (page coordinates)."""

    nik_words: list[Word] = field(default_factory=list)
    name_words: list[Word] = field(default_factory=list)


def marker_rows(lines: list[Line]) -> list[MarkerRow]:
    """Lines made mostly of `(n)` column markers."""
    rows: list[MarkerRow] = []
    for index, line in enumerate(lines):
        numbers: dict[int, float] = {}
        for word in line.words:
            m = _MARKER.match(word.text.strip())
            if m and word.text.strip()[0] in "([{":
                numbers[int(m.group(1))] = _centre_x(word)
        if len(numbers) >= 4 and len(numbers) >= MARKER_SHARE * len(line.words):
            rows.append(MarkerRow(index, numbers))
    return rows


def table_markers(lines: list[Line]) -> list[MarkerRow]:
    """The marker rows of table 1 and table 2, table 1's first. When table 1's markers were
    not read at all (a KK at WhatsApp size: `m 2 周 (4) 功 (38)`), its column header line
    (`No  Nama Lengkap  NIK  Jenis Kelamin`) stands in: the markers sit under those words."""
    markers = marker_rows(lines)
    if markers and statistics.median(markers[0].numbers) <= 10:
        return markers
    end = markers[0].index if markers else len(lines)
    header = next((h for h in map(_header_row, lines[:end], range(end)) if h), None)
    return markers if header is None else [header, *markers]


def _header_row(line: Line, index: int) -> MarkerRow | None:
    """Table 1's column header line as a marker row: columns (1)-(4) at the centres of
    `No`, `Nama Lengkap`, `NIK` and `Jenis Kelamin`."""
    words = {w.text.upper().strip(".:"): w for w in reversed(line.words)}
    nama, nik, jenis = words.get("NAMA"), words.get("NIK"), words.get("JENIS")
    if not (nama and nik and jenis and nama.box.left < nik.box.left < jenis.box.left):
        return None
    lengkap, kelamin = words.get("LENGKAP", nama), words.get("KELAMIN", jenis)
    no = words.get("NO")
    return MarkerRow(
        index,
        {
            1: _centre_x(no) if no and no.box.left < nama.box.left else nama.box.left,
            2: (nama.box.left + lengkap.box.right) / 2,
            3: _centre_x(nik),
            4: (jenis.box.left + kelamin.box.right) / 2,
        },
    )


def _centre_x(word: Word) -> float:
    return word.box.left + word.box.width / 2


def _band_words(lines: list[Line], top: float, bottom: float) -> list[Word]:
    """Words whose centre lies in [top, bottom), in reading order (line by line)."""
    return [w for line in lines for w in line.words if top <= w.box.center_y < bottom]


def _bands(centres: list[float], top: float, bottom: float) -> list[tuple[float, float]]:
    """Each row's band: halfway to its neighbours; the last one as deep below its centre as it
    reaches above (cells are centred vertically).

    Without that limit the last band runs down to table 2's header, whose words
    (`STATUS PERKAWINAN`) would join the last member's name.
    """
    bands = []
    for i, c in enumerate(centres):
        upper = top if i == 0 else (centres[i - 1] + c) / 2
        lower = bottom if i == len(centres) - 1 else (c + centres[i + 1]) / 2
        if i == len(centres) - 1:
            lower = min(lower, 2 * c - upper)
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


def _digits(words: list[Word]) -> str:
    return "".join(ch for ch in repair_text(_text(words)) if ch.isdigit())


def _confidence(words: list[Word]) -> float:
    return sum(w.confidence for w in words) / len(words) if words else 0.0


def _table_span(lines: list[Line], markers: list[MarkerRow]) -> tuple[float, float]:
    first = markers[0]
    second = markers[1] if len(markers) > 1 else None
    top = lines[first.index].box.bottom
    bottom = lines[second.index].box.top if second else float("inf")
    if second:
        # Table 2 has its own header rows above its markers: stop where they start.
        bottom = min(bottom, _header_top(lines, second.index))
    return top, bottom


def _nik_column(marker: MarkerRow) -> tuple[float, float] | None:
    """x-range of the NIK column (3): halfway to the centres of columns (2) and (4)."""
    numbers = marker.numbers
    if not {2, 3, 4} <= numbers.keys():
        return None
    return (numbers[2] + numbers[3]) / 2, (numbers[3] + numbers[4]) / 2


def _nik_cells(
    lines: list[Line], start: int, top: float, bottom: float, marker: MarkerRow
) -> list[list[Word]]:
    """The NIK cell of every member row: a 16-digit candidate, else a long digit run in the
    NIK column (a malformed NIK still marks its row)."""
    body = lines[start:]
    cells: dict[int, list[Word]] = {}
    for c in find_nik_candidates(body):
        if top <= c.words[0].box.center_y < bottom and c.anchor is None:
            cells.setdefault(c.line_index, list(c.words))
    column = _nik_column(marker)
    if column is not None:
        for index, line in enumerate(body):
            if index in cells or not top <= line.box.center_y < bottom:
                continue
            words = [
                w
                for w in line.words
                if column[0] <= _centre_x(w) <= column[1] and any(ch.isdigit() for ch in w.text)
            ]
            if len(_digits(words)) >= MIN_CELL_DIGITS:
                cells[index] = words
    return [cells[i] for i in sorted(cells, key=lambda i: cells[i][0].box.center_y)]


def member_rows(lines: list[Line]) -> list[MemberRow]:
    """The rows of table 1, top to bottom, with the words of their cells."""
    markers = table_markers(lines)
    if not markers:
        return []
    first = markers[0]
    top, bottom = _table_span(lines, markers)
    cells = _nik_cells(lines, first.index + 1, top, bottom, first)
    if not cells:
        return []
    bands = _bands([c[0].box.center_y for c in cells], top, bottom)
    name_left = first.numbers.get(1, 0.0)
    nik_left = min(w.box.left for c in cells for w in c)
    header = {w.upper() for w in _vocab()["header_words"]}
    rows: list[MemberRow] = []
    for order, (cell, (upper, lower)) in enumerate(zip(cells, bands, strict=True)):
        words = _band_words(lines, upper, lower)
        cell_line = cell[0].box.center_y
        name_words = [
            w
            for w in words
            if w.box.left > name_left + 40
            and w.box.right <= nik_left
            and not _is_number(w.text)
            and not (
                abs(w.box.center_y - cell_line) > cell[0].box.height
                and w.text.upper().strip(".:") in header
            )
        ]
        rows.append(
            MemberRow(
                order=order,
                page=cell[0].page,
                nik_words=cell,
                name_words=name_words,
                right_words=[w for w in words if w.box.left >= cell[-1].box.right],
                number=_row_number(words, first.numbers.get(2, nik_left)),
            )
        )
    return rows


def _date_agreement(nik: str, gender: str | None, birth_date: str | None) -> int:
    """How many of the row's printed gender and birth date the NIK's digits agree with."""
    info = decode_nik(nik)
    if info is None:
        return 0
    score = int(gender == info.gender)
    if birth_date:
        y, m, d = (int(p) for p in birth_date.split("-"))
        score += (d, m, y % 100) == (info.birth_day, info.birth_month, info.birth_yy)
    return score


def choose_nik(
    readings: list[tuple[str, float]],
    gender: str | None = None,
    birth_date: str | None = None,
    kk_prefix: str | None = None,
) -> tuple[str | None, float]:
    """The NIK among a row's readings: valid ones only, then the one agreeing with the
    printed gender and birth date, then with the KK number's kecamatan (members mostly share
    it), then the most confident."""
    valid = [(d, c) for d, c in readings if not check_nik(d)]
    if not valid:
        return None, 0.0
    return max(
        valid,
        key=lambda r: (
            _date_agreement(r[0], gender, birth_date),
            kk_prefix is not None and r[0][:6] == kk_prefix,
            r[1],
        ),
    )


def _squeezed(name: str | None) -> str:
    return (name or "").replace(" ", "")


def choose_name(first: list[Word], second: list[Word]) -> str | None:
    """The row's name: of the two readings, the more confident one; when they spell the same
    letters, the second wins ties (read alone, a cell keeps the spaces a full-page reading
    loses between narrow-set words)."""
    one = clean_name(_text(first).strip("|([ ")) if first else None
    two = clean_name(_text(second).strip("|([ ")) if second else None
    if one is None or two is None:
        return two or one
    if _squeezed(one) == _squeezed(two):
        return two if _confidence(second) >= _confidence(first) else one
    return two if _confidence(second) > _confidence(first) else one


def extract_members(
    lines: list[Line],
    second: Mapping[int, SecondReading] | None = None,
    kk_number: str | None = None,
) -> tuple[list[Member], list[Notice]]:
    """Members of the first KK table (+ relationship from the second), top to bottom.

    `second` holds second readings by row order; `kk_number` breaks ties between two valid
    readings of a member NIK.
    """
    markers = table_markers(lines)
    rows = member_rows(lines)
    if not markers:
        return [], []
    if not rows:
        return [], [Notice(code="kk_members_unread", message="no member NIK could be read")]
    relationships = _relationships(lines, markers[1]) if len(markers) > 1 else {}
    kk_prefix = kk_number[:6] if kk_number else None
    members: list[Member] = []
    notices: list[Notice] = []
    for row in rows:
        again = (second or {}).get(row.order, SecondReading())
        right_text = _text(row.right_words)
        dates = find_dates(right_text, kind="birth")
        gender = _gender(right_text)
        birth_date = dates[-1][0].isoformat() if dates else None
        readings = [(_digits(row.nik_words), _confidence(row.nik_words))]
        if again.nik_words:
            readings.append((_digits(again.nik_words), _confidence(again.nik_words)))
        nik, _ = choose_nik(readings, gender, birth_date, kk_prefix)
        if nik is None:
            notices.append(
                Notice(
                    code="kk_member_nik_invalid",
                    message=f"member row {row.order + 1}: NIK does not pass the NIK checks",
                    field="members",
                )
            )
        members.append(
            Member(
                nik=nik,
                name=choose_name(row.name_words, again.name_words),
                gender=gender,
                birth_date=birth_date,
                relationship=relationships.get(row.number or row.order + 1),
            )
        )
    return members, notices


def _is_number(text: str) -> bool:
    return text.strip("|()[]. ").isdigit()


def _header_top(lines: list[Line], marker_index: int) -> float:
    """Top of the header block right above a marker row (lines with no digits).

    Only words of two letters or more count: a rule remnant (`|`, `L`) under the last member
    row is tall and would pull the top up over that row.
    """
    top = lines[marker_index].box.top
    for line in reversed(lines[:marker_index]):
        words = [w for w in line.words if sum(ch.isalnum() for ch in w.text) >= 2]
        if not words:
            continue
        if any(ch.isdigit() for w in words for ch in w.text):
            break
        block_top = min(w.box.top for w in words)
        if top - max(w.box.bottom for w in words) > HEADER_GAP * line.box.height:
            break
        top = block_top
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
