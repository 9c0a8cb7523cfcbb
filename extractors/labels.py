"""Find a printed label on a line and the value that follows it.

Labels are data (`data/labels.yaml`). A label counts only when it is followed by a colon or
by a wide gap (a form's label column), so "Nama" does not fire inside "Nama Kepala Keluarga"
and a word in running text is not taken for a label. A value ends at the next label that is
followed by a colon (the next field on the same row) or at the end of the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from statistics import median

import yaml

from extractors.tables import Column, cells_of, column_of
from models import Box, Line, Word

_SEPARATOR = r"[\s.:/,\-]*"
# A typewriter's dot leader as OCR reads it: dots, with letters it made of some (`Lc...`,
# `.....cccc`, `......W.....`).
_LEADER = r"(?>[A-Za-z]{0,6}[.…·]{2,}[A-Za-z.…·,]*)"
# The colon after a label, possibly after OCR debris from dot leaders ("Tgl Lahir — :",
# "No. CM Lc... coco... :").
_AFTER = re.compile(rf"\s*(?:(?:{_LEADER}|[-—–_.,'`~]+)\s*)*?[:;]\s*")
# A colon standing alone that OCR read as a thin letter or digit ("No. Index 1 423594").
_MISREAD_COLON = re.compile(rf"(?:\s*{_LEADER})*\s+[1lI|!i]\s+(?=\S)")


@cache
def _labels_file() -> dict[str, dict[str, int]]:
    """Per field, each label variant and its weight (a plain list gives every variant 1)."""
    text = resources.files("extractors").joinpath("data/labels.yaml").read_text("utf-8")
    return {
        key: dict(values) if isinstance(values, dict) else dict.fromkeys(values, 1)
        for key, values in yaml.safe_load(text).items()
    }


@cache
def label_table() -> dict[str, tuple[str, ...]]:
    return {key: tuple(values) for key, values in _labels_file().items()}


def label_weight(field: str, label: str) -> int:
    return _labels_file()[field].get(label, 1)


# Letters OCR confuses inside labels ("Tgi. Lahir", "N0. RM"): each matches its look-alikes.
_LOOKALIKES = {"l": "[l1iI|!]", "i": "[il1I|!]", "o": "[o0]"}
FUZZY_LENGTH = 7  # words this long also match with one letter dropped or changed (`Dignosa`)
# Shorter words get that one edit only in a label that opens its column and is followed by
# its colon or its column's gap (`Tgl. Lahi :`), where a label is all a word can be.
SHORT_FUZZY_LENGTH = 4


def _tolerant(chunk: str, shortest: int = FUZZY_LENGTH) -> str:
    exact = "".join(_LOOKALIKES.get(ch.lower(), re.escape(ch)) for ch in chunk)
    if len(chunk) < shortest or not chunk.isalpha():
        return exact
    dropped = {chunk[:i] + chunk[i + 1 :] for i in range(1, len(chunk))}
    changed = {
        re.escape(chunk[:i]) + "[A-Za-z]" + re.escape(chunk[i + 1 :]) for i in range(1, len(chunk))
    }
    return "(?:" + "|".join([exact, *sorted(changed), *sorted(map(re.escape, dropped))]) + ")"


@cache
def label_regex(label: str) -> re.Pattern[str]:
    """A tolerant pattern: `No. RM` matches `No.RM`, `NO RM`, `No . RM`, `N0. RM`."""
    chunks = re.findall(r"[A-Za-z0-9]+", label)
    body = _SEPARATOR.join(_tolerant(c) for c in chunks)
    return re.compile(rf"(?<![A-Za-z0-9]){body}{_LABEL_END}", re.IGNORECASE)


@cache
def short_fuzzy_regex(label: str) -> re.Pattern[str] | None:
    """`label_regex` with one OCR-sized edit in one of its short words (`Lahi` for `Lahir`);
    None when the label has no word of 4 to 6 letters."""
    chunks = re.findall(r"[A-Za-z0-9]+", label)
    short = [
        i
        for i, c in enumerate(chunks)
        if c.isalpha() and SHORT_FUZZY_LENGTH <= len(c) < FUZZY_LENGTH
    ]
    if not short:
        return None
    bodies = [
        _SEPARATOR.join(
            _tolerant(c, SHORT_FUZZY_LENGTH if j == i else FUZZY_LENGTH)
            for j, c in enumerate(chunks)
        )
        for i in short
    ]
    return re.compile(rf"(?<![A-Za-z0-9])(?:{'|'.join(bodies)}){_LABEL_END}", re.IGNORECASE)


def words_after(lines: list[Line], phrases: Iterable[str]) -> Iterator[tuple[int, list[Word]]]:
    """Each line that names one of `phrases` anywhere in its text (the longest first), with its
    index and the words after the phrase: a label in running text, where no colon follows
    (`… terdaftar dengan No. RM 123`, `… kami rujuk dengan diagnosa Demam tifoid …`)."""
    ordered = sorted(phrases, key=len, reverse=True)
    for index, line in enumerate(lines):
        match = next((m for p in ordered if (m := label_regex(p).search(line.text))), None)
        if match is not None:
            yield index, TextLine.of(line).words_in(match.end(), len(line.text))


# A label ends at the end of its word, or where OCR glued its value to it after losing the
# colon and the space: a capital or digit after its last small letter (`No. Rekam
# MedisRM-00888121`), or three digits after it (`No.RM123456`).
_LABEL_END = r"(?:(?![A-Za-z0-9])|(?-i:(?<=[a-z])(?=[A-Z0-9]))|(?<=[A-Za-z.])(?=\d{3}))"


@cache
def _all_labels() -> tuple[str, ...]:
    labels = {label for values in label_table().values() for label in values}
    return tuple(sorted(labels, key=len, reverse=True))


@dataclass(frozen=True)
class TextLine:
    """A line's text with the character span of each word, to map matches back to boxes."""

    line: Line
    text: str
    spans: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, line: Line) -> TextLine:
        spans: list[tuple[int, int]] = []
        pos = 0
        for word in line.words:
            spans.append((pos, pos + len(word.text)))
            pos += len(word.text) + 1
        return cls(line=line, text=line.text, spans=tuple(spans))

    def words_in(self, start: int, end: int) -> list[Word]:
        return [
            w
            for w, (a, b) in zip(self.line.words, self.spans, strict=True)
            if a < end and b > start
        ]

    def word_at(self, offset: int) -> int:
        for i, (a, b) in enumerate(self.spans):
            if a <= offset < b or offset < a:
                return i
        return len(self.spans) - 1


