"""Decide a submission under a policy: ready, needs_correction, needs_review, not_eligible.

Rules (CONTRACT.md default policy, adjustable by `Policy`):
- the applicant's NIK is the faskes letter's; a letter without one is tied to the KK member or
  KTP holder with the patient's name (and birth date, when printed);
- the SKTM and KTP must carry that NIK and the applicant must be on the KK;
- the NIK must be on the deactivation list, removed no longer ago than the window;
- never `ready` on a guess: a near-match on the list, a decisive field read with low confidence
  or a document we could not check goes to a reviewer.
Precedence: a NIK known to be ineligible → not_eligible (asking for papers would waste the
applicant's trip); else anything the applicant must fix → needs_correction; else anything a
person must check → needs_review; else ready.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache
from importlib import resources

import yaml
from sqlalchemy import Engine

from extractors.names import name_similarity
from models import (
    Candidate,
    DeactivationRecord,
    Decision,
    DocType,
    Extraction,
    Priority,
    Reason,
    ReasonCode,
    Status,
    Submission,
)
from pipeline.cases.deactivation_list import candidates, lookup, near_niks
from pipeline.cases.policy import Policy
from pipeline.errors import IngestError

Lookup = Callable[[str], DeactivationRecord | None]
Candidates = Callable[[str | None, str | None, date | None], list[tuple[DeactivationRecord, str]]]

# Notices that mean the file itself could not be read (pipeline/errors.py codes).
UNREADABLE_CODES = {error.code for error in IngestError.__subclasses__()} | {
    "unreadable_file", "ocr_failed", "ocr_timeout",
}  # fmt: skip
PHOTO_CODES = {"blurry", "too_dark", "glare", "cut_off", "too_small"}
CORRECTION = {
    ReasonCode.missing_faskes_letter, ReasonCode.missing_sktm, ReasonCode.missing_identity,
    ReasonCode.nik_unreadable, ReasonCode.nik_mismatch, ReasonCode.register_number_missing,
    ReasonCode.diagnosis_missing, ReasonCode.unreadable_file,
}  # fmt: skip
INELIGIBLE = {ReasonCode.not_in_deactivation_list, ReasonCode.reactivation_window_passed}


@cache
def _messages() -> dict:
    text = resources.files("pipeline").joinpath("data/reasons.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def reason_messages() -> dict[str, str]:
    return {k: " ".join(v.split()) for k, v in _messages().items() if isinstance(v, str)}


def photo_messages() -> dict[str, str]:
    return dict(_messages()["photo"])


def file_messages() -> dict[str, str]:
    return dict(_messages()["files"])


def reason(code: ReasonCode) -> Reason:
    return Reason(code=code, message=reason_messages()[code.value])


def _of_type(documents: list[Extraction], doc_type: DocType) -> list[Extraction]:
    return [d for d in documents if d.doc_type is doc_type]


def _months_before(day: date, months: int) -> date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def review_message(code: str, **values: str) -> str:
    """A note for the reviewer from reasons.yaml's `review` section, filled in."""
    return " ".join(_messages()["review"][code].split()).format(**values)


def _same_person(a: str | None, b: str | None, threshold: float) -> bool:
    return name_similarity(a, b) >= threshold


def _names_of(case: _Case, nik: str) -> list[tuple[Extraction, str]]:
    """The applicant's name as each document prints it: the letter's patient, the SKTM and
    KTP holder and the KK member carrying the applicant's NIK (a document with another NIK is
    a NIK conflict, handled on its own)."""
    found: list[tuple[Extraction, str]] = []
    for doc in case.letters + case.sktms + case.ktps:
        name = doc.value("name")
        if name and doc.value("nik") in (None, nik):
            found.append((doc, name))
    for kk in case.kks:
        found.extend((kk, m.name) for m in kk.members if m.nik == nik and m.name)
    return found


