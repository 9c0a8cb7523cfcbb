"""`pipeline.cases.review_decision`: corrections applied to stored extractions, and re-deciding."""

from __future__ import annotations

from pathlib import Path

from pipeline.cases.corrections import FieldCorrection, apply_corrections
from pipeline.cases.decide import decide_with_list
from pipeline.cases.policy import Policy
from pipeline.cases.review_decision import (
    load_submission,
    returned,
)
from pipeline.cases.route import reply_record
from pipeline.state import engine_for
from tests.review.crafted import AS_OF, craft


def test_load_submission_gives_back_what_process_decided(tmp_path: Path):
    c = craft(tmp_path)
    submission, decision = load_submission(engine_for(c.state_url), c.submission)
    assert decision.status.value == "needs_review"
    assert [d.doc_type.value for d in submission.documents] == ["faskes_letter", "ktp", "kk"]
    assert submission.documents[0].fields["nik"].value == c.misread
    assert load_submission(engine_for(c.state_url), "no-such-case") is None


def test_a_corrected_field_is_read_by_a_person(tmp_path: Path):
    c = craft(tmp_path)
    submission, _ = load_submission(engine_for(c.state_url), c.submission)
    fixed = apply_corrections(
        submission, [FieldCorrection(sha256=c.letter_sha, page=1, field="nik", value=c.nik)]
    )
    nik = fixed.documents[0].fields["nik"]
    assert (nik.value, nik.confidence) == (c.nik, 1.0)
    assert nik.boxes == submission.documents[0].fields["nik"].boxes  # still drawn where read
    assert submission.documents[0].fields["nik"].value == c.misread  # the original is kept


def test_members_cleared_fields_and_foreign_documents(tmp_path: Path):
    c = craft(tmp_path)
    submission, _ = load_submission(engine_for(c.state_url), c.submission)
    kk_sha = submission.documents[2].sha256
    fixed = apply_corrections(
        submission,
        [
            FieldCorrection(sha256=kk_sha, page=1, field="members.0.name", value="SITI"),
            FieldCorrection(sha256=kk_sha, page=1, field="members.9.name", value="NOBODY"),
            FieldCorrection(sha256=c.letter_sha, page=1, field="icd10", value=None),
            FieldCorrection(sha256="f" * 64, page=1, field="nik", value="1"),
        ],
    )
    assert fixed.documents[2].members[0].name == "SITI"
    assert len(fixed.documents[2].members) == 1
    icd = fixed.documents[0].fields["icd10"]
    assert (icd.value, icd.confidence) == (None, 0.0)
    # A correction for a document that is not part of the case changes nothing.
    assert [d.value("nik") for d in fixed.documents] == [c.misread, c.nik, None]


def test_redecide_follows_the_same_rules_as_process(tmp_path: Path):
    c = craft(tmp_path)
    engine = engine_for(c.state_url)
    submission, _ = load_submission(engine, c.submission)
    # Accepting the misread NIK as it is does not make it true: the list and the KTP disagree.
    accepted = apply_corrections(
        submission, [FieldCorrection(sha256=c.letter_sha, page=1, field="nik", value=c.misread)]
    )
    still = decide_with_list(engine, accepted, Policy(), AS_OF)
    assert still.status.value == "needs_review"
    assert {x.nik for x in still.candidates} == {c.nik}
    fixed = apply_corrections(
        submission, [FieldCorrection(sha256=c.letter_sha, page=1, field="nik", value=c.nik)]
    )
    decision = decide_with_list(engine, fixed, Policy(), AS_OF)
    assert (decision.status.value, decision.nik, decision.priority.value) == (
        "ready",
        c.nik,
        "urgent",
    )
    # The window still applies: a year later the same case is not eligible.
    late = decide_with_list(engine, fixed, Policy(), AS_OF.replace(year=2027))
    assert [r.code.value for r in late.reasons] == ["reactivation_window_passed"]


def test_returned_case_reply_names_reasons_and_note(tmp_path: Path):
    from models import ReasonCode

    c = craft(tmp_path)
    _, decision = load_submission(engine_for(c.state_url), c.submission)
    back = returned(decision, [ReasonCode.missing_sktm], "Mohon kirim SKTM terbaru.")
    assert back.status.value == "needs_correction" and back.candidates == []
    body = reply_record(back)
    lines = body["reply"].splitlines()
    assert any("Surat Keterangan Tidak Mampu" in line for line in lines)
    note = lines.index("- Catatan petugas: Mohon kirim SKTM terbaru.")
    assert lines[note + 1] == "" and lines[note + 2].startswith("Mohon kirimkan kembali")
