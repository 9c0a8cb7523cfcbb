"""Decide a submission under a policy: ready, needs_correction, needs_review, not_eligible.

`unmet_checks` walks every check of the policy (CONTRACT.md's default, adjustable by `Policy`)
and returns those without positive evidence; `ready` means the list is empty. Each unmet check
says whether its problem is *certain* — a file objectively broken, a document type absent while
every file was identified, a label printed empty or absent from a page read with confidence, a
different person's NIK read surely — or only something the machine could not find or was not
sure of. Only certain problems go back to the applicant; the others go to a reviewer with a
note saying what to look at. What was read and rejected (an invalid NIK, a second NIK, a name
that disagrees, a file of unknown type) is evidence: it is weighed, never dropped.

Precedence: a NIK surely off the list or out of the window → not_eligible (asking for papers
would waste the applicant's trip); else a certain problem → needs_correction; else anything
unmet → needs_review; else ready.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources

import yaml
from sqlalchemy import Engine

from extractors.names import name_similarity
from extractors.nik import decode_nik
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
from models.extraction import Field
from pipeline.cases.deactivation_list import candidates, lookup, near_niks
from pipeline.cases.policy import Policy
from pipeline.errors import IngestError

Lookup = Callable[[str], DeactivationRecord | None]
Candidates = Callable[[str | None, str | None, date | None], list[tuple[DeactivationRecord, str]]]

# Notices that mean the file itself is broken (pipeline/errors.py codes): the applicant must
# send it again. A file the OCR engine failed on (`ocr_failed`, `ocr_timeout`) may be fine:
# it is not among them, a person looks.
UNREADABLE_CODES = {error.code for error in IngestError.__subclasses__()} | {"unreadable_file"}
PHOTO_CODES = {"blurry", "too_dark", "glare", "cut_off", "too_small"}
REJECTED_NIK_CODES = {"nik_invalid", "nik_unknown_region", "nik_other"}  # extractors/nik.py
CERTAINLY_MISSING = {"field_blank", "field_absent"}  # extractors/absence.py
INELIGIBLE = {ReasonCode.not_in_deactivation_list, ReasonCode.reactivation_window_passed}
CORRECTION = set(ReasonCode) - INELIGIBLE  # what the applicant can fix: a reviewer's send-back


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


def review_message(code: str, **values: object) -> str:
    """A note for the reviewer from reasons.yaml's `review` section, filled in."""
    return " ".join(_messages()["review"][code].split()).format(**values)


def _where(doc: Extraction) -> str:
    """`surat faskes IMG-1.jpg halaman 1`: a document as a reviewer finds it."""
    label = _messages()["review"]["documents"].get(doc.doc_type.value, "file")
    return f"{label} {doc.source} halaman {doc.page}"


@dataclass(frozen=True)
class Unmet:
    """A check of the policy without positive evidence.

    `reason`: what the applicant would be told (None: nothing they could fix, such as a near
    match on the list). `certain`: the problem is sure, so the applicant may be asked.
    """

    check: str
    note: str
    reason: ReasonCode | None = None
    certain: bool = False


@dataclass
class Findings:
    """What the checks found: the unmet ones and what the decision reports beside them."""

    unmet: list[Unmet] = field(default_factory=list)
    nik: str | None = None
    urgent: bool = False
    category: str | None = None
    candidates: list[Candidate] = field(default_factory=list)
    bad_files: list[tuple[str, str]] = field(default_factory=list)

    def fail(
        self, check: str, note: str, code: ReasonCode | None = None, certain: bool = False
    ) -> None:
        self.unmet.append(Unmet(check, note, code, certain))

    def certain(self, code: ReasonCode) -> bool:
        return any(u.reason is code and u.certain for u in self.unmet)


