"""Tables read as tables: a header row names the columns, the rows below are cut by them.

Hospital systems print a diagnosis as `Kode ICD-10 | Diagnosis | Jenis` with `Utama` and
`Sekunder` rows; read as label and value, the header word `Jenis` looks like the diagnosis.
Here a header row is a line (without a colon) where the words of at least two columns stand
apart; each column spans from its header's left edge to the gap before the next header, and a
word of a row belongs to the column its centre falls in. Ruled or not makes no difference:
the preprocessing has removed the rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from models import Line, Word

_LETTERS = re.compile(r"[^a-z0-9]")


@dataclass(frozen=True)
class Column:
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
    than two columns, or a `label : value` row)."""
    if ":" in line.text:
        return None
    starts: list[tuple[str, float, float]] = []
    for word in line.words:
        key = _key_of(word, headers)
        if key is None:
            continue
        if starts and starts[-1][0] == key:  # `Kode ICD-10`: one column, two words
            starts[-1] = (key, starts[-1][1], word.box.right)
        else:
            starts.append((key, word.box.left, word.box.right))
    if len({key for key, _, _ in starts}) < 2:
        return None
    # Cells run from under their header to just before the next one (a long value passes its
    # header's right edge); a centred header's cell may begin a little left of it.
    bounds = [
        starts[i + 1][1] - 0.25 * (starts[i + 1][1] - starts[i][2]) for i in range(len(starts) - 1)
    ]
    edges = [float("-inf"), *bounds, float("inf")]
    return [Column(key, edges[i], edges[i + 1]) for i, (key, _, _) in enumerate(starts)]


def rows_below(lines: list[Line], index: int, columns: list[Column], limit: int = 8) -> list[Row]:
    """The rows under the header at `index`: lines that follow closely on the same page, up to
    a `label : value` row, a wide gap or `limit` rows."""
    rows: list[Row] = []
    previous = lines[index]
    for line in lines[index + 1 : index + 1 + limit]:
        gap = line.box.top - previous.box.bottom
        if line.page != previous.page or gap > 2.5 * max(previous.box.height, 1):
            break
        if re.search(r"[A-Za-z]\s*:", line.text):
            break
        cells: dict[str, list[Word]] = {}
        for word in line.words:
            centre = word.box.left + word.box.width / 2
            for column in columns:
                if column.left <= centre < column.right:
                    cells.setdefault(column.key, []).append(word)
                    break
        rows.append(Row(line, cells))
        previous = line
    return rows


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
