"""Field confidence: how often a value read with this evidence is right.

A reviewer only looks at values below the review threshold, so a confidence must mean what it
says: values given ≥ 0.9 must be exact ≥ 98% of the time. It is computed in two steps.

1. `evidence_score` folds the evidence into one number in 0..1: the OCR word confidences (the
   mean pulled halfway to the weakest word, because one bad glyph spoils a NIK), times a doubt
   for a value found without its label, for every character OCR repair changed, for an
   extractor's own doubts (a free-standing NIK, a fallback date line, a second reading); a value
   that fails its field's check is cut hard, and an independent reading that agrees (the NIK's
   date digits against the printed birth date) raises it.
2. `calibrate` maps that score through a step function per field, fitted on a generated
   benchmark seed (clean scans, phone photos, WhatsApp images) by isotonic regression and
   written to `data/confidence.yaml` (`tests/benchmarks/bench_calibration.py --fit`). A score
   only maps to ≥ 0.9 when the values scoring that high on the fitting seed were ≥ 98% exact
   at the cautious (lower Wilson) bound (`extractors.calibration`); a field that never gets
   there stays below 0.9 however clean its reading looks. A doubt the fitting seed cannot
   show (a value found by its place alone) then scales the confidence (`confidence_of`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import date
from functools import cache
from importlib import resources

import yaml

from models import Field, Word
from models.extraction import Evidence

UNANCHORED = 0.9  # a value not after its own label may belong to another row
REPAIRED_CHAR = 0.95  # per character OCR repair had to change
INVALID = 0.5  # the value fails its field's check (a date in the future, an unknown region)
DISAGREES = 0.7  # an independent reading says otherwise
AGREES_SHRINK = 0.5  # an agreeing reading halves the distance to 1
# A name or village word of 10 letters or more is often two run together (`BANUAANYAR`,
# `UCHITAARYANI`), read at OCR confidence 0.9 and above; such a value is doubted.
LONG_WORD = 10
LONG_WORD_FIELDS = frozenset({"name", "head_name", "village"})
LONG_WORD_DOUBT = 0.9


def evidence_of(words: Iterable[Word], **flags: object) -> Evidence:
    """Evidence from the words a value was read from, plus the extractor's flags."""
    confidences = [w.confidence for w in words]
    if not confidences:
        return Evidence(**flags)  # type: ignore[arg-type]
    mean = sum(confidences) / len(confidences)
    return Evidence(ocr_mean=mean, ocr_min=min(confidences), **flags)  # type: ignore[arg-type]


def evidence_score(e: Evidence) -> float:
    """The uncalibrated score of step 1 (see the module docstring)."""
    score = 0.5 * (e.ocr_mean + e.ocr_min) * e.doubt * REPAIRED_CHAR**e.repaired
    if not e.anchored:
        score *= UNANCHORED
    if e.valid is False:
        score *= INVALID
    if e.long_word:
        score *= LONG_WORD_DOUBT
    if e.agrees is True:
        score = 1.0 - (1.0 - score) * AGREES_SHRINK
    elif e.agrees is False:
        score *= DISAGREES
    return max(0.0, min(1.0, score))


@cache
def _table() -> dict[str, tuple[tuple[float, ...], tuple[float, ...]]]:
    path = resources.files("extractors").joinpath("data/confidence.yaml")
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text("utf-8")) or {}
    table = {}
    for key, steps in (data.get("fields") or {}).items():
        starts = tuple(float(s) for s, _ in steps)
        values = tuple(float(v) for _, v in steps)
        table[key] = (starts, values)
    return table


MIN_CONFIDENCE = 0.01  # a value that was read is never "certainly wrong": 0 means unread
# Until a field is fitted: the score itself, kept below 0.9 (nothing vouches for it yet).
UNFITTED_CAP = 0.89


def calibrate(key: str, score: float) -> float:
    """The fitted confidence of a score for a field (`"nik"`, or `"sktm.name"` when the doc
    type has its own curve); a field without a curve keeps its score, capped below 0.9."""
    table = _table()
    curve = table.get(key) or table.get(key.rsplit(".", 1)[-1])
    if curve is None:
        return round(max(MIN_CONFIDENCE, min(score, UNFITTED_CAP)), 3)
    starts, values = curve
    index = bisect_right(starts, score) - 1
    return round(max(MIN_CONFIDENCE, values[max(index, 0)]), 3)


def confidence_of(key: str, evidence: Evidence) -> float:
    """The calibrated confidence of the evidence's score, times the doubt calibration cannot
    see (`Evidence.unmeasured`): the step curve of a field is flat where its labelled values
    were all right, and would give a guess by position the same."""
    confidence = calibrate(key, evidence_score(evidence)) * evidence.unmeasured
    return round(max(MIN_CONFIDENCE, confidence), 3)


_NAME_TOKEN = re.compile(r"^(?:[A-Z][A-Z'\-]+|[A-Z]\.)$")
_PLACE_TOKEN = re.compile(r"^[A-Z][A-Za-z'\-]*\.?$|^[IVX]+$|^\d{1,2}$")
_YEAR = re.compile(r"(?<!\d)(20[1-3]\d)(?!\d)")


def check_value(name: str, value: str) -> bool | None:
    """The field's own plausibility check; None for fields that have none (free text)."""
    if name in ("name", "head_name"):
        tokens = value.split()
        # A part longer than 11 letters is most often two parts OCR ran together
        # (`UCHITAARYANI`): kept, but not trusted.
        return bool(tokens) and all(_NAME_TOKEN.match(t) and len(t) <= 11 for t in tokens)
    if name in ("village", "district", "facility_name"):
        tokens = value.upper().split()
        return bool(tokens) and all(_PLACE_TOKEN.match(t) for t in tokens)
    if name in ("birth_date", "letter_date"):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return False
        if name == "birth_date":
            return 1900 <= day.year <= date.today().year
        return 2015 <= day.year <= date.today().year + 1
    if name == "letter_number":
        return bool(_YEAR.search(value)) and "/" in value
    return None


def scored_field(
    name: str,
    value: str | None,
    evidence: Evidence,
    page: int | None,
    boxes: Sequence,
) -> Field:
    """A field whose confidence is the calibrated one for its evidence."""
    if value is None:
        return Field(name=name)
    if evidence.valid is None:
        evidence = evidence.model_copy(update={"valid": check_value(name, value)})
    if has_long_word(name, value):
        evidence = evidence.model_copy(update={"long_word": True})
    return Field(
        name=name,
        value=value,
        confidence=confidence_of(name, evidence),
        page=page,
        boxes=list(boxes),
        evidence=evidence,
    )


def has_long_word(name: str, value: str | None) -> bool:
    """A name or village with a word that may be two run together (`LONG_WORD`)."""
    return name in LONG_WORD_FIELDS and any(len(w) >= LONG_WORD for w in (value or "").split())


def rescored(field: Field, key: str, **changes: object) -> Field:
    """The field recalibrated under a doc-type key, with evidence a later check added."""
    if field.value is None or field.evidence is None:
        return field
    evidence = field.evidence.model_copy(update=changes)
    confidence = confidence_of(key, evidence)
    return field.model_copy(update={"evidence": evidence, "confidence": confidence})
