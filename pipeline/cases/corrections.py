"""A reviewer's corrections to extracted fields, applied wherever a case is decided.

They are kept apart from the extractions (which belong to the bytes of a file, shared by every
submission that sent the same photo) and applied on top: by the review screen, by `process` when
it decides the case again, and by the worklist export. A corrected or accepted field gets
confidence 1.0 — a person read it.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel
from sqlalchemy import Engine, select

from models import Extraction, Field, Submission
from models.tables import correction

MEMBER_PREFIX = "members."
MEMBER_ATTRIBUTES = ("nik", "name", "gender", "birth_date", "relationship")


class FieldCorrection(BaseModel):
    """One field a reviewer set (or confirmed) on one document of a submission.

    `field` is a field name (`nik`, `name`, ...) or `members.<row>.<attribute>` for the KK
    member table. `value` None clears the field (the reviewer says it is not on the page).
    """

    sha256: str
    page: int
    field: str
    value: str | None


def stored_corrections(
    engine: Engine, submissions: Iterable[str] | None = None
) -> dict[str, list[FieldCorrection]]:
    """Submission → its corrections; all submissions when `submissions` is None."""
    query = select(correction)
    if submissions is not None:
        query = query.where(correction.c.submission.in_(list(submissions)))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    found: dict[str, list[FieldCorrection]] = {}
    for r in rows:
        found.setdefault(r.submission, []).append(
            FieldCorrection(sha256=r.sha256, page=r.page, field=r.field, value=r.value)
        )
    return found


def apply_corrections(submission: Submission, fixes: Iterable[FieldCorrection]) -> Submission:
    """A copy of `submission` with the reviewer's values in place, each at confidence 1.0."""
    result = submission.model_copy(deep=True)
    by_doc = {(d.sha256, d.page): d for d in result.documents}
    for fix in fixes:
        doc = by_doc.get((fix.sha256, fix.page))
        if doc is None:
            continue  # the document is no longer part of the case
        if fix.field.startswith(MEMBER_PREFIX):
            _fix_member(doc, fix)
            continue
        current = doc.fields.get(fix.field) or Field(name=fix.field)
        doc.fields[fix.field] = current.model_copy(
            update={"value": fix.value, "confidence": 1.0 if fix.value else 0.0}
        )
    return result


def _fix_member(doc: Extraction, fix: FieldCorrection) -> None:
    _, row, attribute = [*fix.field.split("."), "", ""][:3]
    if not row.isdigit() or attribute not in MEMBER_ATTRIBUTES:
        return
    index = int(row)
    if index < len(doc.members):
        doc.members[index] = doc.members[index].model_copy(update={attribute: fix.value})