def _check_names(case: _Case, nik: str) -> None:
    """Documents carrying one NIK but clearly different names go to a reviewer; what OCR and
    clerks change (a letter, spacing, titles, BIN/BINTI) is forgiven by `name_similarity`."""
    names = _names_of(case, nik)
    if len(names) < 2:
        return
    first, first_name = names[0]
    labels = _messages()["review"]["documents"]
    for doc, name in names[1:]:
        if name_similarity(first_name, name) < case.policy.name_match:
            case.notes.append(
                review_message(
                    "name_mismatch",
                    first=f"{labels[first.doc_type.value]} {first.source}",
                    first_name=first_name,
                    second=f"{labels[doc.doc_type.value]} {doc.source}",
                    second_name=name,
                )
            )


class _Case:
    """Working state of one decision."""

    def __init__(self, submission: Submission, policy: Policy) -> None:
        self.submission = submission
        self.policy = policy
        self.reasons: list[ReasonCode] = []
        self.notes: list[str] = []
        self.candidates: list[Candidate] = []
        docs = submission.documents
        self.letters = _of_type(docs, DocType.faskes_letter)
        self.sktms = _of_type(docs, DocType.sktm)
        self.kks = _of_type(docs, DocType.kk)
        self.ktps = _of_type(docs, DocType.ktp)
        self.unknown = _of_type(docs, DocType.unknown)

    def add(self, code: ReasonCode) -> None:
        if code not in self.reasons:
            self.reasons.append(code)

    def low(self, extraction: Extraction, name: str) -> bool:
        field = extraction.fields.get(name)
        return (
            field is not None
            and field.value is not None
            and (field.confidence < self.policy.review_confidence)
        )


def _one_slip(a: str, b: str) -> bool:
    """Two NIKs that differ by one digit or one swap of neighbours: a misreading, not two
    people."""
    return b in near_niks(a)


def _conflict(case: _Case, nik: str, other: str, source: str) -> None:
    """Documents disagree on the NIK: one slip is for a reviewer, more is a mismatch."""
    if _one_slip(nik, other):
        case.notes.append(f"NIK on {source} differs by one digit: a misreading?")
    else:
        case.add(ReasonCode.nik_mismatch)


def _applicant(case: _Case) -> tuple[str | None, Extraction | None]:
    """The applicant's NIK and the document it was read from."""
    for letter in case.letters:
        if letter.value("nik"):
            return letter.value("nik"), letter
    if not case.letters:
        # No letter: the identity documents are the applicant's own.
        for doc in case.ktps + case.sktms:
            if doc.value("nik"):
                return doc.value("nik"), doc
        return None, None
    letter = case.letters[0]
    patient, born = letter.value("name"), letter.value("birth_date")
    # The KTP and SKTM print one person each, in large type: safer than a KK table row.
    for doc in case.ktps + case.sktms:
        same = _same_person(patient, doc.value("name"), case.policy.name_match)
        born_ok = not born or not doc.value("birth_date") or born == doc.value("birth_date")
        if doc.value("nik") and same and born_ok:
            return doc.value("nik"), doc
    for kk in case.kks:
        for member in kk.members:
            if (
                member.nik
                and _same_person(patient, member.name, case.policy.name_match)
                and (not born or not member.birth_date or born == member.birth_date)
            ):
                return member.nik, kk
    return None, None


