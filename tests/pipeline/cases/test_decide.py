"""The default policy of CONTRACT.md, one rule per test, on hand-made extractions."""

from __future__ import annotations

from datetime import date

import pytest

from models import DeactivationRecord, DocType, Extraction, Field, Member, Notice, Submission
from pipeline.cases.decide import decide
from pipeline.cases.policy import Policy

NIK = "6101014507890003"
OTHER = "6101010101800001"
AS_OF = date(2026, 3, 1)


def doc(doc_type: DocType, confidence: float = 0.95, members=(), warnings=(), **values):
    return Extraction(
        source=f"{doc_type.value}.jpg",
        doc_type=doc_type,
        doc_type_confidence=0.9,
        fields={k: Field(name=k, value=v, confidence=confidence) for k, v in values.items()},
        members=list(members),
        warnings=list(warnings),
    )


def letter(**overrides):
    values = dict(
        nik=NIK,
        name="SITI AMINAH",
        birth_date="1989-07-05",
        register_number="RM-001",
        diagnosis="CKD stage V on HD",
        priority_category="gagal_ginjal",
    )
    values.update(overrides)
    return doc(DocType.faskes_letter, **values)


def kk(nik=NIK, name="SITI AMINAH"):
    return doc(
        DocType.kk,
        kk_number="6101010101200001",
        members=[
            Member(nik=nik, name=name, gender="P", birth_date="1989-07-05", relationship="ISTRI"),
            Member(
                nik=OTHER,
                name="BUDI",
                gender="L",
                birth_date="1980-01-01",
                relationship="KEPALA KELUARGA",
            ),
        ],
    )


def sktm(nik=NIK):
    return doc(DocType.sktm, nik=nik, name="SITI AMINAH")


def ktp(nik=NIK, name="SITI AMINAH"):
    return doc(DocType.ktp, nik=nik, name=name, birth_date="1989-07-05")


LISTED = {NIK: DeactivationRecord(nik=NIK, name="SITI AMINAH", deactivated_on=date(2026, 1, 20))}


def run(*documents, listed=LISTED, near=(), policy=None):
    submission = Submission(id="s", documents=list(documents))
    return decide(submission, policy or Policy(), AS_OF, listed.get, lambda *_: list(near))


def codes(decision):
    return [r.code.value for r in decision.reasons]


def test_complete_urgent_case_is_ready():
    d = run(letter(), sktm(), kk(), ktp())
    assert (d.status.value, codes(d), d.priority.value, d.nik) == ("ready", [], "urgent", NIK)


def test_regular_case_without_sktm_needs_it():
    d = run(letter(priority_category=None, diagnosis="Hipertensi"), kk())
    assert (d.status.value, codes(d), d.priority.value) == (
        "needs_correction",
        ["missing_sktm"],
        "regular",
    )


def test_urgent_case_may_go_without_sktm():
    assert run(letter(), kk()).status.value == "ready"


def test_policy_can_make_sktm_optional():
    d = run(letter(priority_category=None), kk(), policy=Policy(require_sktm=False))
    assert d.status.value == "ready"


def test_missing_letter_and_identity():
    assert codes(run(sktm(), kk())) == ["missing_faskes_letter"]
    assert codes(run(letter(), sktm())) == ["missing_identity"]


def test_letter_without_nik_is_tied_to_the_kk_member_by_name_and_birth_date():
    d = run(letter(nik=None), sktm(), kk())
    assert (d.status.value, d.nik) == ("ready", NIK)


def test_a_misread_birth_date_on_the_kk_is_outweighed_by_the_one_the_nik_encodes():
    """The KK row's date misread; the member's NIK encodes the letter's 1989-07-05."""
    family = kk()
    family.members[0] = family.members[0].model_copy(update={"birth_date": "1989-07-06"})
    d = run(letter(nik=None), sktm(), family)
    assert (d.status.value, d.nik) == ("ready", NIK)
    other_date = letter(nik=None, birth_date="1989-08-05")  # neither agrees: not the patient
    assert run(other_date, sktm(), family).status.value != "ready"


def test_letter_without_nik_and_no_matching_member():
    d = run(letter(nik=None, name="ORANG LAIN"), sktm(), kk())
    assert codes(d) == ["nik_unreadable"]


def test_ktp_of_another_person_is_a_mismatch():
    d = run(letter(), sktm(), ktp(nik=OTHER, name="BUDI"))
    assert (d.status.value, codes(d)) == ("needs_correction", ["nik_mismatch"])


