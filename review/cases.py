"""One case as the review screen shows it: documents, fields with boxes, KK members, list
candidates beside the applicant, the decision as stored and as it would be now, the audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Engine, select

from models import Box, DeactivationRecord, Decision, DocType, Extraction, Submission
from models.extraction import FIELDS_BY_DOC_TYPE
from pipeline.cases.corrections import FieldCorrection, apply_corrections, stored_corrections
from pipeline.cases.deactivation_list import lookup, name_key
from pipeline.cases.decide import decide_with_list
from pipeline.cases.policy import Policy
from pipeline.cases.review_decision import load_submission
from review.labels import FIELDS
from review.tables import audit


@dataclass
class FieldView:
    key: str  # unique on the page: "<doc index>:<field>"
    doc: int
    name: str
    value: str | None
    read_value: str | None
    confidence: float
    page: int | None
    box: Box | None
    corrected: bool


@dataclass
class DocView:
    index: int
    sha256: str
    page: int
    pages: list[int]
    source: str
    doc_type: str
    fields: list[FieldView]
    members: list[dict]
    warnings: list[str]


@dataclass
class Comparison:
    """One deactivation-list candidate beside what the documents say."""

    nik: str
    why: list[str]
    rows: list[tuple[str, str, str, bool]]  # (label, applicant, candidate, differs)
    nik_digits: list[tuple[str, bool]]  # candidate's digits, True where they differ


@dataclass
class CaseView:
    submission: str
    stored: Decision
    preview: Decision
    documents: list[DocView]
    comparisons: list[Comparison]
    audit: list[dict]
    corrections: list[FieldCorrection] = field(default_factory=list)


def load_corrections(engine: Engine, submission: str) -> list[FieldCorrection]:
    return stored_corrections(engine, [submission]).get(submission, [])


def load_audit(engine: Engine, submission: str) -> list[dict]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(audit).where(audit.c.submission == submission).order_by(audit.c.id.desc())
        ).all()
    return [dict(r._mapping) for r in rows]


def load_case(engine: Engine, submission_id: str, policy: Policy, as_of: date) -> CaseView | None:
    loaded = load_submission(engine, submission_id)
    if loaded is None:
        return None
    original, stored = loaded
    fixes = load_corrections(engine, submission_id)
    corrected = apply_corrections(original, fixes)
    preview = decide_with_list(engine, corrected, policy, as_of)
    fixed_keys = {(f.sha256, f.page, f.field) for f in fixes}
    documents = [
        _doc_view(i, before, after, fixed_keys)
        for i, (before, after) in enumerate(
            zip(original.documents, corrected.documents, strict=True)
        )
    ]
    # One table per list entry, with every reason it came up for (a NIK one slip away that
    # also has the same name and birth date is listed by both rules).
    whys: dict[str, list[str]] = {}
    for c in preview.candidates or stored.candidates:
        whys.setdefault(c.nik, []).append(c.why)
    comparisons = [
        _compare(corrected, preview, nik, whys[nik], lookup(engine, nik)) for nik in whys
    ]
    return CaseView(
        submission=submission_id,
        stored=stored,
        preview=preview,
        documents=documents,
        comparisons=comparisons,
        audit=load_audit(engine, submission_id),
        corrections=fixes,
    )


def _doc_view(
    index: int, before: Extraction, after: Extraction, fixed: set[tuple[str, int, str]]
) -> DocView:
    names = list(FIELDS_BY_DOC_TYPE[after.doc_type]) or list(after.fields)
    fields = []
    for name in names:
        now = after.fields.get(name)
        was = before.fields.get(name)
        boxes = (was.boxes if was else []) or (now.boxes if now else [])
        fields.append(
            FieldView(
                key=f"{index}:{name}",
                doc=index,
                name=name,
                value=now.value if now else None,
                read_value=was.value if was else None,
                confidence=now.confidence if now else 0.0,
                page=(was.page if was and was.page else None) or after.page,
                box=Box.union(boxes) if boxes else None,
                corrected=(after.sha256, after.page, name) in fixed,
            )
        )
    return DocView(
        index=index,
        sha256=after.sha256 or "",
        page=after.page,
        pages=after.pages,
        source=after.source,
        doc_type=after.doc_type.value,
        fields=fields,
        members=[m.model_dump() for m in after.members],
        warnings=[f"{w.code}: {w.message}" for w in after.warnings],
    )


def _first(submission: Submission, doc_type: DocType, name: str) -> str | None:
    for doc in submission.documents:
        if doc.doc_type is doc_type and doc.value(name):
            return doc.value(name)
    return None


def _applicant(submission: Submission, decision: Decision) -> dict[str, str]:
    """What the documents say about the applicant, for the side-by-side view."""
    letter, ktp, sktm, kk = DocType.faskes_letter, DocType.ktp, DocType.sktm, DocType.kk
    return {
        "nik": decision.nik or "",
        "name": _first(submission, letter, "name") or _first(submission, ktp, "name") or "",
        "birth_date": _first(submission, letter, "birth_date")
        or _first(submission, ktp, "birth_date")
        or "",
        "kk_number": _first(submission, kk, "kk_number") or "",
        "village": _first(submission, kk, "village") or _first(submission, sktm, "village") or "",
        "district": _first(submission, kk, "district")
        or _first(submission, sktm, "district")
        or "",
    }


def _compare(
    submission: Submission,
    decision: Decision,
    nik: str,
    why: list[str],
    record: DeactivationRecord | None,
) -> Comparison:
    mine = _applicant(submission, decision)
    theirs = {
        "nik": nik,
        "name": (record.name if record else "") or "",
        "birth_date": record.birth_date.isoformat() if record and record.birth_date else "",
        "kk_number": (record.kk_number if record else "") or "",
        "village": (record.village if record else "") or "",
        "district": (record.district if record else "") or "",
    }
    rows = []
    for key in ("nik", "name", "birth_date", "kk_number", "village", "district"):
        a, b = mine[key], theirs[key]
        same = name_key(a) == name_key(b) if key == "name" else a.upper() == b.upper()
        rows.append((FIELDS[key], a, b, bool(a and b and not same)))
    applicant_nik = mine["nik"]
    digits = [
        (d, i >= len(applicant_nik) or applicant_nik[i] != d) for i, d in enumerate(theirs["nik"])
    ]
    return Comparison(nik=nik, why=why, rows=rows, nik_digits=digits)


def when(value: datetime | None) -> str:
    return value.strftime("%d-%m-%Y %H:%M") if value else "-"
