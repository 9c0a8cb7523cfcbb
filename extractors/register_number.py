"""The facility's register / medical-record number, as printed after its label.

Formats are local (`RM-00123456`, `00.12.34`, `2026/02/12/000123`, `012345-0226`,
`000123 / 26020045` for `MR / Reg No`), so the value is kept as printed; only what cannot
belong to it is cut off: a following word, a trailing dot, a stray colon. A slash with a space
on each side is printed so (two numbers under one label); any other space beside a joiner is
OCR's and closed. Digits printed one per box are one number.
"""

from __future__ import annotations

import re

from extractors.confidence import evidence_of, scored_field
from extractors.dates import find_dates
from extractors.labels import find_labels, label_table, label_weight, words_after
from models import Field, Line

_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./\-]*")
_SPACED_JOINER = re.compile(r"\s*([./\-])\s*(?=[A-Za-z0-9])")
_PRINTED_SLASH = re.compile(r"(?<=[A-Za-z0-9])\s+/\s+(?=[A-Za-z0-9])")
# A typewriter's dot between digit groups read as a comma (`1882.43, 33`): no register
# number prints a comma.
_COMMA_DOT = re.compile(r"(?<=\d),\s?(?=\d)")


# A number printed one digit per box (`| 0 | 1 | 2 | 3 | 4 | 5 |`), OCR keeping some rules.
_DIGIT_BOXES = re.compile(r"^[|\[\]]{0,2}\s*(?:\d(?:\s*[|\[\]]{1,2}\s*|\s+)){3,}\d(?![\d./\-])")


def clean_register_number(value: str) -> str | None:
    """The identifier at the start of `value`, or None when it holds too few digits."""
    value = _COMMA_DOT.sub(".", value.strip(" :;"))
    boxes = _DIGIT_BOXES.match(value)
    if boxes:
        return "".join(ch for ch in boxes.group(0) if ch.isdigit())
    kept: list[str] = []
    for part in _PRINTED_SLASH.split(value):
        part = _SPACED_JOINER.sub(r"\1", part).strip()
        match = _TOKEN.match(part)
        token = match.group(0).rstrip(".-/") if match else ""
        if kept and _digits(token) == 0:  # `123456 / Rawat Jalan`: words, not a number
            break
        kept.append(token)
        if token != part:  # words after the number end the value
            break
    result = " / ".join(kept)
    if _digits(result) < 3:
        return None
    return result


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def extract_register_number(lines: list[Line]) -> Field:
    hits = find_labels(lines, "register_number")
    for hit in sorted(hits, key=lambda h: -label_weight("register_number", h.label)):
        value = clean_register_number(hit.value)
        if value is None:
            continue
        words = [w for w in hit.words if w.text.strip(":;") and w.text.strip(":;") in value]
        words = words or list(hit.words)
        evidence = evidence_of(words, **hit.flags)
        return scored_field("register_number", value, evidence, hit.page, [w.box for w in words])
    return _in_running_text(lines) or _boxed_alone(lines)


def _in_running_text(lines: list[Line]) -> Field | None:
    """A label in a sentence, its number right after it without a colon (`… terdaftar dengan
    No. RM 123456 dan …`, `(Nomor Rekam Medis` / `441425-0925)` over a line break)."""
    for index, words in words_after(lines, label_table()["register_number"]):
        line = lines[index]
        if not words and index + 1 < len(lines) and lines[index + 1].page == line.page:
            words = lines[index + 1].words
        words = words[:2]
        value = clean_register_number(" ".join(w.text for w in words))
        if value is None:
            continue
        used = [w for w in words if any(ch.isdigit() for ch in w.text)] or words
        evidence = evidence_of(used, anchored=False)
        return scored_field("register_number", value, evidence, line.page, [w.box for w in used])
    return None


# A number alone at the top right of a letter, `No.` before it or nothing: the record number
# some systems box there (`| No. 703156-0925 |`). A letter's own number has a label and Roman
# months or words; a phone or postcode sits on an address line.
_ALONE = re.compile(r"^(?:No\.?\s*)?(?P<value>(?:RM-?)?\d[\d./\-]{4,}\d)$", re.IGNORECASE)
# No label: a person looks (the calibrated confidence of any register read is above 0.98; this
# keeps a guess by position under the policy's review threshold of 0.6).
UNLABELLED = 0.6
TOP_SHARE = 0.3  # of the first page: the letterhead and the lines right under it
DIGIT_SHARE = 0.6


def _boxed_alone(lines: list[Line]) -> Field:
    """No label anywhere: a line in the top right of the first page that holds a number and
    nothing else."""
    first = [line for line in lines if line.page == lines[0].page] if lines else []
    if not first:
        return Field(name="register_number")
    left = min(line.box.left for line in first)
    right = max(line.box.right for line in first)
    bottom = max(line.box.bottom for line in first)
    for line in first:
        if line.box.top > TOP_SHARE * bottom or line.box.left < (left + right) / 2:
            continue
        words = [w for w in line.words if any(ch.isalnum() for ch in w.text)]  # a box's `|`
        m = _ALONE.match(" ".join(w.text for w in words))
        if m is None or _digits(m["value"]) < DIGIT_SHARE * len(m["value"]):
            continue
        if find_dates(m["value"]):  # `12-02-2026` right-aligned: a date line
            continue
        value = clean_register_number(m["value"])
        if value is None:
            continue
        used = [w for w in words if any(ch.isdigit() for ch in w.text)]
        evidence = evidence_of(used, anchored=False, unmeasured=UNLABELLED)
        return scored_field("register_number", value, evidence, line.page, [w.box for w in used])
    return Field(name="register_number")