class _Case:
    """The documents of one submission, by type, and the policy's thresholds."""

    def __init__(self, submission: Submission, policy: Policy) -> None:
        self.policy = policy
        docs = submission.documents
        self.unsure = [
            d
            for d in docs
            if d.doc_type is not DocType.unknown
            and d.doc_type_confidence < policy.identified_confidence
        ]
        self.letters = [d for d in docs if d.doc_type is DocType.faskes_letter]
        self.sktms = [d for d in docs if d.doc_type is DocType.sktm]
        self.kks = [d for d in docs if d.doc_type is DocType.kk]
        self.ktps = [d for d in docs if d.doc_type is DocType.ktp]
        self.unknown = [d for d in docs if d.doc_type is DocType.unknown]
        self.broken = [
            d for d in self.unknown if any(w.code in UNREADABLE_CODES for w in d.warnings)
        ]
        self.unrecognised = [d for d in self.unknown if d not in self.broken]
        self.letter = self.letters[0] if self.letters else None

    def sure(self, f: Field | None) -> bool:
        """Read, at calibrated confidence: a person need not look."""
        return (
            f is not None and f.value is not None and f.confidence >= self.policy.review_confidence
        )

    def field(self, doc: Extraction, name: str) -> Field | None:
        return doc.fields.get(name)

    @property
    def all_identified(self) -> bool:
        """Every file is a document of a known type, or objectively broken: a required type
        that is absent is then certainly absent."""
        return not self.unrecognised and all(
            d.doc_type_confidence >= self.policy.identified_confidence
            for d in self.letters + self.sktms + self.kks + self.ktps
        )


def _one_slip(a: str, b: str) -> bool:
    """Two NIKs that differ by one digit or one swap of neighbours."""
    return b in near_niks(a)


MISREAD_DIGITS = 2  # a photo's OCR can change this many digits and still read surely


def _could_be_misread(a: str, b: str) -> bool:
    """Two NIKs close enough that OCR may have made one of the other: never certain proof of
    two people. (Two people of one kecamatan differ in more digits: birth date and serial.)"""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) <= MISREAD_DIGITS


def _swapped(a: str, b: str) -> bool:
    """Two neighbouring digits swapped: a clerk's slip, never OCR's."""
    diff = [i for i in range(len(a)) if a[i] != b[i]] if len(a) == len(b) else []
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]


def _other_nik(
    case: _Case, found: Findings, nik: str, other: Field, doc: Extraction, valid: bool = True
) -> None:
    """A document shows another NIK than the applicant's. One changed digit may be OCR's
    misreading, so a reviewer looks; two neighbours swapped, read surely, is a misprint (OCR
    does not swap digits). Another person's NIK is a mismatch when two things say so: a valid
    NIK read surely, far from the applicant's, printed beside another person's name. An
    invalid number far from the applicant's may be OCR's garbling, so a reviewer looks."""
    value = other.value or ""
    if _one_slip(nik, value):
        certain = _swapped(nik, value) and case.sure(other)
        found.fail(
            "same_nik",
            review_message("nik_slip", where=_where(doc)),
            ReasonCode.nik_mismatch,
            certain,
        )
    else:
        certain = valid and case.sure(other) and not _could_be_misread(nik, value)
        found.fail(
            "same_nik",
            review_message("nik_other_person", where=_where(doc)),
            ReasonCode.nik_mismatch,
            certain and _another_name(case, doc),
        )


def _another_name(case: _Case, doc: Extraction) -> bool:
    """The document names, surely, someone other than the letter's patient."""
    letter = case.letter
    if letter is None or not case.sure(case.field(letter, "name")):
        return False
    if not case.sure(case.field(doc, "name")):
        return False
    return name_similarity(letter.value("name"), doc.value("name")) < case.policy.other_name


@dataclass(frozen=True)
class Applicant:
    """Whose case it is: the NIK, the document it came from, and the positive evidence for it —
    `tied`: the NIK is the patient's (printed on the letter, or the person whose name and birth
    date match the letter's read surely); `sure`: its digits were read surely."""

    nik: str
    source: Extraction
    tied: bool
    sure: bool


