"""Tables read as tables: a header row names the columns, the rows below are cut by them.

Hospital systems print a diagnosis as `Kode ICD-10 | Diagnosis | Jenis` with `Utama` and
`Sekunder` rows; read as label and value, the header word `Jenis` looks like the diagnosis.
Here a header row is a line (without a colon) where the words of at least two columns stand
apart; a row is cut into cells at the gaps wider than a letter is tall, and each cell goes to
the column whose header it overlaps most (a centred header sits inside its cell; a long value
runs past its header). Ruled or not makes no difference: the preprocessing has removed the
rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from statistics import median

from rapidfuzz.distance import Levenshtein

from models import Line, Word

_LETTERS = re.compile(r"[^a-z0-9]")


@dataclass(frozen=True)
class Column:
    """A column: its key and where its header's words stand."""

    key: str
    left: float
    right: float


@dataclass(frozen=True)
class Row:
    """One row of a table: its line and the words of each column."""

    line: Line
    cells: dict[str, list[Word]]

    def text(self, key: str) -> str:
        return " ".join(w.text for w in self.cells.get(key, []))


def _key_of(word: Word, headers: dict[str, tuple[str, ...]]) -> str | None:
    token = _LETTERS.sub("", word.text.lower())
    if not token:
        return None
    for key, names in headers.items():
        for name in names:
            if token == name or (len(name) >= 6 and Levenshtein.distance(token, name) <= 1):
                return key
    return None


def header_columns(line: Line, headers: dict[str, tuple[str, ...]]) -> list[Column] | None:
    """The columns a header line names, left to right; None when it is no header row (fewer
    than two columns, a `label : value` row, or running text: more words that name no column
    than words that do, as in `… dengan diagnosa Status asmatikus …`)."""
    if ":" in line.text:
        return None
    starts: list[tuple[str, float, float]] = []
    others = 0
    for word in line.words:
        key = _key_of(word, headers)
        if key is None:
            others += any(ch.isalnum() for ch in word.text)
            continue
        if starts and starts[-1][0] == key:  # `Kode ICD-10`: one column, two words
            starts[-1] = (key, starts[-1][1], word.box.right)
        else:
            starts.append((key, word.box.left, word.box.right))
    named = sum(_key_of(w, headers) is not None for w in line.words)
    if len({key for key, _, _ in starts}) < 2 or others > named:
        return None
    return [Column(key, left, right) for key, left, right in starts]


# Line heights between two rows' text; the header and the first row may stand further apart
# (tall ruled cells, the text centred in each: a referral form's `Anamnesa | Diagnosa`).
ROW_GAP = 2.5
FIRST_ROW_GAP = 3.5


def rows_below(lines: list[Line], index: int, columns: list[Column], limit: int = 8) -> list[Row]:
    """The rows under the header at `index`: lines that follow closely on the same page, up to
    a `label : value` row, a wide gap or `limit` rows."""
    rows: list[Row] = []
    previous = lines[index]
    for line in lines[index + 1 : index + 1 + limit]:
        gap = line.box.top - previous.box.bottom
        most = FIRST_ROW_GAP if not rows else ROW_GAP
        if line.page != previous.page or gap > most * max(previous.box.height, 1):
            break
        if re.search(r"[A-Za-z]\s*:", line.text):
            break
        cells: dict[str, list[Word]] = {}
        for chunk in (part for cell in cells_of(line) for part in split_at_columns(cell, columns)):
            cells.setdefault(column_of(chunk, columns), []).extend(chunk)
        rows.append(Row(line, cells))
        previous = line
    return rows


def cells_of(line: Line) -> list[list[Word]]:
    """The line cut where the space between two words is wider than a letter is tall: the
    gap between two cells, ruled or not."""
    chunks: list[list[Word]] = []
    for word in line.words:
        if chunks and word.box.left - chunks[-1][-1].box.right <= 0.9 * line.box.height:
            chunks[-1].append(word)
        else:
            chunks.append([word])
    return chunks


# A box's vertical rule that OCR read as a word: a cell's edge, never part of its text.
_RULE = re.compile(r"[|\[\]]+")
WIDE_SPACE = 1.5  # times the cell's usual word space: a space that parts two cells


def split_at_columns(chunk: list[Word], columns: list[Column]) -> list[list[Word]]:
    """Two cells printed close together and read as one (`I10 - Hipertensi Paracetamol 3x500
    mg`, `memar | A01.0 - Demam tifoid`): cut at a rule read as a word, and at a space wider
    than the others where the middle between two headers falls."""
    bounds = [(a.right + b.left) / 2 for a, b in pairwise(columns)]
    gaps = [b.box.left - a.box.right for a, b in pairwise(chunk)]
    space = median(gaps) if gaps else 0.0
    parts: list[list[Word]] = [[]]
    for word in chunk:
        if _RULE.fullmatch(word.text):
            parts.append([])
            continue
        if parts[-1]:
            left, right = parts[-1][-1].box.right, word.box.left
            wide = right - left > WIDE_SPACE * space
            if wide and any(left <= x <= right for x in bounds):
                parts.append([])
        parts[-1].append(word)
    return [part for part in parts if part]


def column_of(chunk: list[Word], columns: list[Column]) -> str:
    """The column whose header the cell overlaps most; none overlapping, the nearest. A cell
    under a centred header starts left of it but still overlaps it."""
    left, right = chunk[0].box.left, chunk[-1].box.right

    def overlap(column: Column) -> float:
        return min(right, column.right) - max(left, column.left)

    best = max(columns, key=overlap)
    if overlap(best) > 0:
        return best.key
    centre = (left + right) / 2
    return min(columns, key=lambda c: abs((c.left + c.right) / 2 - centre)).key


def find_table(
    lines: list[Line], headers: dict[str, tuple[str, ...]], needed: str
) -> tuple[list[Column], list[Row]] | None:
    """The first table whose header names column `needed` and another, with its rows."""
    for index, line in enumerate(lines):
        columns = header_columns(line, headers)
        if columns and any(c.key == needed for c in columns):
            rows = rows_below(lines, index, columns)
            if rows:
                return columns, rows
    return None
