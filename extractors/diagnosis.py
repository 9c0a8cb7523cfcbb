"""The diagnosis as printed, its ICD-10 code, and lines it wraps onto."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from extractors.absence import BLANK_MARK
from extractors.confidence import evidence_of, scored_field
from extractors.icd10 import find_codes, known_code, repair_code_slots
from extractors.labels import continuation, find_label, label_regex, label_table, words_after
from extractors.tables import Row, find_table
from models import Box, Field, Line, Word


@dataclass(frozen=True)
class Diagnosis:
    text: Field
    icd10: Field
    blank: bool = False  # its place is printed with a dash or dots: certainly not written


# A code at the start whose letter OCR read as a digit (`021.1 - Atrial septal defect`: Q or
# O, which cannot be told apart): no code, but no part of the diagnosis either.
_GARBLED_CODE = re.compile(r"^\d{3}[.,]\d{1,2}\s+(?:[-–]\s+)?(?=[A-Za-z]{3})")


# The same in brackets after the words (`Hipertensi esensial (110)`: I10; `(10)`: its letter
# lost).
_GARBLED_TAIL = re.compile(r"\s*[(\[]\s*\d{2,3}(?:[.,]\d{1,2})?\s*[)\]]$")


def strip_code(text: str) -> str:
    """The diagnosis text without its ICD-10 code and the brackets or dash around it."""
    for code in reversed(find_codes(text)):
        text = text[: code.start] + " " + text[code.end :]
    text = _GARBLED_TAIL.sub("", _GARBLED_CODE.sub("", text.strip()))
    text = re.sub(r"\(\s*\)|\[\s*\]", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" -–:;,/")


# A diagnosis table's columns (`extractors/tables.py`), as letter-only lower-case tokens;
# `other`: the columns beside it on a referral form (`Anamnesa | Diagnosa | Terapi`).
TABLE_HEADERS = {
    "number": ("no",),
    "code": ("kode", "icd", "icd10", "icdx", "kodeicd"),
    "diagnosis": ("diagnosis", "diagnosa", "penyakit"),
    "kind": ("jenis", "tipe", "keterangan", "status", "kategori"),
    "other": ("anamnesa", "anamnesis", "keluhan", "terapi", "tindakan", "terapitindakan",
              "pengobatan"),
}  # fmt: skip
_MAIN_ROW = re.compile(r"utama|primer|primary", re.IGNORECASE)


def _from_table(lines: list[Line]) -> Diagnosis | None:
    """The `Utama` row of a diagnosis table (else its first row): the text under the
    diagnosis header, the code under the code header. A blank `Utama` cell is the answer
    (printed blank, or not read): never the `Sekunder` row below it, nor the header."""
    found = find_table(lines, TABLE_HEADERS, "diagnosis")
    if found is None:
        return None
    rows: list[Row] = []
    ranked = any(c.key == "kind" for c in found[0])  # else its first row is the main one
    for row in found[1]:
        is_main = bool(_MAIN_ROW.search(row.text("kind")))
        if not row.cells.get("diagnosis") and not is_main:
            continue
        # A long title's next line: no number, code or kind of its own (the complaints
        # beside it may wrap too); joined to the main row, or to the first of a table that
        # ranks no rows.
        wrapped = (
            bool(rows)
            and not set(row.cells) & {"number", "code", "kind"}
            and _goes_on(rows[-1], row)
        )
        if (
            wrapped
            and ranked
            and not _MAIN_ROW.search(rows[-1].text("kind") + rows[-1].text("code"))
        ):
            continue  # only the main row's wrap is joined; other rows do not matter
        if wrapped:
            last = rows[-1]
            joined = last.cells.get("diagnosis", []) + row.cells["diagnosis"]
            rows[-1] = Row(last.line, {**last.cells, "diagnosis": joined})
        else:
            rows.append(row)
    main = next((r for r in rows if _MAIN_ROW.search(r.text("kind"))), None)
    main = main or next((r for r in rows if r.cells.get("diagnosis")), None)
    if main is None:
        return None
    words = main.cells.get("diagnosis", [])
    if not _written(main.text("diagnosis")) and _written(main.text("code")):
        words = main.cells["code"]  # code and words read as one cell: `R50.9 Febris hari ke-3`
    raw = repair_code_slots(" ".join(w.text for w in words))
    text = _written(raw)
    page = main.line.page
    text_field = scored_field(
        "diagnosis", text or None, evidence_of(words), page, [w.box for w in words]
    )
    codes = find_codes(repair_code_slots(main.text("code"))) or find_codes(raw)
    code_words = main.cells.get("code") or words
    code_field = (
        scored_field("icd10", codes[0].code, evidence_of(code_words), page,
                     [w.box for w in code_words])
        if codes
        else Field(name="icd10")
    )  # fmt: skip
    cells = (main.text("diagnosis"), main.text("code"))  # `1 | - | | Utama`
    marks = any(BLANK_MARK.search(c) and not any(ch.isalnum() for ch in c) for c in cells)
    return Diagnosis(text_field, code_field, blank=not text and marks)


def _goes_on(row: Row, nxt: Row) -> bool:
    """`nxt` holds the next line of `row`'s diagnosis cell: close below its last line (a
    cell's own leading, not the gap to the paragraph under the table) and starting where the
    cell's text starts (not the signature block further right)."""
    cell, more = row.cells.get("diagnosis"), nxt.cells.get("diagnosis")
    if not cell or not more:
        return False
    height = max(w.box.height for w in cell)
    last = max(w.box.bottom for w in cell)
    close = more[0].box.top - last <= WRAP_GAP * height
    return close and abs(more[0].box.left - cell[0].box.left) <= 2 * height