def _applicant(case: _Case) -> Applicant | None:
    for letter in case.letters:
        f = case.field(letter, "nik")
        if f is not None and f.value:
            return Applicant(f.value, letter, True, case.sure(f))
    if case.letter is None:
        # No letter: the identity documents are the applicant's own.
        for doc in case.ktps + case.sktms:
            f = case.field(doc, "nik")
            if f is not None and f.value:
                return Applicant(f.value, doc, True, case.sure(f))
        return None
    patient, born = case.letter.value("name"), case.letter.value("birth_date")

    def same(name: str | None, birth: str | None, nik: str) -> bool:
        return name_similarity(patient, name) >= case.policy.name_match and (
            not born or not birth or born == birth or _born_in(nik, born)
        )

    def tied(nik: str) -> bool:
        """The patient's name read surely, and a birth date printed with this NIK, or the
        one its digits encode, agrees."""
        births = [d.value("birth_date") for d in case.ktps + case.sktms if d.value("nik") == nik]
        births += [m.birth_date for kk in case.kks for m in kk.members if m.nik == nik]
        return case.sure(case.field(case.letter, "name")) and (
            not born or born in births or _born_in(nik, born)
        )

    # The KTP and SKTM print one person each, in large type: safer than a KK table row.
    for doc in case.ktps + case.sktms:
        f = case.field(doc, "nik")
        if f is not None and f.value and same(doc.value("name"), doc.value("birth_date"), f.value):
            return Applicant(f.value, doc, tied(f.value), case.sure(f))
    for kk in case.kks:
        for member in kk.members:
            if member.nik and same(member.name, member.birth_date, member.nik):
                return Applicant(member.nik, kk, tied(member.nik), False)  # a row has no confidence
    return None


def _born_in(nik: str, born: str) -> bool:
    """The birth date (ISO) is the one the NIK's digits encode: a second reading of it, should
    the printed date beside the NIK be misread."""
    info = decode_nik(nik)
    return info is not None and born in {d.isoformat() for d in info.birth_date_candidates()}


def _check_papers(case: _Case, found: Findings) -> None:
    policy, letter = case.policy, case.letter
    for doc in case.broken:
        found.bad_files.append((doc.source, doc.warnings[0].code))
    if case.broken:
        names = ", ".join(d.source for d in case.broken)
        found.fail("files", review_message("broken", files=names), ReasonCode.unreadable_file, True)
    for doc in case.unrecognised:
        found.fail("files", review_message("unrecognised", where=doc.source))
    for doc in case.unsure:  # a document counts as its type only when identified surely
        found.fail("files", review_message("type_unsure", where=_where(doc)))

    identified = case.all_identified
    if letter is None:
        found.fail(
            "letter", review_message("missing_letter"), ReasonCode.missing_faskes_letter, identified
        )
    if policy.require_identity and not case.kks and not case.ktps:
        found.fail(
            "identity", review_message("missing_identity"), ReasonCode.missing_identity, identified
        )

    # Urgency: a category read surely, or a diagnosis read surely that names none.
    category = case.field(letter, "priority_category") if letter else None
    found.category = category.value if category else None
    found.urgent = found.category in policy.priority_categories if found.category else False
    diagnosis_sure = letter is not None and case.sure(case.field(letter, "diagnosis"))
    decided = case.sure(category) if found.urgent else diagnosis_sure
    waived = policy.sktm_optional_when_urgent and found.urgent
    if policy.require_sktm and not case.sktms and not (waived and decided):
        if waived:
            found.fail("sktm", review_message("urgency_unsure_sktm"), ReasonCode.missing_sktm)
        else:
            found.fail(
                "sktm",
                review_message("missing_sktm" if decided else "urgency_unsure_sktm"),
                ReasonCode.missing_sktm,
                identified and decided,
            )

    if letter is None:
        return
    for name, code, label in (
        ("register_number", ReasonCode.register_number_missing, "nomor register/rekam medis"),
        ("diagnosis", ReasonCode.diagnosis_missing, "diagnosa"),
    ):
        f = case.field(letter, name)
        if f is None or f.value is None:
            certain = any(
                w.code in CERTAINLY_MISSING and w.field == name for w in letter.warnings
            ) and not any(w.code in PHOTO_CODES for w in letter.warnings)
            found.fail(
                name, review_message("not_found", field=label, where=_where(letter)), code, certain
            )
        elif not case.sure(f):
            found.fail(name, review_message("low", field=label, where=_where(letter)))


