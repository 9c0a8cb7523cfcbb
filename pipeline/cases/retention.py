"""Retention: personal data is kept no longer than the case needs it (UU 27/2022 PDP).

A case is closed when it was decided `ready` or `not_eligible`. Once its decision is older
than the retention period, the originals it used and their page images are deleted from
storage — unless another case that is still open (or recent) used the same bytes. The decision
rows and the reviewers' audit trail stay: they are the record of what was decided and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from models import Status
from models.tables import decision
from pipeline.storage import Storage

CLOSED = (Status.ready.value, Status.not_eligible.value)


@dataclass
class RetentionReport:
    cases: int  # closed cases past the period
    originals: int  # originals deleted
    page_images: int  # page images deleted
    kept_shared: int  # originals kept because an open or recent case uses them too


def expired_documents(
    engine: Engine, days: int, now: datetime | None = None
) -> tuple[int, set[str], int]:
    """(expired cases, sha256s only they use, sha256s kept because others still need them)."""
    cutoff = (now or datetime.now(UTC)).replace(tzinfo=None) - timedelta(days=days)
    expired: set[str] = set()
    needed: set[str] = set()
    cases = 0
    with engine.connect() as connection:
        rows = connection.execute(
            select(decision.c.status, decision.c.decided_at, decision.c.documents)
        ).all()
    for row in rows:
        decided = row.decided_at.replace(tzinfo=None) if row.decided_at else None
        if row.status in CLOSED and decided is not None and decided < cutoff:
            cases += 1
            expired.update(row.documents or [])
        else:
            needed.update(row.documents or [])
    return cases, expired - needed, len(expired & needed)


def apply_retention(
    engine: Engine, storage: Storage, days: int, dry_run: bool = False
) -> RetentionReport:
    """Delete what the period allows; `dry_run` only counts."""
    cases, doomed, shared = expired_documents(engine, days)
    originals = pages = 0
    for sha256 in sorted(doomed):
        images = storage.keys(f"pages/{sha256}")
        present = storage.exists(f"originals/{sha256}")
        if not dry_run:
            for key in images:
                storage.delete(key)
            if present:
                storage.delete(f"originals/{sha256}")
        originals += present
        pages += len(images)
    return RetentionReport(cases, originals, pages, shared)