WRAP_GAP = 1.0  # letter heights between the lines of one cell
UNLABELLED = 0.6  # a diagnosis found by its ICD-10 code, without its label: a person looks


def _by_code(lines: list[Line]) -> Diagnosis | None:
    """No label, no table: the line that prints a WHO ICD-10 code is the diagnosis line
    (`N18.5 Chronic kidney disease stage 5`), its words without the code the diagnosis."""
    for line in lines:
        text = repair_code_slots(line.text)
        codes = [c for c in find_codes(text) if known_code(c.code)]
        if not codes:
            continue
        rest = strip_code(text)
        if _labelled(text[: codes[0].start]):  # `Diagnosa tetap E11.9, DM…`: the colon lost
            rest = strip_code(text[codes[0].start :])
        if sum(ch.isalpha() for ch in rest) < 4 or ":" in rest:
            continue  # a code alone, or a `label : value` row of another field
        boxes = [w.box for w in line.words]
        evidence = evidence_of(line.words, anchored=False, doubt=UNLABELLED)
        return Diagnosis(
            scored_field("diagnosis", rest, evidence, line.page, boxes),
            scored_field("icd10", codes[0].code, evidence, line.page, boxes),
        )
    return None


@cache
def _sentence_cues() -> tuple[tuple[str, ...], re.Pattern[str], re.Pattern[str]]:
    """Cues before a diagnosis in running text, what ends it and words that point back to
    one printed elsewhere (`data/diagnosis_sentence.yaml`)."""
    text = resources.files("extractors").joinpath("data/diagnosis_sentence.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    ends = "|".join(re.escape(e).replace(r"\ ", r"\s+") for e in data["ends"])
    back = "|".join(re.escape(e).replace(r"\ ", r"\s+") for e in data["back"])
    return (
        tuple(data["cues"]),
        re.compile(rf"\s+(?:{ends})(?![A-Za-z])|[.;](?=\s|$)", re.IGNORECASE),
        re.compile(rf"^(?:{back})(?![A-Za-z])", re.IGNORECASE),
    )


def _in_sentence(lines: list[Line]) -> Diagnosis | None:
    """No label: `… kami rujuk dengan diagnosa Demam tifoid (A01.0) untuk mendapatkan …`, the
    words after the cue up to the word that goes on with the sentence, over a line break too."""
    cues, ends, back = _sentence_cues()
    for index, after in words_after(lines, cues):
        line = lines[index]
        words = [w for w in after if w.text.strip(":")]
        for nxt in lines[index + 1 : index + 3]:
            text = " ".join(w.text for w in words)
            if ends.search(text) or nxt.page != line.page:
                break
            words += nxt.words
        kept = _before_end(words, ends)
        raw = repair_code_slots(" ".join(w.text for w in kept))
        text = _written(raw)
        if sum(ch.isalpha() for ch in text) < 3 or back.match(text):
            continue
        evidence = evidence_of(kept, anchored=False)
        boxes = [w.box for w in kept]
        codes = find_codes(raw)
        code = (
            scored_field("icd10", codes[0].code, evidence, line.page, boxes)
            if codes
            else Field(name="icd10")
        )
        return Diagnosis(scored_field("diagnosis", text, evidence, line.page, boxes), code)
    return None


def _before_end(words: list[Word], ends: re.Pattern[str]) -> list[Word]:
    """The words before the sentence goes on (`untuk`, `agar`, a full stop)."""
    text = " ".join(w.text for w in words)
    end = ends.search(text)
    if end is None:
        return words
    kept, offset = [], 0
    for word in words:
        if offset >= end.start():
            break
        kept.append(word)
        offset += len(word.text) + 1
    return kept


def _labelled(text: str) -> bool:
    """Whether `text` holds one of the diagnosis labels."""
    return any(label_regex(label).search(text) for label in label_table()["diagnosis"])


def extract_diagnosis(lines: list[Line]) -> Diagnosis:
    table = _from_table(lines)
    if table is not None:
        return table
    hit = find_label(lines, "diagnosis")
    code_field = Field(name="icd10")
    if hit is None and (said := _in_sentence(lines)) is not None:
        return said
    if hit is None:
        separate = _separate_code(lines)
        if separate is None and (found := _by_code(lines)) is not None:
            return found
        return Diagnosis(Field(name="diagnosis"), separate or code_field)
    words = list(hit.words) + continuation(lines, hit)
    raw = repair_code_slots(" ".join([hit.value, *[w.text for w in words[len(hit.words) :]]]))
    codes = find_codes(raw)
    boxes: list[Box] = [w.box for w in words]
    if codes:
        code_words = [w for w in words if any(c.code[:3] in _code_form(w.text) for c in codes)]
        code_field = scored_field(
            "icd10",
            codes[0].code,
            evidence_of(code_words or words, anchored=hit.colon),
            hit.page,
            [w.box for w in code_words] or boxes,
        )
    elif (beside := _code_beside(lines[hit.line_index], words)) is not None:
        code_field = beside
    elif (separate := _separate_code(lines)) is not None:
        code_field = separate
    text = _written(raw)
    text_field = scored_field(
        "diagnosis", text or None, evidence_of(words, **hit.flags), hit.page, boxes
    )
    return Diagnosis(text_field, code_field)


def _written(raw: str) -> str:
    """The diagnosis words without their code; "" for dots, a dash or a rule."""
    text = strip_code(raw)
    return text if any(ch.isalnum() for ch in text) else ""


def _code_form(text: str) -> str:
    codes = find_codes(text)
    return codes[0].code if codes else ""


def _code_beside(line: Line, value_words: list[Word]) -> Field | None:
    """A code in its own column on the diagnosis's row (`Diagnosa Utama : Diabetes melitus
    tipe 2        (E11.9)`), beyond where the value ended."""
    rest = [
        w for w in line.words if w not in value_words and w.box.left > value_words[-1].box.right
    ]
    codes = find_codes(repair_code_slots(" ".join(w.text for w in rest))) if rest else []
    if not codes:
        return None
    code_words = [w for w in rest if find_codes(w.text)] or rest
    evidence = evidence_of(code_words, anchored=False)
    return scored_field("icd10", codes[0].code, evidence, line.page, [w.box for w in code_words])


def _separate_code(lines: list[Line]) -> Field | None:
    """A code printed on its own row (`Kode ICD : N18.5`)."""
    hit = find_label(lines, "icd10")
    if hit is None:
        return None
    codes = find_codes(hit.value)
    if not codes:
        return None
    return scored_field("icd10", codes[0].code, evidence_of(hit.words), hit.page, hit.boxes)