def test_applicant_not_on_the_kk_is_a_mismatch():
    d = run(letter(), sktm(), kk(nik="6101015512920005", name="SITI AMINAH"))
    assert codes(d) == ["nik_mismatch"]


def test_register_number_and_diagnosis_missing():
    d = run(letter(register_number=None, diagnosis=None, priority_category=None), sktm(), kk())
    assert codes(d) == ["register_number_missing", "diagnosis_missing"]


def test_not_on_the_list_is_not_eligible():
    d = run(letter(), sktm(), kk(), listed={})
    assert (d.status.value, codes(d)) == ("not_eligible", ["not_in_deactivation_list"])


def test_window_passed_is_not_eligible():
    old = {NIK: DeactivationRecord(nik=NIK, deactivated_on=date(2025, 8, 31))}
    d = run(letter(), sktm(), kk(), listed=old)
    assert (d.status.value, codes(d)) == ("not_eligible", ["reactivation_window_passed"])
    edge = {NIK: DeactivationRecord(nik=NIK, deactivated_on=date(2025, 9, 1))}
    assert run(letter(), sktm(), kk(), listed=edge).status.value == "ready"


def test_near_match_on_the_list_goes_to_a_reviewer_never_ready():
    near = [(DeactivationRecord(nik="6101014507890008"), "NIK differs by one digit")]
    d = run(letter(), sktm(), kk(), listed={}, near=near)
    assert (d.status.value, codes(d)) == ("needs_review", [])
    assert d.candidates[0].nik == "6101014507890008"


@pytest.mark.parametrize("confidence", [0.2, 0.5])
def test_low_confidence_nik_goes_to_a_reviewer(confidence):
    low = doc(
        DocType.faskes_letter,
        confidence=confidence,
        nik=NIK,
        name="SITI AMINAH",
        register_number="RM-001",
        diagnosis="CKD",
        priority_category="gagal_ginjal",
    )
    assert run(low, sktm(), kk()).status.value == "needs_review"


def test_unreadable_file_is_named_with_the_missing_document():
    broken = doc(DocType.unknown, warnings=[Notice(code="corrupt_file", message="damaged")])
    d = run(letter(priority_category=None), kk(), broken)
    assert codes(d) == ["missing_sktm", "unreadable_file"]
    assert all(r.message for r in d.reasons)


def test_photo_problems_are_carried_for_the_reply():
    blurry = doc(DocType.unknown, warnings=[Notice(code="blurry", message="blurry")])
    d = run(letter(priority_category=None), kk(), blurry)
    assert d.photo_problems == ["blurry"]


def test_nik_one_digit_off_between_documents_is_for_a_reviewer():
    """One changed digit may be OCR's: a person looks, with the mismatch suspected."""
    slip = "6101014507890008"
    d = run(letter(), sktm(nik=slip), kk())
    assert (d.status.value, codes(d)) == ("needs_review", ["nik_mismatch"])
    d = run(letter(), sktm(), kk(nik="7101014507890003"))
    assert (d.status.value, codes(d)) == ("needs_review", ["nik_mismatch"])


def test_letter_without_nik_prefers_the_ktp_or_sktm_over_a_kk_row():
    d = run(letter(nik=None), sktm(), kk(nik="1101014507890003"))
    assert d.nik == NIK
    assert d.status.value == "needs_review"  # the KK row is one digit off: a person looks


def test_reply_names_the_unreadable_file_in_bahasa_indonesia():
    from pipeline.cases.route import reply_text

    broken = doc(DocType.unknown, warnings=[Notice(code="corrupt_file", message="damaged")])
    broken.source = "wa-1/IMG-20260212-WA0012.jpg"
    d = run(letter(priority_category=None), kk(), broken)
    text = reply_text(d)
    assert "SKTM" in text
    assert "File IMG-20260212-WA0012.jpg: file rusak atau terpotong saat dikirim." in text


def test_same_nik_but_another_name_goes_to_a_reviewer_in_bahasa_indonesia():
    d = run(letter(), sktm(), kk(), ktp(name="DEWI SARTIKA"))
    assert (d.status.value, codes(d)) == ("needs_review", [])
    assert len(d.review_notes) == 1
    note = d.review_notes[0]
    assert "SITI AMINAH" in note and "DEWI SARTIKA" in note and "KTP ktp.jpg" in note
    assert "berbeda" in note