def _check_person(case: _Case, found: Findings) -> None:
    applicant = _applicant(case)
    if applicant is None:
        if case.letter is not None or case.ktps or case.kks or case.sktms:
            found.fail("applicant", review_message("no_applicant"), ReasonCode.nik_unreadable)
        return
    nik, source = applicant.nik, applicant.source
    found.nik = nik
    if not applicant.tied:
        found.fail("applicant", review_message("tie", where=_where(source)))
    # A sure reading on another document confirms the same 16 digits read unsurely: OCR does
    # not slip into exactly the applicant's NIK. (A KK row has no confidence of its own.)
    confirmed = any(
        d is not source and d.value("nik") == nik and case.sure(case.field(d, "nik"))
        for d in case.sktms + case.ktps + case.letters
    )
    if not applicant.sure and not confirmed:
        found.fail("applicant", review_message("low", field="NIK", where=_where(source)))

    # The SKTM and the KTP must carry the applicant's NIK, read; a letter printing another
    # NIK than the one taken is looked at too.
    for doc in case.sktms + case.ktps + case.letters:
        f = case.field(doc, "nik")
        rejected = [
            w.rejected
            for w in doc.warnings
            if w.code in REJECTED_NIK_CODES - {"nik_other"} and w.rejected and w.rejected.value
        ]
        second = [
            w.rejected.value
            for w in doc.warnings
            if w.code == "nik_other" and w.rejected and w.rejected.value not in (None, nik)
        ]
        value = f.value if f is not None else None
        if value and value != nik:
            _other_nik(case, found, nik, f, doc)
        elif not value and doc.doc_type is not DocType.faskes_letter and not rejected:
            found.fail("same_nik", review_message("nik_not_found", where=_where(doc)))
        for other in rejected:
            _other_nik(case, found, nik, other, doc, valid=False)
        if second:  # a family member's or a guarantor's, or the applicant's printed twice
            found.fail("same_nik", review_message("nik_second", where=_where(doc)))

    for kk in case.kks:
        members = {m.nik for m in kk.members if m.nik}
        if nik in members:
            continue
        near = sorted(m for m in members if _could_be_misread(nik, m))
        if not kk.members:
            found.fail("on_kk", review_message("kk_unread", where=_where(kk)))
        elif near:
            found.fail(
                "on_kk", review_message("nik_slip", where=_where(kk)), ReasonCode.nik_mismatch
            )
        elif any(m.nik is None for m in kk.members):
            found.fail("on_kk", review_message("kk_member_unread", where=_where(kk)))
        else:  # a row lost by OCR leaves no trace: never certain
            found.fail(
                "on_kk", review_message("not_on_kk", where=_where(kk)), ReasonCode.nik_mismatch
            )

    if not found.certain(ReasonCode.nik_mismatch):
        _check_names(case, found, nik)


def _names_of(case: _Case, nik: str) -> list[tuple[Extraction, str]]:
    """The applicant's name as each document prints it: the letter's patient, the SKTM and
    KTP holder and the KK member carrying the applicant's NIK."""
    out: list[tuple[Extraction, str]] = []
    for doc in case.letters + case.sktms + case.ktps:
        name = doc.value("name")
        if name and doc.value("nik") in (None, nik):
            out.append((doc, name))
    for kk in case.kks:
        out.extend((kk, m.name) for m in kk.members if m.nik == nik and m.name)
    return out


