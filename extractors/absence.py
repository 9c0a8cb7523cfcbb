"""Is a field that was not read certainly missing? Only then may the applicant be asked for it.

- `field_blank`: its label is printed with a dash or dots where the value goes
  (`No. RM : -`, `Diagnosa : .........`).
- `field_absent`: the page was read with confidence and nothing on it looks like the field's
  label (`data/field_hints.yaml`); for a diagnosis, no ICD-10 code and no priority wording
  either.

Anything else — a label whose value may sit on the next line, a word like `Dignosa`, a page
OCR was unsure of — is only "not found": the decision sends the case to a reviewer with a
note instead of sending papers back that may be complete.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from statistics import median

import yaml
from rapidfuzz.distance import Levenshtein

from extractors.icd10 import find_codes
from extractors.labels import LabelHit, label_regex, label_table, starts_with_label, top_labels
from models import Line, Notice

CONFIDENT_PAGE = 0.85  # median OCR word confidence of a page read well enough
_VALUE = re.compile(r"[A-Za-z0-9]")
_PUNCTUATION = re.compile(r"[^A-Za-z0-9]+")
BLANK_MARK = re.compile(r"[-–—_…]|\.{3,}")  # what stands where nothing was written
_LETTERS = re.compile(r"[a-z]+")
_SECTION = re.compile(r"^\s*(?:[IVX]{1,4}|\d{1,2})[.)]\s")  # `IV. Terapi :`, `4) Tindakan`


@cache
def _hints() -> dict[str, frozenset[str]]:
    text = resources.files("extractors").joinpath("data/field_hints.yaml").read_text("utf-8")
    return {field: frozenset(words) for field, words in yaml.safe_load(text).items()}


def _looks_like(token: str, hints: frozenset[str]) -> bool:
    if token in hints:
        return True
    return any(
        len(hint) >= 5
        and (token.startswith(hint) or Levenshtein.distance(token, hint, score_cutoff=1) <= 1)
        for hint in hints
    )


def hinted(lines: list[Line], field: str) -> bool:
    """Some word on the lines looks like a word of the field's label."""
    hints = _hints()[field]
    return any(
        _looks_like(token, hints)
        for line in lines
        for word in line.words
        for token in _LETTERS.findall(word.text.lower())
    )


def read_with_confidence(lines: list[Line]) -> bool:
    confidences = [w.confidence for line in lines for w in line.words]
    return len(confidences) >= 20 and median(confidences) >= CONFIDENT_PAGE


def blank_label(lines: list[Line], field: str) -> bool:
    """A label of the field with only a dash or dots after it on its line (whatever OCR made
    of the colon: `No. RM : -`, `No. Rekam Medik "-`), or with nothing after it and the next
    row right under it; and nowhere with a value. A label with nothing after it and room
    below is not blank: its value may be on the next line."""
    hits = top_labels(lines, field)
    if any(_VALUE.search(h.value) for h in hits):
        return False
    if any(BLANK_MARK.search(h.value) for h in hits):  # `No. Register 1 -`: a colon read as 1
        return True
    if read_with_confidence(lines) and any(_next_row_right_under(lines, h) for h in hits):
        return True
    for line in lines:
        for label in label_table()[field]:
            match = label_regex(label).search(line.text)
            rest = line.text[match.end() :] if match else ""
            if _PUNCTUATION.fullmatch(rest) and BLANK_MARK.search(rest):
                return True
    return False


def _next_row_right_under(lines: list[Line], hit: LabelHit) -> bool:
    """`Diagnosa :` ending its line with the next row (another label, a numbered section)
    right under it: no room for a value OCR could have lost — a handwritten one needs a line."""
    if hit.value or hit.below or not hit.colon or hit.line_index + 1 >= len(lines):
        return False
    line, nxt = lines[hit.line_index], lines[hit.line_index + 1]
    match = label_regex(hit.label).search(line.text)
    if match is None or line.text[match.end() :].strip(" :;."):
        return False  # something follows the label on its line (a second column)
    if nxt.page != line.page or nxt.box.top - line.box.bottom > 1.5 * max(line.box.height, 1):
        return False
    return starts_with_label(nxt) or bool(_SECTION.match(nxt.text))


def missing_notice(
    lines: list[Line], field: str, *, other_signs: bool = False, blank: bool = False
) -> Notice | None:
    """Why a field that was not read is certainly missing, or None when it may be there.

    `other_signs`: the caller saw something else of the field on the page (a code, a term);
    `blank`: the caller found the field's place printed blank (a table cell with a dash).
    """
    if blank or blank_label(lines, field):
        return Notice(
            code="field_blank",
            field=field,
            message=f"the {field.replace('_', ' ')} label is printed without a value",
        )
    if other_signs or not read_with_confidence(lines) or hinted(lines, field):
        return None
    return Notice(
        code="field_absent",
        field=field,
        message=f"no {field.replace('_', ' ')} is printed on the page",
    )


def diagnosis_signs(lines: list[Line]) -> bool:
    """An ICD-10 code anywhere on the letter: the diagnosis may be printed without a label."""
    return any(find_codes(line.text) for line in lines)
