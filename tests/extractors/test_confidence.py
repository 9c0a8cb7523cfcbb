"""Confidence from evidence: each piece of doubt lowers it, agreement raises it, the fitted
table maps it, and a field without a fitted curve never claims ≥ 0.9."""

from __future__ import annotations

import pytest

from extractors import confidence
from extractors.confidence import (
    calibrate,
    check_value,
    evidence_of,
    evidence_score,
    rescored,
    scored_field,
)
from extractors.lines import lines_from_text
from models.extraction import Evidence

CLEAN = Evidence(ocr_mean=0.95, ocr_min=0.9, anchored=True)


def test_score_blends_mean_and_weakest_word():
    words = lines_from_text("SITI AMINAH", confidence=0.9)[0].words
    words[1] = words[1].model_copy(update={"confidence": 0.5})
    e = evidence_of(words)
    assert (e.ocr_mean, e.ocr_min) == (pytest.approx(0.7), 0.5)
    assert evidence_score(e) == pytest.approx(0.6)


@pytest.mark.parametrize(
    "doubt",
    [
        {"anchored": False},
        {"repaired": 2},
        {"valid": False},
        {"agrees": False},
        {"doubt": 0.8},
        {"ocr_min": 0.4},
    ],
)
def test_every_doubt_lowers_the_score(doubt):
    assert evidence_score(CLEAN.model_copy(update=doubt)) < evidence_score(CLEAN)


def test_agreement_raises_the_score_but_not_past_one():
    raised = evidence_score(CLEAN.model_copy(update={"agrees": True}))
    assert evidence_score(CLEAN) < raised <= 1.0


def test_calibrate_reads_steps_and_unfitted_fields_stay_below_high(monkeypatch):
    table = {"nik": ((0.0, 0.6, 0.8), (0.2, 0.7, 0.95)), "sktm.name": ((0.0,), (0.5,))}
    monkeypatch.setattr(confidence, "_table", lambda: table)
    assert calibrate("nik", 0.1) == 0.2
    assert calibrate("nik", 0.6) == 0.7
    assert calibrate("ktp.nik", 0.99) == 0.95  # falls back to the field's own curve
    assert calibrate("sktm.name", 0.99) == 0.5  # a doc type's curve wins
    assert calibrate("ktp.name", 0.99) == confidence.UNFITTED_CAP


@pytest.mark.parametrize(
    ("name", "value", "valid"),
    [
        ("name", "SITI AMINAH", True),
        ("name", "M. YUSUF", True),
        ("name", "SITI AM1NAH", False),
        ("name", "SITI , AMINAH", False),
        ("village", "SUKAMAJU", True),
        ("village", "SUKA#MAJU", False),
        ("birth_date", "1989-07-05", True),
        ("birth_date", "1889-07-05", False),
        ("letter_date", "2026-02-12", True),
        ("letter_date", "1999-02-12", False),
        ("letter_number", "400/123/DS/II/2026", True),
        ("letter_number", "400/123", False),
        ("register_number", "RM-001", None),
    ],
)
def test_field_checks(name, value, valid):
    assert check_value(name, value) is valid


def test_a_failed_check_is_recorded_and_lowers_confidence(monkeypatch):
    monkeypatch.setattr(confidence, "_table", lambda: {"name": ((0.0, 0.7), (0.3, 0.95))})
    good = scored_field("name", "SITI AMINAH", CLEAN, 1, [])
    bad = scored_field("name", "SITI AM1NAH", CLEAN, 1, [])
    assert (good.evidence.valid, bad.evidence.valid) == (True, False)
    assert good.confidence == 0.95 and bad.confidence == 0.3


def test_no_value_has_no_confidence():
    field = scored_field("name", None, CLEAN, 1, [])
    assert (field.value, field.confidence, field.evidence) == (None, 0.0, None)


def test_rescored_adds_evidence_and_keeps_the_value():
    field = scored_field("nik", "6101014507890003", CLEAN, 1, [])
    agreed = rescored(field, "ktp.nik", agrees=True)
    assert agreed.value == field.value and agreed.evidence.agrees is True
    assert agreed.confidence >= rescored(field, "ktp.nik").confidence  # same curve
    assert "evidence" not in agreed.model_dump()  # not part of stored or contract output


def test_a_name_part_too_long_to_be_one_part_is_not_trusted():
    assert check_value("name", "UCHITAARYANI") is False
    assert check_value("name", "UCHITA ARYANI") is True