def _check_names(case: _Case, found: Findings, nik: str) -> None:
    """Documents carrying one NIK but clearly different names go to a reviewer; what OCR and
    clerks change (a letter, spacing, titles, BIN/BINTI) is forgiven by `name_similarity`."""
    names = _names_of(case, nik)
    if len(names) < 2:
        return
    first, first_name = names[0]
    for doc, name in names[1:]:
        if name_similarity(first_name, name) < case.policy.name_match:
            found.fail(
                "names",
                review_message(
                    "name_mismatch",
                    first=_where(first),
                    first_name=first_name,
                    second=_where(doc),
                    second_name=name,
                ),
            )


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


def _check_list(
    case: _Case, found: Findings, as_of: date, lookup: Lookup, candidates: Candidates
) -> None:
    nik = found.nik
    if nik is None or found.certain(ReasonCode.nik_mismatch):
        return
    # Off the list is certain only for a NIK read surely and agreed by every document.
    sure = not any(u.check in ("applicant", "same_nik", "on_kk") for u in found.unmet)
    record = lookup(nik)
    if record is None:
        letter = case.letter
        born = letter.value("birth_date") if letter else None
        near = candidates(
            nik,
            letter.value("name") if letter else None,
            date.fromisoformat(born) if born else None,
        )
        if near:
            found.candidates = [Candidate(nik=r.nik, name=r.name, why=why) for r, why in near]
            found.fail("listed", review_message("near_match"))
        else:
            found.fail(
                "listed",
                review_message("not_listed"),
                ReasonCode.not_in_deactivation_list,
                sure,
            )
    elif record.deactivated_on and record.deactivated_on < _months_before(
        as_of, case.policy.window_months
    ):
        found.fail("window", review_message("window"), ReasonCode.reactivation_window_passed, sure)


def unmet_checks(
    submission: Submission,
    policy: Policy,
    as_of: date,
    lookup: Lookup,
    candidates: Candidates,
) -> Findings:
    """Every check of the policy that lacks positive evidence (empty: the case is ready)."""
    case = _Case(submission, policy)
    found = Findings()
    _check_papers(case, found)
    _check_person(case, found)
    _check_list(case, found, as_of, lookup, candidates)
    return found


def _codes(unmet: list[Unmet]) -> list[ReasonCode]:
    """The reasons of the unmet checks, once each, in CONTRACT.md's order."""
    found = {u.reason for u in unmet if u.reason is not None}
    return [code for code in ReasonCode if code in found]


def decide(
    submission: Submission,
    policy: Policy,
    as_of: date,
    lookup: Lookup,
    candidates: Candidates,
) -> Decision:
    found = unmet_checks(submission, policy, as_of, lookup, candidates)
    certain = [u for u in found.unmet if u.certain]
    ineligible = [c for c in _codes(certain) if c in INELIGIBLE]
    if ineligible:
        status, codes = Status.not_eligible, ineligible
    elif certain:
        status, codes = Status.needs_correction, _codes(certain)
    elif found.unmet:
        # What the machine suspects, for the reviewer to confirm with one click.
        status, codes = Status.needs_review, _codes(found.unmet)
    else:
        status, codes = Status.ready, []
    notes = [u.note for u in found.unmet if not u.certain]
    photo = sorted(
        {w.code for d in submission.documents for w in d.warnings if w.code in PHOTO_CODES}
    )
    return Decision(
        submission=submission.id,
        status=status,
        reasons=[reason(code) for code in codes],
        priority=Priority.urgent if found.urgent else Priority.regular,
        nik=found.nik,
        priority_category=found.category,
        review_notes=notes,
        candidates=found.candidates,
        # A photo verdict is for the reviewer: the applicant hears only certain problems.
        photo_problems=photo if status is Status.needs_review else [],
        unreadable_files=found.bad_files if status is Status.needs_correction else [],
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