@dataclass(frozen=True)
class LabelHit:
    """A label found on a line and the value printed after it; `line_index` is the line the
    value sits on (the label's own, or the next one when the label ends its line: `below`)."""

    line_index: int
    label: str
    value: str
    words: tuple[Word, ...]
    colon: bool
    below: bool = False
    label_left: float | None = None  # where the label's first word starts

    @property
    def flags(self) -> dict[str, object]:
        """Evidence flags of its value: after a colon on the label's line is anchored; a line
        below that reads as running text may be the body under a label whose value (a dash)
        OCR lost, so a person looks."""
        doubt = BELOW if self.below and running_text(self.value) else 1.0
        return {"anchored": self.colon and not self.below, "doubt": doubt}

    @property
    def boxes(self) -> list[Box]:
        return [w.box for w in self.words]

    @property
    def confidence(self) -> float:
        if not self.words:
            return 0.0
        return sum(w.confidence for w in self.words) / len(self.words)

    @property
    def page(self) -> int:
        return self.words[0].page if self.words else 1


# One or two words between a label and its colon: `Diagnosa Sementara :`, `No. RM Pasien :`,
# `No. RM (Rekam Medis) :`, `Diagnosa (ICD-10) :`, `Diagnosa tetap/sementara :`.
_FILLER = re.compile(r"\s+(?:\(?[A-Za-z][A-Za-z0-9\-/]*\)?\.?\s*){1,2}[:;]\s*")


def _anchored_end(tl: TextLine, match: re.Match[str]) -> tuple[int, bool] | None:
    """Where the value starts after a label, or None when the label is not a real label."""
    after = _AFTER.match(tl.text, match.end())
    if after:
        return after.end(), True
    filler = _FILLER.match(tl.text, match.end())
    if filler:
        return filler.end(), True
    misread = _MISREAD_COLON.match(tl.text, match.end())
    if misread:
        return misread.end(), False
    if match.end() >= len(tl.text):
        return None
    if tl.text[match.end()].isalnum():  # glued to its value (`_LABEL_END`)
        return match.end(), False
    return _gap_end(tl, match)


