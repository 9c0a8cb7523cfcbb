"""What a reviewer does to a case, each step written with its audit row in one transaction.

The rules (what a correction means for the decision) live in `pipeline.cases.review_decision`;
this module only stores who did what and hands the corrections over.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine, and_, delete, insert

from extractors.nik import mask_nik
from models import Decision, ReasonCode
from pipeline.cases.corrections import apply_corrections
from pipeline.cases.decide import decide_with_list
from pipeline.cases.policy import Policy
from pipeline.cases.review_decision import (
    load_submission,
    returned,
    save_decision,
)
from review.auth import User
from review.cases import load_corrections
from review.tables import audit, corrections

MAX_VALUE_LENGTH = 200  # the longest field (a diagnosis, a facility name) is far shorter
MAX_REASON_LENGTH = 1000


class CaseNotFound(LookupError):
    pass


class BadCorrection(ValueError):
    """The form named a document or field that is not part of the case."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def set_field(
    engine: Engine,
    user: User,
    submission_id: str,
    sha256: str,
    page: int,
    field: str,
    value: str | None,
    reason: str,
    accept: bool = False,
) -> None:
    """Store a reviewer's value for one field (or their word that the value read is right)."""
    loaded = load_submission(engine, submission_id)
    if loaded is None:
        raise CaseNotFound(submission_id)
    submission, _ = loaded
    current = apply_corrections(submission, load_corrections(engine, submission_id))
    doc = next((d for d in current.documents if d.sha256 == sha256 and d.page == page), None)
    if doc is None:
        raise BadCorrection("that document is not part of this case")
    old = _current_value(doc, field)
    if old is _MISSING:
        raise BadCorrection(f"the document has no field {field!r}")
    value = (value or "").strip() or None
    if value is not None and len(value) > MAX_VALUE_LENGTH:
        raise BadCorrection(f"a value is at most {MAX_VALUE_LENGTH} characters")
    if len(reason) > MAX_REASON_LENGTH:
        raise BadCorrection(f"a reason is at most {MAX_REASON_LENGTH} characters")
    if field.endswith("nik") and value is not None:
        value = "".join(value.split())
    if accept:
        value = old
    now = _now()
    key = and_(
        corrections.c.submission == submission_id,
        corrections.c.sha256 == sha256,
        corrections.c.page == page,
        corrections.c.field == field,
    )
    with engine.begin() as connection:
        connection.execute(delete(corrections).where(key))
        connection.execute(
            insert(corrections).values(
                submission=submission_id,
                sha256=sha256,
                page=page,
                field=field,
                value=value,
                user=user.name,
                at=now,
            )
        )
        connection.execute(
            insert(audit).values(
                submission=submission_id,
                user=user.name,
                at=now,
                action="accept" if accept else "correct",
                field=f"{doc.source} · {field}",
                old=old,
                new=value,
                reason=reason.strip() or None,
            )
        )


_MISSING = object()


def _current_value(doc, field: str):
    if field.startswith("members."):
        parts = field.split(".")
        if len(parts) != 3 or not parts[1].isdigit() or int(parts[1]) >= len(doc.members):
            return _MISSING
        member = doc.members[int(parts[1])]
        if parts[2] not in type(member).model_fields:  # never `__class__` or a method
            return _MISSING
        return getattr(member, parts[2])
    if field not in doc.fields:
        return _MISSING
    return doc.fields[field].value


def approve(
    engine: Engine,
    user: User,
    submission_id: str,
    policy: Policy,
    as_of: date,
    reason: str = "",
) -> Decision:
    """Decide the case again with the corrections and record the result. The outputs
    (worklist, replies) are republished by the caller, after the reviewer has the answer."""
    loaded = load_submission(engine, submission_id)
    if loaded is None:
        raise CaseNotFound(submission_id)
    submission, before = loaded
    corrected = apply_corrections(submission, load_corrections(engine, submission_id))
    decision = decide_with_list(engine, corrected, policy, as_of)
    save_decision(engine, decision, corrected, user.name)
    _audit_decision(engine, user, submission_id, "approve", before, decision, reason)
    return decision


def return_to_applicant(
    engine: Engine,
    user: User,
    submission_id: str,
    codes: list[ReasonCode],
    note: str,
) -> Decision:
    """Send the case back to the applicant: the next publish writes a reply naming the
    reasons and the reviewer's note."""
    loaded = load_submission(engine, submission_id)
    if loaded is None:
        raise CaseNotFound(submission_id)
    submission, before = loaded
    decision = returned(before, codes, note)
    save_decision(engine, decision, submission, user.name)  # the reply goes out on publish
    _audit_decision(engine, user, submission_id, "return", before, decision, note)
    return decision


def _audit_decision(
    engine: Engine,
    user: User,
    submission_id: str,
    action: str,
    before: Decision,
    after: Decision,
    reason: str,
) -> None:
    def summary(d: Decision) -> str:
        codes = ",".join(r.code.value for r in d.reasons)
        nik = f" NIK {mask_nik(d.nik)}" if d.nik else ""
        return f"{d.status.value}{f' ({codes})' if codes else ''}{nik}"

    with engine.begin() as connection:
        connection.execute(
            insert(audit).values(
                submission=submission_id,
                user=user.name,
                at=_now(),
                action=action,
                field="status",
                old=summary(before),
                new=summary(after),
                reason=reason.strip() or None,
            )
        )