def test_kk_member_name_is_compared_too():
    d = run(letter(), sktm(), kk(name="SITI AISYAH"), ktp())
    assert d.status.value == "needs_review"
    assert "KK kk.jpg halaman 1 (SITI AISYAH)" in d.review_notes[0]


@pytest.mark.parametrize(
    "printed", ["Ny. SITI AMINAH", "SITI AMlNAH", "SITI AMINAH BINTI ABDULLAH", "SITIAMINAH"]
)
def test_ocr_level_name_differences_stay_ready(printed):
    d = run(letter(name=printed), sktm(), kk(), ktp())
    assert (d.status.value, d.review_notes) == ("ready", [])


# --- Issue 13: no evidence dropped, ready only on positive evidence, sure before asking -----


def rejected_nik(value: str, confidence: float = 0.95, code: str = "nik_invalid") -> Notice:
    read = Field(name="nik", value=value, confidence=confidence)
    return Notice(code=code, message="not used", field="nik", rejected=read)


def test_sktm_nik_with_swapped_digits_is_a_mismatch_not_ignored():
    """The false accept: the SKTM printed …5092… for …5902…, invalid (month 92), dropped."""
    swapped = NIK[:6] + NIK[7] + NIK[6] + NIK[8:]
    sktm_doc = doc(DocType.sktm, name="SITI AMINAH", warnings=[rejected_nik(swapped)])
    d = run(letter(), sktm_doc, kk(), ktp())
    assert (d.status.value, codes(d)) == ("needs_correction", ["nik_mismatch"])


def test_rejected_nik_one_digit_off_read_unsurely_is_for_a_reviewer():
    slip = NIK[:8] + "9" + NIK[9:]
    sktm_doc = doc(DocType.sktm, name="SITI AMINAH", warnings=[rejected_nik(slip, 0.4)])
    d = run(letter(), sktm_doc, kk(), ktp())
    assert (d.status.value, codes(d)) == ("needs_review", ["nik_mismatch"])


def test_second_nik_on_the_letter_blocks_ready():
    other = letter()
    other.warnings.append(rejected_nik(OTHER, code="nik_other"))
    d = run(other, sktm(), kk(), ktp())
    assert d.status.value == "needs_review"


def test_sktm_without_a_readable_nik_is_not_positive_evidence():
    d = run(letter(), doc(DocType.sktm, name="SITI AMINAH"), kk(), ktp())
    assert d.status.value == "needs_review"
    assert any("SKTM sktm.jpg" in n for n in d.review_notes)


def test_a_file_of_unknown_type_blocks_ready():
    unknown = doc(DocType.unknown, warnings=[Notice(code="unknown_document", message="?")])
    d = run(letter(), sktm(), kk(), ktp(), unknown)
    assert (d.status.value, codes(d)) == ("needs_review", [])


def test_missing_document_is_certain_only_when_every_file_was_identified():
    unknown = doc(DocType.unknown, warnings=[Notice(code="unknown_document", message="?")])
    d = run(letter(priority_category=None, diagnosis="Hipertensi"), kk(), unknown)
    assert (d.status.value, codes(d)) == ("needs_review", ["missing_sktm"])
    unsure = letter(priority_category=None, diagnosis="Hipertensi")
    d = run(unsure, kk().model_copy(update={"doc_type_confidence": 0.2}))
    assert d.status.value == "needs_review"


def test_register_not_found_goes_to_review_with_where_to_look():
    d = run(letter(register_number=None), sktm(), kk())
    assert (d.status.value, codes(d)) == ("needs_review", ["register_number_missing"])
    assert any("faskes_letter.jpg halaman 1" in n for n in d.review_notes)


def test_register_printed_blank_or_absent_from_a_clear_page_goes_back():
    for code in ("field_blank", "field_absent"):
        blank = letter(register_number=None)
        blank.warnings.append(Notice(code=code, message="-", field="register_number"))
        d = run(blank, sktm(), kk())
        assert (d.status.value, codes(d)) == ("needs_correction", ["register_number_missing"])
    # ... but not when the photo check says the page may have lost it.
    blank.warnings.append(Notice(code="cut_off", message="cut"))
    assert run(blank, sktm(), kk()).status.value == "needs_review"


