"""`ready` needs positive evidence for every check: a generated complete submission is ready,
and the same submission with any required value missing, invalid, low-confidence or
conflicting never is (issue 13).

One kind of evidence stands for a confidence: the applicant's NIK read unsurely on one
document but the same 16 digits read surely on another is confirmed (OCR does not slip into
exactly the applicant's NIK), so the NIK defect lowers every reading of it."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from models import DeactivationRecord, DocType, Extraction, Field, Member, Notice, Submission
from pipeline.cases.decide import decide
from pipeline.cases.policy import Policy
from tests.pipeline.cases.test_decide import doc

AS_OF = date(2026, 3, 1)
POLICY = Policy()
LOW = 0.3  # below POLICY.review_confidence

niks = st.builds(
    lambda region, day, month, year, serial: f"{region}{day:02d}{month:02d}{year:02d}{serial:04d}",
    st.sampled_from(["610101", "320101", "357101", "110101"]),
    st.integers(1, 28),
    st.integers(1, 12),
    st.integers(50, 99),
    st.integers(1, 9999),
)


def _complete(nik: str, urgent: bool, letter_nik: bool, identity: str) -> list[Extraction]:
    born = f"19{nik[10:12]}-{nik[8:10]}-{nik[6:8]}"
    name = "SITI AMINAH"
    letter = doc(
        DocType.faskes_letter,
        **{
            "nik": nik if letter_nik else None,
            "name": name,
            "birth_date": born,
            "register_number": "RM-00123",
            "diagnosis": "CKD stage V on HD" if urgent else "Hipertensi esensial",
            "priority_category": "gagal_ginjal" if urgent else None,
        },
    )
    docs = [letter, doc(DocType.sktm, nik=nik, name=name, birth_date=born)]
    if identity in ("kk", "both"):
        member = Member(nik=nik, name=name, gender="P", birth_date=born, relationship="ISTRI")
        head = Member(nik="6101010101700001", name="BUDI", gender="L", birth_date="1970-01-01")
        docs.append(doc(DocType.kk, members=[head, member], kk_number="6101010101200001"))
    if identity in ("ktp", "both"):
        docs.append(doc(DocType.ktp, nik=nik, name=name, birth_date=born))
    return docs


def _field(doc: Extraction, name: str, value: str | None, confidence: float = 0.95) -> None:
    doc.fields[name] = Field(name=name, value=value, confidence=confidence)


def _of(docs: list[Extraction], doc_type: DocType) -> Extraction | None:
    return next((d for d in docs if d.doc_type is doc_type), None)


def _slip(nik: str, at: int) -> str:
    return nik[:at] + str((int(nik[at]) + 1) % 10) + nik[at + 1 :]


def _apply(defect: str, docs: list[Extraction], nik: str, at: int) -> list[Extraction] | None:
    """The submission with one defect, or None when the defect does not apply to it."""
    letter, sktm = _of(docs, DocType.faskes_letter), _of(docs, DocType.sktm)
    kk, ktp = _of(docs, DocType.kk), _of(docs, DocType.ktp)
    assert letter is not None and sktm is not None
    holders = [d for d in (sktm, ktp) if d is not None]
    match defect:
        case "no_letter":
            return [d for d in docs if d is not letter]
        case "no_identity":
            return [d for d in docs if d not in (kk, ktp)]
        case "no_sktm_regular":
            if letter.value("priority_category"):
                return None
            return [d for d in docs if d is not sktm]
        case "register_missing" | "diagnosis_missing":
            _field(
                letter, defect.removesuffix("_missing").replace("register", "register_number"), None
            )
        case "register_low" | "diagnosis_low" | "name_low":
            name = defect.removesuffix("_low").replace("register", "register_number")
            _field(letter, name, letter.value(name), LOW)
            if name == "name" and letter.value("nik"):
                return None  # the name only decides a letter without a NIK
        case "nik_low_everywhere":
            for doc in (letter, *holders):
                if doc.value("nik"):
                    _field(doc, "nik", nik, LOW)
        case "holder_nik_missing":
            _field(holders[at % len(holders)], "nik", None)
        case "holder_nik_other":
            _field(holders[at % len(holders)], "nik", "3201015505800007")
        case "holder_nik_slip":
            _field(holders[at % len(holders)], "nik", _slip(nik, at))
        case "holder_nik_invalid":
            holder = holders[at % len(holders)]
            _field(holder, "nik", None)
            bad = nik[:8] + "9" + nik[9:]  # month 9x: not a NIK
            holder.warnings.append(
                Notice(
                    code="nik_invalid",
                    message="not used",
                    field="nik",
                    rejected=Field(name="nik", value=bad, confidence=0.95),
                )
            )
        case "second_nik":
            letter.warnings.append(
                Notice(
                    code="nik_other",
                    message="another",
                    field="nik",
                    rejected=Field(name="nik", value="3201015505800007", confidence=0.95),
                )
            )
        case "not_on_kk":
            if kk is None:
                return None
            kk.members = [m for m in kk.members if m.nik != nik]
        case "kk_member_unread":
            if kk is None:
                return None
            kk.members = [m.model_copy(update={"nik": None}) for m in kk.members]
        case "name_differs":
            sktm.fields["name"] = Field(name="name", value="JOKO SUSILO", confidence=0.95)
        case "priority_low":
            if not letter.value("priority_category"):
                return None
            _field(letter, "priority_category", letter.value("priority_category"), LOW)
            return [d for d in docs if d is not sktm]
        case "unknown_file":
            return [
                *docs,
                Extraction(
                    source="x.jpg",
                    warnings=[Notice(code="unknown_document", message="not recognised")],
                ),
            ]
        case "broken_file":
            return [
                *docs,
                Extraction(source="y.jpg", warnings=[Notice(code="corrupt_file", message="cut")]),
            ]
    return docs


DEFECTS = (
    "no_letter", "no_identity", "no_sktm_regular", "register_missing", "diagnosis_missing",
    "register_low", "diagnosis_low", "name_low", "nik_low_everywhere", "holder_nik_missing",
    "holder_nik_other", "holder_nik_slip", "holder_nik_invalid", "second_nik",
    "not_on_kk", "kk_member_unread", "name_differs", "priority_low", "unknown_file",
    "broken_file", "not_listed", "window_passed", "near_match",
)  # fmt: skip
cases = st.fixed_dictionaries(
    {
        "nik": niks,
        "urgent": st.booleans(),
        "letter_nik": st.booleans(),
        "identity": st.sampled_from(["kk", "ktp", "both"]),
        "at": st.integers(0, 15),
    }
)


def _run(docs: list[Extraction], nik: str, listing: str = "recent"):
    listed = {
        "recent": {nik: DeactivationRecord(nik=nik, deactivated_on=date(2026, 1, 20))},
        "old": {nik: DeactivationRecord(nik=nik, deactivated_on=date(2025, 1, 20))},
    }.get(listing, {})
    near = [(DeactivationRecord(nik=_slip(nik, 3)), "one digit")] if listing == "near" else []
    submission = Submission(id="s", documents=docs)
    return decide(submission, POLICY, AS_OF, listed.get, lambda *_: near)


@settings(max_examples=150, deadline=None)
@given(cases)
def test_a_complete_submission_is_ready(case):
    docs = _complete(case["nik"], case["urgent"], case["letter_nik"], case["identity"])
    decision = _run(docs, case["nik"])
    assert decision.status.value == "ready", decision
    assert decision.nik == case["nik"]


@settings(max_examples=400, deadline=None)
@given(cases, st.sampled_from(DEFECTS))
def test_any_missing_invalid_unsure_or_conflicting_value_is_never_ready(case, defect):
    nik = case["nik"]
    docs = _complete(nik, case["urgent"], case["letter_nik"], case["identity"])
    listing = {"not_listed": "absent", "window_passed": "old", "near_match": "near"}.get(
        defect, "recent"
    )
    changed = docs if listing != "recent" else _apply(defect, docs, nik, case["at"])
    if changed is None:
        return
    decision = _run(changed, nik, listing)
    assert decision.status.value != "ready", (defect, decision)
