"""Parts every Indonesian letter shares: the letterhead (kop) and the place-date line."""

from __future__ import annotations

import re
from datetime import date
from statistics import median

from extractors.confidence import evidence_of, scored_field
from extractors.dates import find_dates, parse_date, parse_digit_boxes
from extractors.digits import OCR_DIGIT_MAP
from extractors.labels import (
    LabelHit,
    column_runs,
    continuation,
    label_regex,
    label_table,
    top_labels,
)
from models import Field, Line, Word

# Words on a line that make its date something other than the letter's own date (`umur` as
# a word of its own: the village of `Sumur Anyir, 1 Januari 2026` dates the letter).
_NOT_LETTER_DATE = re.compile(
    r"lahir|s\.?/d|sampai|hingga|masuk|keluar|periksa|kontrol|berlaku|tgl\.?\s*rawat|"
    r"(?<![a-z])umur",
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
        place_date = _is_place_date(before) or _is_place_date(_run_before(lines[index], start))
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


def _is_place_date(before: str) -> bool:
    return bool(_PLACE_DATE.match(before + " ")) and "," in before


def _run_before(line: Line, offset: int) -> str:
    """The text before character `offset` of `line` within its column run: the place of a
    place-date printed right of `Nomor : …` on the same row."""
    position = 0
    for run in column_runs(line):
        text = " ".join(w.text for w in run)
        if position <= offset <= position + len(text):
            return text[: offset - position]
        position += len(text) + 1
    return ""


def header_lines(lines: list[Line], share: float = 0.3) -> list[Line]:
    """Lines in the top `share` of the first page: where a letterhead sits."""
    first = [line for line in lines if line.page == lines[0].page] if lines else []
    if not first:
        return []
    bottom = max(line.box.bottom for line in first)
    return [line for line in first if line.box.top <= bottom * share]


# The addressee block of a letter (`Kepada Yth.` / `Direktur RSUD ...` / `di Tempat`): names a
# facility that is not the one writing.
_ADDRESSEE = re.compile(r"^\s*(?:kepada\s*(?:yth|yang)|yth\.?\s)", re.IGNORECASE)
_ADDRESSEE_END = re.compile(r"^\s*di\s*[-.]?\s*(?:tempat|\w+)\s*$", re.IGNORECASE)
# A letterhead line that is an address or a contact, never the rest of a name.
_KOP_DETAIL = re.compile(
    r"\b(?:jl|jln|jalan|telp|telepon|tlp|fax|email|e-mail|website|kode\s*pos|kec|kab|"
    r"kecamatan|kabupaten|desa|kelurahan|hp|wa|no|surat|keterangan)\b|[@:\d]",
    re.IGNORECASE,
)


def without_addressee(lines: list[Line]) -> list[Line]:
    """The lines without the addressee block (`Kepada Yth.` down to `di Tempat`)."""
    kept: list[Line] = []
    skipping = 0
    for line in lines:
        if _ADDRESSEE.match(line.text):
            skipping = 4
        if skipping:
            skipping = 0 if _ADDRESSEE_END.match(line.text) else skipping - 1
            continue
        kept.append(line)
    return kept


def _name_goes_on(words: list[Word], nxt: Line) -> bool:
    """A letterhead name broken over two lines: the next line follows closely, in capitals no
    smaller than half the name's, and is no address or contact line. (Word boxes, not line
    boxes: a logo beside the kop makes its line tall.)"""
    height = median(w.box.height for w in words)
    bottom = max(w.box.bottom for w in words)
    gap = nxt.box.top - bottom
    letters = re.sub(r"[^A-Za-z]", "", nxt.text)
    return (
        nxt.page == words[0].page
        and -0.2 * height <= gap < 1.2 * height
        and median(w.box.height for w in nxt.words) >= 0.5 * height
        and letters.isupper()
        and not _KOP_DETAIL.search(nxt.text)
    )


# OCR debris a logo beside the kop leaves at a line's ends: `fk RUMAH SAKIT ... fx`.
_LOGO_DEBRIS = re.compile(r"^(?:[a-z]{1,3}\s+)+|(?:\s+[a-z]{1,3})+$")


def header_value(
    lines: list[Line], pattern: re.Pattern[str], name: str, two_lines: bool = False
) -> Field:
    """The rest of the first letterhead line that matches `pattern` (group 1 is the value);
    an addressee block is skipped. `two_lines`: a name may go on to the next line."""
    header = without_addressee(header_lines(lines))
    for index, line in enumerate(header):
        m = pattern.search(line.text)
        if not m:
            continue
        value = _LOGO_DEBRIS.sub("", re.sub(r"\s+", " ", m.group(1))).strip(" ,.:")
        if not value:
            continue
        words = [w for w in line.words if w.text.strip(",.") in value.split()] or line.words
        if two_lines and index + 1 < len(header) and _name_goes_on(words, header[index + 1]):
            value = f"{value} {header[index + 1].text.strip(' ,.')}"
            words = [*words, *header[index + 1].words]
        return scored_field(name, value, evidence_of(words), line.page, [w.box for w in words])
    return Field(name=name)


# A colon OCR read as a 1 glued to the day: `Tanggal Lahir 111 - 07 - 1963`, also with a
# typewriter's zero read as a letter in the month (`122 - O1 - 1979`).
_DIGIT = "0-9" + re.escape("".join(OCR_DIGIT_MAP))
_NUMERIC_DATE = rf"[{_DIGIT}]{{1,2}}\s*[-/.]\s*[{_DIGIT}]{{1,2}}\s*[-/.]\s*\d{{4}}"
_GLUED_COLON = re.compile(rf"^\s*[:;]?\s*[1lI|!][:;]?(?={_NUMERIC_DATE})")
# The colon lost altogether, the date right after the label (`Tgl. Lahir 24-10-1961 Jenis
# Kelamin : …` on a 200-dpi scan of rujukan_form).
_LOST_COLON = re.compile(rf"^\s*(?={_NUMERIC_DATE})")


def _glued_birth_date(lines: list[Line]) -> Field:
    """A birth date whose label's colon was lost, or read as a digit glued to the day; tried
    only when the label gave no date, and a date read whole first, so a real `11-07` is
    never cut."""
    for line in lines:
        for label in label_table()["birth_date"]:
            match = label_regex(label).search(line.text)
            parsed, repaired = _date_after(line.text[match.end() :] if match else "")
            if parsed is not None:
                words = [w for w in line.words if any(ch.isdigit() for ch in w.text)]
                evidence = evidence_of(words or line.words, repaired=repaired)
                return scored_field(
                    "birth_date", parsed.isoformat(), evidence, line.page, [w.box for w in words]
                )
    return Field(name="birth_date")


def _date_after(rest: str) -> tuple[date | None, int]:
    """The birth date right after a label without its colon, read whole, else with a digit
    glued to the day taken for the colon (a repair of one character)."""
    for repaired, pattern in enumerate((_LOST_COLON, _GLUED_COLON)):
        start = pattern.match(rest)
        parsed = parse_date(rest[start.end() :], kind="birth") if start else None
        if parsed is not None:
            return parsed, repaired
    return None, 0


def birth_date(lines: list[Line]) -> Field:
    """The printed birth date after its label; a date that wrapped onto the next line
    (`KONAWE, 7 Maret` / `2005`) is read with its continuation. A label whose value holds no
    date (`Tempat Lahir : Batu Bara` above `Tanggal Lahir : …`) gives way to the next."""
    for hit in top_labels(lines, "birth_date"):
        if hit.value and (found := _dated(lines, hit)) is not None:
            return found
    return _glued_birth_date(lines)


def _dated(lines: list[Line], hit: LabelHit) -> Field | None:
    words = list(hit.words)
    parsed = parse_date(hit.value, kind="birth")
    if parsed is None:
        more = continuation(lines, hit, max_lines=1)
        words += more
        parsed = parse_date(" ".join([hit.value, *(w.text for w in more)]), kind="birth")
    parsed = parsed or parse_digit_boxes(hit.value)
    if parsed is None:
        return None
    digit_words = [w for w in words if any(ch.isdigit() for ch in w.text)] or words
    evidence = evidence_of(words, **hit.flags)
    return scored_field(
        "birth_date", parsed.isoformat(), evidence, hit.page, [w.box for w in digit_words]
    )