def decide(
    submission: Submission,
    policy: Policy,
    as_of: date,
    lookup: Lookup,
    candidates: Candidates,
) -> Decision:
    case = _Case(submission, policy)
    letter = case.letters[0] if case.letters else None
    category = letter.value("priority_category") if letter else None
    urgent = category in policy.priority_categories if category else False

    # 1. The papers.
    if not case.letters:
        case.add(ReasonCode.missing_faskes_letter)
    if policy.require_sktm and not case.sktms and not (urgent and policy.sktm_optional_when_urgent):
        case.add(ReasonCode.missing_sktm)
    if policy.require_identity and not case.kks and not case.ktps:
        case.add(ReasonCode.missing_identity)
    unreadable = [d for d in case.unknown if any(w.code in UNREADABLE_CODES for w in d.warnings)]
    unrecognised = [d for d in case.unknown if d not in unreadable]
    missing = any(r in CORRECTION for r in case.reasons)
    if unreadable or (unrecognised and missing):
        case.add(ReasonCode.unreadable_file)
    bad_files = [
        (d.source, d.warnings[0].code if d.warnings else "unreadable_file")
        for d in (unreadable + (unrecognised if missing else []))
    ]
    if letter is not None:
        if not letter.value("register_number"):
            case.add(ReasonCode.register_number_missing)
        if not letter.value("diagnosis"):
            case.add(ReasonCode.diagnosis_missing)
        for name in ("register_number", "diagnosis", "priority_category"):
            if case.low(letter, name):
                case.notes.append(f"{name} read with low confidence on {letter.source}")

    # 2. The person.
    nik, source = _applicant(case)
    if nik is None:
        if letter is not None or case.ktps or case.kks or case.sktms:
            case.add(ReasonCode.nik_unreadable)
    else:
        if source is not None and case.low(source, "nik"):
            case.notes.append(f"NIK read with low confidence on {source.source}")
        for doc in case.sktms + case.ktps + case.letters:
            other = doc.value("nik")
            if other and other != nik:
                _conflict(case, nik, other, doc.source)
        for kk in case.kks:
            members = {m.nik for m in kk.members if m.nik}
            if not kk.members:
                case.notes.append(f"KK member table of {kk.source} could not be read")
            elif nik not in members:
                near = [m for m in members if _one_slip(nik, m)]
                if near:
                    _conflict(case, nik, near[0], kk.source)
                elif any(m.nik is None for m in kk.members):
                    case.notes.append(f"a KK member NIK on {kk.source} could not be read")
                else:
                    case.add(ReasonCode.nik_mismatch)

        if ReasonCode.nik_mismatch not in case.reasons:
            _check_names(case, nik)

    # 3. The list.
    if nik is not None and ReasonCode.nik_mismatch not in case.reasons:
        record = lookup(nik)
        if record is None:
            born = letter.value("birth_date") if letter else None
            near = candidates(
                nik,
                letter.value("name") if letter else None,
                date.fromisoformat(born) if born else None,
            )
            if near:
                case.candidates = [Candidate(nik=r.nik, name=r.name, why=why) for r, why in near]
                case.notes.append("a near match on the deactivation list needs checking")
            else:
                case.add(ReasonCode.not_in_deactivation_list)
        elif record.deactivated_on and record.deactivated_on < _months_before(
            as_of, policy.window_months
        ):
            case.add(ReasonCode.reactivation_window_passed)

    if any(r in INELIGIBLE for r in case.reasons):
        status = Status.not_eligible
        case.reasons = [r for r in case.reasons if r in INELIGIBLE]
    elif any(r in CORRECTION for r in case.reasons):
        status = Status.needs_correction
    elif case.notes or case.candidates:
        status = Status.needs_review
    else:
        status = Status.ready
    photo = sorted(
        {w.code for d in submission.documents for w in d.warnings if w.code in PHOTO_CODES}
    )
    return Decision(
        submission=submission.id,
        status=status,
        reasons=[reason(code) for code in case.reasons],
        priority=Priority.urgent if urgent else Priority.regular,
        nik=nik,
        priority_category=category,
        review_notes=case.notes,
        candidates=case.candidates,
        photo_problems=photo,
        unreadable_files=bad_files,
    )


def decide_with_list(
    engine: Engine, submission: Submission, policy: Policy, as_of: date
) -> Decision:
    """`decide` against the deactivation list in the state database: what `process`, the
    dispatcher's runs and a reviewer's re-decision all call."""
    return decide(
        submission,
        policy,
        as_of,
        lambda nik: lookup(engine, nik),
        lambda nik, name, born: candidates(engine, nik, name, born),
    )