def test_urgency_unread_never_holds_a_case_for_its_sktm():
    for unread in (
        letter(diagnosis=None, priority_category=None),
        letter(priority_category=None).model_copy(
            update={
                "fields": {
                    **letter().fields,
                    "priority_category": Field(name="priority_category"),
                    "diagnosis": Field(name="diagnosis", value="Susp CKD", confidence=0.3),
                }
            }
        ),
    ):
        d = run(unread, kk())
        assert d.status.value == "needs_review", d
        assert "missing_sktm" in codes(d)


def test_urgent_category_read_unsurely_does_not_waive_the_sktm():
    unsure = letter()
    unsure.fields["priority_category"] = Field(
        name="priority_category", value="gagal_ginjal", confidence=0.3
    )
    d = run(unsure, kk())
    assert (d.status.value, d.priority.value) == ("needs_review", "urgent")


def test_not_on_list_is_certain_only_for_a_nik_read_surely():
    unsure = letter()
    unsure.fields["nik"] = Field(name="nik", value=NIK, confidence=0.3)
    d = run(unsure, kk(), listed={})  # nothing confirms the letter's reading
    assert (d.status.value, codes(d)) == ("needs_review", ["not_in_deactivation_list"])


def test_photo_verdicts_reach_the_reviewer_not_the_applicant():
    blurry = letter(register_number=None, priority_category=None, diagnosis="Hipertensi")
    blurry.warnings.append(Notice(code="blurry", message="blurry"))
    d = run(blurry, kk())  # the SKTM is certainly missing; the register may be
    assert d.status.value == "needs_correction"
    assert (codes(d), d.photo_problems) == (["missing_sktm"], [])


def test_an_unsure_nik_confirmed_digit_for_digit_by_a_sure_reading_is_evidence():
    unsure = ktp()
    unsure.fields["nik"] = Field(name="nik", value=NIK, confidence=0.4)
    assert run(letter(), sktm(), kk(), unsure).status.value == "ready"
    lone = letter()
    lone.fields["nik"] = Field(name="nik", value=NIK, confidence=0.4)
    assert run(lone, kk()).status.value == "needs_review"


def test_another_person_takes_two_signs_a_nik_read_surely_and_another_name():
    other = ktp(nik=OTHER, name="BUDI SANTOSO")
    d = run(letter(), sktm(), other)
    assert (d.status.value, codes(d)) == ("needs_correction", ["nik_mismatch"])
    other.fields["nik"] = Field(name="nik", value=OTHER, confidence=0.4)  # read unsurely
    assert run(letter(), sktm(), other).status.value == "needs_review"
    same_name = ktp(nik=OTHER, name="SITI AMINAH")  # the applicant's name: a misreading?
    assert run(letter(), sktm(), same_name).status.value == "needs_review"


def test_a_document_identified_unsurely_is_no_evidence_of_its_type():
    """A page called a KTP with little to go on does not stand for the identity document."""
    unsure = ktp().model_copy(update={"doc_type_confidence": 0.2})
    d = run(letter(), sktm(), unsure)
    assert d.status.value == "needs_review"
    assert any("kurang yakin" in n for n in d.review_notes)


def test_a_file_the_ocr_engine_failed_on_is_not_called_broken():
    failed = doc(DocType.unknown, warnings=[Notice(code="ocr_failed", message="stopped")])
    d = run(letter(), sktm(), kk(), failed)
    assert (d.status.value, codes(d)) == ("needs_review", [])


def test_not_on_the_kk_is_never_certain_a_row_may_be_lost():
    d = run(letter(), sktm(), kk(nik=OTHER, name="BUDI"))
    assert (d.status.value, codes(d)) == ("needs_review", ["nik_mismatch"])


def test_a_nik_two_digits_off_is_never_proof_of_another_person():
    """OCR on a photo can change two digits and still read surely: a person looks."""
    two_off = NIK[:10] + "77" + NIK[12:]
    d = run(letter(), sktm(), ktp(nik=two_off, name="SITI AMINAH"))
    assert (d.status.value, codes(d)) == ("needs_review", ["nik_mismatch"])
    d = run(letter(), sktm(), kk(nik=two_off))
    assert (d.status.value, codes(d)) == ("needs_review", ["nik_mismatch"])


def test_a_name_cut_short_by_ocr_is_not_another_persons():
    other = ktp(nik=OTHER, name="AMINAH")
    other.fields["nik"] = Field(name="nik", value=OTHER, confidence=0.4)
    assert run(letter(), sktm(), other).status.value == "needs_review"
