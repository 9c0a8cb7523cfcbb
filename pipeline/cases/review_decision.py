"""Deciding a case again after a reviewer looked: the same `decide` as `process`, on the stored
extractions with the reviewer's corrections applied.

The web app is a thin layer over these functions: it keeps who changed what (its own tables)
and hands the corrections in here as plain records. A corrected or accepted field gets
confidence 1.0 — a person read it — so the low-confidence note that sent the case to review
does not send it back again; everything else (the list, the window, NIK agreement between the
documents) is checked exactly as `process` checks it. Never `ready` on a guess, here too.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from models import Decision, ReasonCode, Status, Submission
from models.tables import decision as decision_table
from pipeline.cases import route as route_module
from pipeline.cases.decide import reason
from pipeline.cases.submissions import stored_submission


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
    submission = stored_submission(engine, submission_id, list(row.documents or []))
    return submission, Decision.model_validate(row.record)


def save_decision(
    engine: Engine,
    decision: Decision,
    submission: Submission,
    reviewer: str,
    published: bool = False,
) -> None:
    """Replace the submission's decision, keeping its row and the inbox fingerprint: a rerun of
    `process` leaves a reviewed case alone until new files arrive for it. `published`: its
    reply is written."""
    values = {
        "reviewed_by": reviewer,
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


def returned(decision: Decision, codes: list[ReasonCode], note: str) -> Decision:
    """The case sent back to the applicant with the reviewer's reasons and words."""
    return decision.model_copy(
        update={
            "status": Status.needs_correction,
            "reasons": [reason(code) for code in codes],
            "review_notes": decision.review_notes
            + ([f"{route_module.REVIEWER_NOTE}{note}"] if note else []),
            "candidates": [],
        }
    )
