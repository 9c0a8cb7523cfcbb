"""The review queue: urgent first, then oldest; filters, counts and pages, all in SQL.

The decision table has no kecamatan and no arrival time, and `process` rewrites it on every
run, so the app keeps a narrow copy beside it (`review_case`): status, priority, the
kecamatan read from the KK or SKTM (else the list's) and when the case's first document was
read, indexed in queue order. A page of the queue then reads one index range and 50 decision
rows, however many cases there are. The copy is brought up to date off the request path (a
background thread of the server, every SYNC_SECONDS), on the first request, and at once after
a reviewer's own action.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, bindparam, func, insert, or_, select, update

from extractors.nik import mask_nik
from models import DocType
from models.tables import deactivation, decision, document
from review.tables import cases

STATUSES = ("needs_review", "needs_correction", "ready", "not_eligible")
PRIORITIES = ("urgent", "regular")
ALL = "semua"
log = logging.getLogger(__name__)
SYNC_SECONDS = 3.0


@dataclass
class QueueRow:
    submission: str
    status: str
    priority: str
    category: str | None
    nik_masked: str
    district: str | None
    received_at: datetime | None
    notes: list[str]


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int
    by_status: dict[str, int] = field(default_factory=dict)
    by_priority: dict[str, int] = field(default_factory=dict)
    districts: list[tuple[str, int]] = field(default_factory=list)


def _json(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


class CaseIndex:
    """Keeps `review_case` in step with the decision table."""

    def __init__(self, engine: Engine, every: float = SYNC_SECONDS) -> None:
        self.engine = engine
        self.every = every
        self.synced = False
        self._lock = threading.Lock()

    def refresh(self, force: bool = False) -> int:
        """Sync now when asked to or never synced; returns how many rows changed."""
        if self.synced and not force:
            return 0
        with self._lock:
            changed = sync_cases(self.engine)
            self.synced = True
            return changed

    def follow(self, stop: threading.Event) -> None:
        """Sync every `every` seconds until `stop` is set (the server's background thread)."""
        while not stop.wait(self.every):
            try:
                self.refresh(force=True)
            except Exception:  # a locked or busy database: the next round tries again
                log.exception("review index sync failed")


def sync_cases(engine: Engine) -> int:
    """Bring `review_case` up to date with the decision table; returns rows added or changed."""
    joined = decision.outerjoin(cases, cases.c.submission == decision.c.submission)
    with engine.connect() as connection:
        changed = connection.execute(
            select(
                decision.c.submission,
                decision.c.status,
                decision.c.priority,
                decision.c.nik,
                decision.c.documents,
                decision.c.decided_at,
                cases.c.submission.label("known"),
            )
            .select_from(joined)
            .where(
                or_(
                    cases.c.submission.is_(None),
                    cases.c.status != decision.c.status,
                    cases.c.priority != decision.c.priority,
                    cases.c.decided_at.is_distinct_from(decision.c.decided_at),
                )
            )
        ).all()
        new_rows = [_state(r) | _arrival(connection, r) for r in changed if r.known is None]
        updates = [_state(r) for r in changed if r.known is not None]
    if not changed:
        return 0
    with engine.begin() as connection:
        for start in range(0, len(new_rows), 500):
            connection.execute(insert(cases), new_rows[start : start + 500])
        if updates:
            connection.execute(
                update(cases)
                .where(cases.c.submission == bindparam("key"))
                .values(
                    status=bindparam("new_status"),
                    priority=bindparam("new_priority"),
                    rank=bindparam("new_rank"),
                    decided_at=bindparam("new_decided_at"),
                ),
                [
                    {
                        "key": u["submission"],
                        "new_status": u["status"],
                        "new_priority": u["priority"],
                        "new_rank": u["rank"],
                        "new_decided_at": u["decided_at"],
                    }
                    for u in updates
                ],
            )
    return len(new_rows) + len(updates)


def _state(row) -> dict:
    return {
        "submission": row.submission,
        "status": row.status,
        "priority": row.priority,
        "rank": 0 if row.priority == "urgent" else 1,
        "decided_at": row.decided_at,
    }


def _arrival(connection, row) -> dict:
    """Kecamatan and arrival time of a case seen for the first time (reads its documents)."""
    hashes = list(_json(row.documents) or [])
    docs = connection.execute(
        select(document.c.extractions, document.c.created_at).where(document.c.sha256.in_(hashes))
    ).all()
    district = _district(docs)
    if district is None and row.nik:
        district = connection.execute(
            select(deactivation.c.district).where(deactivation.c.nik == row.nik)
        ).scalar()
    seen = [d.created_at for d in docs if d.created_at is not None]
    return {
        "district": (district or "").strip().upper() or None,
        "received_at": min(seen) if seen else row.decided_at,
    }


def _district(docs) -> str | None:
    for wanted in (DocType.kk.value, DocType.sktm.value):
        for row in docs:
            for extraction in _json(row.extractions) or []:
                if extraction.get("doc_type") == wanted:
                    value = ((extraction.get("fields") or {}).get("district") or {}).get("value")
                    if value:
                        return value
    return None


def _filters(status: str, priority: str, district: str) -> list:
    where = []
    if status != ALL:
        where.append(cases.c.status == status)
    if priority != ALL:
        where.append(cases.c.priority == priority)
    if district != ALL:
        where.append(cases.c.district == district)
    return where


def load_queue(
    engine: Engine,
    status: str = "needs_review",
    priority: str = ALL,
    district: str = ALL,
    page: int = 1,
    size: int = 50,
) -> QueuePage:
    """One page of the queue and the counts the filters need."""
    where = _filters(status, priority, district)
    with engine.connect() as connection:

        def grouped(column, *conditions) -> list[tuple]:
            return connection.execute(
                select(column, func.count()).where(*conditions).group_by(column).order_by(column)
            ).all()

        by_status = dict(grouped(cases.c.status, *_filters(ALL, priority, district)))
        total = by_status.get(status, 0) if status != ALL else sum(by_status.values())
        pages = max(1, math.ceil(total / size))
        page = min(max(1, page), pages)
        names = connection.execute(
            select(cases.c.submission, cases.c.district, cases.c.received_at)
            .where(*where)
            .order_by(cases.c.rank, cases.c.received_at, cases.c.submission)
            .limit(size)
            .offset((page - 1) * size)
        ).all()
        found = {
            r.submission: r
            for r in connection.execute(
                select(
                    decision.c.submission,
                    decision.c.status,
                    decision.c.priority,
                    decision.c.nik,
                    decision.c.record,
                ).where(decision.c.submission.in_([n.submission for n in names]))
            )
        }
        by_priority = dict(grouped(cases.c.priority, *_filters(status, ALL, district)))
        districts = grouped(
            cases.c.district, *_filters(status, priority, ALL), cases.c.district.is_not(None)
        )
    rows = []
    for n in names:
        r = found.get(n.submission)
        if r is None:  # decision removed since the copy: gone from the queue too
            continue
        record = _json(r.record) or {}
        rows.append(
            QueueRow(
                submission=r.submission,
                status=r.status,
                priority=r.priority,
                category=record.get("priority_category"),
                nik_masked=mask_nik(r.nik) if r.nik else "-",
                district=n.district,
                received_at=n.received_at,
                notes=[c.get("code", "") for c in record.get("reasons", [])]
                + list(record.get("review_notes", [])),
            )
        )
    return QueuePage(
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        by_status={s: by_status.get(s, 0) for s in STATUSES},
        by_priority={p: by_priority.get(p, 0) for p in PRIORITIES},
        districts=[(d, c) for d, c in districts],
    )