def _gap_end(tl: TextLine, match: re.Match[str]) -> tuple[int, bool] | None:
    """Where the value starts after a label without its colon: across a form's column gap."""
    last = tl.word_at(max(match.end() - 1, 0))
    if last + 1 >= len(tl.line.words):
        return None
    left, right = tl.line.words[last], tl.line.words[last + 1]
    gap = right.box.left - left.box.right
    height = max(left.box.height, 1)
    if gap > 1.5 * height or (gap > NUMBER_GAP * height and right.text[:1].isdigit()):
        return tl.spans[last + 1][0], False
    return None


# A label filling its ruled cell stands closer to the next cell's value; a value starting
# with a digit there (`Umur/Tgl Lahir | 84 th / 06-12-1940`) is no word of running text.
NUMBER_GAP = 0.8


# A word of a field we have no label for, with its colon: `Ket:`, `Poli / Unit Tujuan :`.
_UNKNOWN_LABEL = re.compile(r"\s(?=[A-Z][A-Za-z.]{1,20}\s?:(?!\d))")
COLUMN_GAP = 2.5  # a gap this many letter heights wide starts another column of a form


def _value_end(tl: TextLine, start: int) -> int:
    """The value stops where the next field's label begins: a label followed by a colon, or
    one standing after a wide gap (a form's second column, whose colon OCR may have lost); a
    capitalised word with a colon of its own; or a gap as wide as a form's column gap."""
    end = len(tl.text)
    unknown = _UNKNOWN_LABEL.search(tl.text, start + 1)
    if unknown:
        end = unknown.start()
    first = tl.word_at(start)
    height = max(1, median(w.box.height for w in tl.line.words))  # a dash is 3 px tall
    for index in range(first + 1, len(tl.line.words)):
        left, right = tl.line.words[index - 1], tl.line.words[index]
        if right.box.left - left.box.right > COLUMN_GAP * height:
            end = min(end, tl.spans[index][0])
            break
    for label in _all_labels():
        for m in label_regex(label).finditer(tl.text, start):
            if m.start() <= start or m.start() >= end:
                continue
            if _AFTER.match(tl.text, m.end()) or _after_gap(tl, m.start()):
                end = m.start()
                break
    return end


def _after_gap(tl: TextLine, offset: int) -> bool:
    index = tl.word_at(offset)
    if index == 0 or tl.spans[index][0] != offset:
        return False
    left, right = tl.line.words[index - 1], tl.line.words[index]
    return right.box.left - left.box.right > 1.5 * max(left.box.height, 1)


def find_labels(lines: list[Line], field: str) -> list[LabelHit]:
    """Every anchored occurrence of one of `field`'s labels, top to bottom."""
    labels = sorted(label_table()[field], key=len, reverse=True)
    hits: list[LabelHit] = []
    for index, line in enumerate(lines):
        tl = TextLine.of(line)
        taken: list[tuple[int, int]] = []
        for label in labels:
            for m in label_regex(label).finditer(tl.text):
                if any(m.start() < b and m.end() > a for a, b in taken):
                    continue
                if _covered_by_longer_label(tl.text, m, label):
                    continue
                anchored = _anchored_end(tl, m)
                hit = _hit_beside(lines, index, tl, m, label, anchored) if anchored else None
                if hit is None or not (hit.value or hit.colon):
                    # No colon and nothing beside it (a boxed form's row of labels, the next
                    # cell's label beside): the value may be the cell below.
                    cell = _in_label_row(lines, index, tl, m, label)
                    hit = cell or _heads_a_cell(lines, index, tl, m, label) or hit
                if hit is not None:
                    taken.append((m.start(), m.end()))
                    hits.append(hit)
        hits.extend(_short_fuzzy_hits(lines, index, tl, labels, taken))
    return hits


def _short_fuzzy_hits(
    lines: list[Line], index: int, tl: TextLine, labels: list[str], taken: list[tuple[int, int]]
) -> Iterator[LabelHit]:
    """Labels read with one edit in a short word (`short_fuzzy_regex`), where no label was
    found: only at the head of a column, before a colon or a column gap."""
    for label in labels:
        pattern = short_fuzzy_regex(label)
        for m in pattern.finditer(tl.text) if pattern else ():
            if any(m.start() < b and m.end() > a for a, b in taken) or not _opens_run(tl, m):
                continue
            after = _AFTER.match(tl.text, m.end())
            anchored = (after.end(), True) if after else _gap_end(tl, m)
            if anchored is not None:
                taken.append((m.start(), m.end()))
                yield _hit_beside(lines, index, tl, m, label, anchored)


