"""Deciding a case again after a reviewer looked: the same `decide` as `process`, on the stored
extractions with the reviewer's corrections applied.

The web app is a thin layer over these functions: it keeps who changed what (its own tables)
and hands the corrections in here as plain records. A corrected or accepted field gets
confidence 1.0 — a person read it — so the low-confidence note that sent the case to review
does not send it back again; everything else (the list, the window, NIK agreement between the
documents) is checked exactly as `process` checks it. Never `ready` on a guess, here too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime

from pydantic import BaseModel
from sqlalchemy import Engine, insert, select, update

from models import Decision, Extraction, Field, ReasonCode, Status, Submission
from models.tables import decision as decision_table
from models.tables import document as document_table
from pipeline import route as route_module
from pipeline.deactivation_list import candidates, lookup
from pipeline.decide import decide, reason
from pipeline.policy import Policy
from pipeline.storage import Storage
from pipeline.submissions import PIPELINE_VERSION

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


def load_submission(engine: Engine, submission_id: str) -> tuple[Submission, Decision] | None:
    """The submission as `process` decided it: its stored extractions and decision."""
    with engine.connect() as connection:
        row = connection.execute(
            select(decision_table.c.record, decision_table.c.documents).where(
                decision_table.c.submission == submission_id
            )
        ).first()
        if row is None:
            return None
        hashes = list(_json(row.documents) or [])
        docs = connection.execute(
            select(
                document_table.c.sha256,
                document_table.c.pipeline_version,
                document_table.c.extractions,
            ).where(document_table.c.sha256.in_(hashes))
        ).all()
    by_hash: dict[str, list] = {}
    for sha256, version, extractions in docs:
        # The current pipeline's reading wins over an older one of the same bytes.
        if sha256 not in by_hash or version == PIPELINE_VERSION:
            by_hash[sha256] = _json(extractions)
    documents = [
        Extraction.model_validate({**e, "sha256": e.get("sha256") or sha256})
        for sha256, extractions in by_hash.items()
        for e in extractions
    ]
    # `process` read the files in name order; the same order gives the same decision.
    documents.sort(key=lambda e: (e.source, e.page))
    decision = Decision.model_validate(_json(row.record))
    return Submission(id=submission_id, documents=documents), decision


def _json(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


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
        current = doc.fields.get(fix.field)
        if current is None:
            current = Field(name=fix.field)
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


def redecide(engine: Engine, submission: Submission, policy: Policy, as_of: date) -> Decision:
    """The decision `process` would give this (corrected) submission."""
    return decide(
        submission,
        policy,
        as_of,
        lambda nik: lookup(engine, nik),
        lambda nik, name, born: candidates(engine, nik, name, born),
    )


def save_decision(
    engine: Engine, decision: Decision, submission: Submission, published: bool = False
) -> None:
    """Replace the submission's decision, keeping its row (and the inbox fingerprint that lets
    a rerun of `process` leave a reviewed case alone). `published`: its reply is written."""
    values = {
        "status": decision.status.value,
        "priority": decision.priority.value,
        "nik": decision.nik,
        "record": decision.model_dump(mode="json"),
        "documents": sorted({e.sha256 for e in submission.documents if e.sha256}),
        "decided_at": datetime.now(UTC),
        "published": published,
    }
    with engine.begin() as connection:
        changed = connection.execute(
            update(decision_table)
            .where(decision_table.c.submission == decision.submission)
            .values(**values)
        ).rowcount
        if not changed:
            connection.execute(
                insert(decision_table).values(submission=decision.submission, **values)
            )


def publish(engine: Engine, storage: Storage) -> None:
    """Rewrite decisions.jsonl, the replies not yet written and the worklist from the table."""
    route_module.publish(engine, storage)


def returned(decision: Decision, codes: list[ReasonCode], note: str) -> Decision:
    """The case sent back to the applicant with the reviewer's reasons and words."""
    return decision.model_copy(
        update={
            "status": Status.needs_correction,
            "reasons": [reason(code) for code in codes],
            "review_notes": [*decision.review_notes, f"reviewer: {note}"],
            "candidates": [],
        }
    )


def reply(decision: Decision, note: str) -> dict:
    """The outbox record for the WhatsApp gateway, with the reviewer's note in the text."""
    lines = route_module.reply_text(decision).split("\n")
    closing = next(
        (i for i, line in enumerate(lines) if line.startswith("Mohon kirimkan")), len(lines)
    )
    insert_at = closing - 1 if closing > 0 and not lines[closing - 1] else closing
    if note.strip():
        lines.insert(insert_at, f"- Catatan petugas: {' '.join(note.split())}")
    return {
        "submission": decision.submission,
        "status": decision.status.value,
        "reasons": [r.model_dump(mode="json") for r in decision.reasons],
        "photo_problems": decision.photo_problems,
        "unreadable_files": [list(f) for f in decision.unreadable_files],
        "reviewer_note": note,
        "reply": "\n".join(lines),
    }


def write_reply(storage: Storage, decision: Decision, note: str) -> str:
    key = f"outbox/{decision.submission}.json"
    body = json.dumps(reply(decision, note), ensure_ascii=False, indent=2).encode("utf-8")
    storage.put(key, body)
    return key


def worklist(engine: Engine, fixes: Mapping[str, list[FieldCorrection]]) -> list[dict[str, str]]:
    """The SIKS-NG worklist rows of every `ready` case, urgent first, reviewer values in."""
    with engine.connect() as connection:
        ready = connection.execute(
            select(decision_table.c.submission, decision_table.c.priority)
            .where(decision_table.c.status == Status.ready.value)
            .order_by((decision_table.c.priority != "urgent").asc(), decision_table.c.submission)
        ).all()
    rows = []
    for submission_id, _ in ready:
        loaded = load_submission(engine, submission_id)
        if loaded is None:
            continue
        submission, decision = loaded
        submission = apply_corrections(submission, fixes.get(submission_id, []))
        rows.append(route_module.worklist_row(decision, submission))
    return rows
