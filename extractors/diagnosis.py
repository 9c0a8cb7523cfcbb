"""The diagnosis as printed, its ICD-10 code, and lines it wraps onto."""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.confidence import evidence_of, scored_field
from extractors.icd10 import find_codes, repair_code_slots
from extractors.labels import continuation, find_label
from models import Box, Field, Line


@dataclass(frozen=True)
class Diagnosis:
    text: Field
    icd10: Field


def strip_code(text: str) -> str:
    """The diagnosis text without its ICD-10 code and the brackets or dash around it."""
    for code in reversed(find_codes(text)):
        text = text[: code.start] + " " + text[code.end :]
    text = re.sub(r"\(\s*\)|\[\s*\]", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" -–:;,/")


def extract_diagnosis(lines: list[Line]) -> Diagnosis:
    hit = find_label(lines, "diagnosis")
    code_field = Field(name="icd10")
    if hit is None:
        return Diagnosis(Field(name="diagnosis"), _separate_code(lines) or code_field)
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
    elif (separate := _separate_code(lines)) is not None:
        code_field = separate
    text = strip_code(raw)
    if not any(ch.isalnum() for ch in text):
        text = ""  # dots or a dash where the diagnosis goes: printed blank
    text_field = scored_field(
        "diagnosis", text or None, evidence_of(words, anchored=hit.colon), hit.page, boxes
    )
    return Diagnosis(text_field, code_field)


def _code_form(text: str) -> str:
    codes = find_codes(text)
    return codes[0].code if codes else ""


def _separate_code(lines: list[Line]) -> Field | None:
    """A code printed on its own row (`Kode ICD : N18.5`)."""
    hit = find_label(lines, "icd10")
    if hit is None:
        return None
    codes = find_codes(hit.value)
    if not codes:
        return None
    return scored_field("icd10", codes[0].code, evidence_of(hit.words), hit.page, hit.boxes)