def _opens_run(tl: TextLine, m: re.Match[str]) -> bool:
    """The match is the first thing of its column run, numbering and a box's rules aside."""
    first = tl.words_in(m.start(), m.end())[0]
    run = next(r for r in column_runs(tl.line) if first in r)
    before = " ".join(w.text for w in run[: run.index(first)] if not _is_debris(w.text))
    return not _NUMBERED.sub("", before)


def _hit_beside(
    lines: list[Line],
    index: int,
    tl: TextLine,
    m: re.Match[str],
    label: str,
    anchored: tuple[int, bool],
) -> LabelHit:
    """The label's value on its own line after the colon (or gap); a label ending its line
    with a colon takes the line below."""
    start, colon = anchored
    end = _value_end(tl, start)
    value = tl.text[start:end].strip(" :;")
    words = tuple(tl.words_in(start, end))
    if _is_label(value) or (not colon and _starts_with_label(value)):
        value, words = "", ()  # `Diagnosa Akhir : Kode ICD`, `Nama Pasien   Umur`: headers
    if not colon and words and all(_RULE.fullmatch(w.text) for w in words):
        value, words = "", ()  # the box's right rule beside `| No. RM |`
    label_words = tl.words_in(m.start(), m.end())
    left, right = label_words[0].box.left, label_words[-1].box.right
    at = index
    if not value and colon and end >= len(tl.text):
        value, words = _value_below(lines, index, left, right)
        if _sentence(value):  # the letter's next paragraph under a label printed blank
            value, words = "", ()
        at = index + 1 if value else index
    return LabelHit(at, label, value, words, colon, at != index, left)


# A box's vertical rule as OCR reads it.
_RULE = re.compile(r"[|\[\]!]+")
# Numbering before a section's label (`III.`, `3.`, `b)`) or a bullet.
_NUMBERED = re.compile(r"^(?:(?:[IVX]{1,4}|\d{1,2}|[a-h])[.)]|[-•])\s*")


def _heads_a_cell(
    lines: list[Line], index: int, tl: TextLine, m: re.Match[str], label: str
) -> LabelHit | None:
    """A label standing alone in its column, without a colon, whose value is printed under
    it: a boxed form's cell (`No. Rekam Medis` over `00-12-34`), a section's heading
    (`DIAGNOSA KERJA` over the diagnosis)."""
    label_words = tl.words_in(m.start(), m.end())
    run = next(r for r in column_runs(tl.line) if label_words[0] in r)
    rest = [w for w in run if w not in label_words and not _is_debris(w.text)]  # a box's `|`
    before = " ".join(w.text for w in rest if w.box.left < label_words[0].box.left)
    if any(w.box.left > label_words[0].box.left for w in rest) or _NUMBERED.sub("", before):
        return None
    left, right = label_words[0].box.left, label_words[-1].box.right
    value, words = _value_below(lines, index, left, right, CELL_GAP)
    if not value or _sentence(value):  # the body under `Diagnosa Utama` whose `: ____` OCR lost
        return None
    return LabelHit(index + 1, label, value, words, False, True, left)


def _label_spans(text: str) -> list[tuple[int, int]]:
    """Where labels of any field stand on a line, longest first, left to right."""
    spans: list[tuple[int, int]] = []
    for label in _all_labels():
        for m in label_regex(label).finditer(text):
            if not any(m.start() < b and m.end() > a for a, b in spans):
                spans.append((m.start(), m.end()))
    return sorted(spans)


def _in_label_row(
    lines: list[Line], index: int, tl: TextLine, m: re.Match[str], label: str
) -> LabelHit | None:
    """A row of labels over a row of values, each label over its cell (`No. RM  No. Reg  Nama
    Pasien  Tgl. Lahir` centred over the patient's values): the value is what stands in the
    next line under this label's column, the cells cut as a table's (`extractors/tables`)."""
    if ":" in tl.text or index + 1 >= len(lines):
        return None
    spans = _label_spans(tl.text)
    covered = [w for a, b in spans for w in tl.words_in(a, b)]
    rest = [w for w in tl.line.words if w not in covered and any(c.isalnum() for c in w.text)]
    if len(spans) < 2 or rest:
        return None
    columns = [
        Column(str(a), words[0].box.left, words[-1].box.right)
        for a, b in spans
        if (words := tl.words_in(a, b))
    ]
    line, nxt = tl.line, lines[index + 1]
    if nxt.page != line.page or nxt.box.top - line.box.bottom > CELL_GAP * line.box.height:
        return None
    mine = str(next(a for a, b in spans if a <= m.start() < b))
    words = [w for chunk in cells_of(nxt) if column_of(chunk, columns) == mine for w in chunk]
    words = [w for w in words if not _is_debris(w.text)]
    if not words:
        return None
    value = " ".join(w.text for w in words)
    return LabelHit(index + 1, label, value, tuple(words), False, True, words[0].box.left)


def _is_label(text: str) -> bool:
    return bool(text) and any(label_regex(label).fullmatch(text) for label in _all_labels())


BELOW = 0.7  # doubt on running text read from the line under its label
# Line heights between a label alone in its cell and the value in the cell below (a box's
# padding); a label ending its line with a colon allows 1.5 (the paragraph after a blank
# `Diagnosa :` whose dash OCR lost is no value).
CELL_GAP = 2.0
# Words of a sentence, hardly ever of a value (`Demikian surat ini …`, `pasien tersebut …`).
_SENTENCE_WORDS = frozenset({
    "ini", "itu", "yang", "bahwa", "tersebut", "surat", "demikian", "kami", "agar", "untuk",
    "mohon", "telah", "sebagai",
})  # fmt: skip
_DATE_LIKE = re.compile(r"\d{1,2}\s*(?:[-/.]\s*\d{1,2}\s*[-/.]|[A-Za-z]{3,9})\s*(?:19|20)\d{2}")


def _sentence(value: str) -> bool:
    """A line holding a word of a sentence (`Demikian surat keterangan ini …`)."""
    return any(w in _SENTENCE_WORDS for w in re.findall(r"[A-Za-z]+", value.lower()))


def running_text(value: str) -> bool:
    """A line that reads as a sentence or a date line rather than a field's value."""
    return (
        len(value.split()) > 6
        or value.rstrip().endswith((".", ","))
        or _sentence(value)
        or bool(_DATE_LIKE.search(value))
        or not any(ch.isalnum() for ch in value)
    )


def _value_below(
    lines: list[Line], index: int, left: float, right: float, most: float = 1.5
) -> tuple[str, tuple[Word, ...]]:
    """`Diagnosa sementara :` ending its line: the value is the next line, when that follows
    closely and is no `label : value` row of its own; on a form of several columns, only the
    run of the next line under the label (from `left` to `right`) counts: the cell below. A
    line beside, in another column (a title left of a boxed field), is stepped over."""
    line = lines[index]
    for nxt in lines[index + 1 : index + 3]:
        words = [w for w in nxt.words if not _is_debris(w.text)]  # a box's `|` rules
        if not words or nxt.page != line.page:
            return "", ()
        slack = 2 * median(w.box.height for w in words)
        under = [
            run
            for run in column_runs(Line(words=words, page=nxt.page))
            if run[0].box.left <= right + slack and run[-1].box.right >= left - slack
        ]
        if not under:
            continue
        top = min(w.box.top for w in under[0])
        if len(under) > 1 or top - line.box.bottom > most * max(line.box.height, 1):
            return "", ()
        return _cell_text(nxt, under[0])
    return "", ()


def _cell_text(line: Line, words: list[Word]) -> tuple[str, tuple[Word, ...]]:
    """A run's text as a value, or nothing when it is a `label : value` row of its own."""
    text = " ".join(w.text for w in words)
    after = line.words[line.words.index(words[-1]) + 1 :]
    if ":" in text or (after and after[0].text.startswith(":")):
        return "", ()  # `- Diagnosa Utama      : …`
    if _starts_with_label(_NUMBERED.sub("", text)):
        return "", ()
    return text, tuple(words)


def _covered_by_longer_label(text: str, match: re.Match[str], label: str) -> bool:
    """True when the match is part of a longer label of another field ("Nama" in
    "Nama Kepala Keluarga", "Desa" in "Kel/Desa" handled by its own field)."""
    for other in _all_labels():
        if len(other) <= len(label):
            break
        for m in label_regex(other).finditer(text):
            if m.start() <= match.start() and m.end() >= match.end():
                return True
    return False


def continuation(lines: list[Line], hit: LabelHit, max_lines: int = 3) -> list[Word]:
    """Words of the following lines that continue a wrapped value.

    A continuation starts under the value (not under the label), follows closely below, and
    carries no label of its own. On a two-column form only the value's column counts (the
    words of the other column share the line); a line of dot-leader debris is stepped over.
    """
    if not hit.words:
        return []
    first = hit.words[0]
    tolerance = 2 * first.box.height
    # Words left of the value may be another column's, never this column's next row.
    column_left = first.box.left if hit.below or hit.label_left is None else hit.label_left
    extra: list[Word] = []
    previous = lines[hit.line_index]
    for at, line in enumerate(lines[hit.line_index + 1 : hit.line_index + 1 + max_lines]):
        if line.page != previous.page:
            break
        if all(_is_debris(w.text) for w in line.words):  # drawn low, inside the row or below
            previous = Line(words=[*previous.words, *line.words], page=line.page)
            continue
        gap = line.box.top - previous.box.bottom
        words = _column_at(line, first.box.left, tolerance)
        if not words or gap > 1.0 * max(previous.box.height, 1):
            break
        if any(
            column_left - tolerance <= w.box.left < words[0].box.left and not _is_debris(w.text)
            for w in line.words
        ):
            break  # a row of its own in the value's column: `Alamat    Jl. Melati`
        text = " ".join(w.text for w in words)
        if ":" in text or _starts_with_label(text):
            break
        if _opens_next_cell(lines, hit.line_index + 2 + at, line, gap):
            break
        extra.extend(words)
        previous = line
    return extra


def _opens_next_cell(lines: list[Line], after: int, line: Line, gap: float) -> bool:
    """`line` is the first line of the next ruled cell's value, its label centred beside its
    second line: the line after begins with a label and follows `line` much closer than
    `line` follows the value above (a cell's leading against a row's rules and padding)."""
    if after >= len(lines) or lines[after].page != line.page or gap <= 0:
        return False
    nxt = lines[after]
    return starts_with_label(nxt) and nxt.box.top - line.box.bottom < CELL_LEADING * gap


CELL_LEADING = 0.6  # a cell's line gap against the gap between two rows, at most


def _starts_with_label(text: str) -> bool:
    return any(label_regex(label).match(text) for label in _all_labels())


def is_leader(text: str) -> bool:
    """A word that is a dot leader as OCR read it (`......`, `Lc...`)."""
    return bool(re.fullmatch(_LEADER, text))


def _is_debris(text: str) -> bool:
    return is_leader(text) or not any(ch.isalnum() for ch in text)


def column_runs(line: Line) -> list[list[Word]]:
    """The line cut at a form's column gaps: a two-column row gives two runs."""
    height = max(1, median(w.box.height for w in line.words))
    runs: list[list[Word]] = []
    for word in line.words:
        if runs and word.box.left - runs[-1][-1].box.right <= COLUMN_GAP * height:
            runs[-1].append(word)
        else:
            runs.append([word])
    return runs


def _column_at(line: Line, left: float, tolerance: float) -> list[Word]:
    """The run of `line` (`column_runs`) that starts at `left`; [] when none does."""
    return next((run for run in column_runs(line) if abs(run[0].box.left - left) <= tolerance), [])


def starts_with_label(line: Line) -> bool:
    """The line is a `label : value` row (of any field)."""
    return any(label_regex(label).match(line.text) for label in _all_labels())


def top_labels(lines: list[Line], field: str) -> list[LabelHit]:
    """The anchored labels of `field` of the highest weight printed, valued or not: a lesser
    label never stands in for a greater one printed blank (`Diagnosa Dokter : -` beside
    `Diagnosa Awal : demam` has no diagnosis)."""
    hits = find_labels(lines, field)
    if not hits:
        return []
    # Printed anywhere counts, anchored or not: OCR may have lost the colon and the dash of
    # `Diagnosa Dokter : -` on a two-column form.
    printed = [
        label_weight(field, label)
        for label in label_table()[field]
        for line in lines
        for m in label_regex(label).finditer(line.text)
        if not _covered_by_longer_label(line.text, m, label)
    ]
    top = max(printed + [label_weight(field, hit.label) for hit in hits])
    return [hit for hit in hits if label_weight(field, hit.label) == top]


def find_label(lines: list[Line], field: str) -> LabelHit | None:
    """The first of the highest-weight labels of `field` with a value (see `top_labels`)."""
    return next((hit for hit in top_labels(lines, field) if hit.value), None)
