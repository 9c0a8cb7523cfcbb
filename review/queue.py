"""The review queue: urgent first, then oldest; filters, counts and pages, all in SQL.

The decision table has no kecamatan and is rewritten on every run, so the app keeps a small
index beside it (`review_case`): the kecamatan read from the KK or SKTM (else the list's) and
when the case's first document was read. It is filled for new decisions on each request, so
a page of the queue never has to open the extractions of 10,000 cases.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, case, func, insert, select

from extractors.nik import mask_nik
from models import DocType
from models.tables import deactivation, decision, document
from review.tables import cases

STATUSES = ("needs_review", "needs_correction", "ready", "not_eligible")
PRIORITIES = ("urgent", "regular")
ALL = "semua"


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


def sync_cases(engine: Engine) -> int:
    """Index the decisions not indexed yet; returns how many were added."""
    with engine.connect() as connection:
        missing = connection.execute(
            select(decision.c.submission, decision.c.documents, decision.c.nik)
            .outerjoin(cases, cases.c.submission == decision.c.submission)
            .where(cases.c.submission.is_(None))
        ).all()
        if not missing:
            return 0
        rows = []
        for submission, hashes, nik in missing:
            hashes = list(_json(hashes) or [])
            docs = connection.execute(
                select(document.c.extractions, document.c.created_at).where(
                    document.c.sha256.in_(hashes)
                )
            ).all()
            district = _district(docs)
            if district is None and nik:
                district = connection.execute(
                    select(deactivation.c.district).where(deactivation.c.nik == nik)
                ).scalar()
            seen = [d.created_at for d in docs if d.created_at is not None]
            rows.append(
                {
                    "submission": submission,
                    "district": (district or "").strip().upper() or None,
                    "received_at": min(seen) if seen else None,
                }
            )
    with engine.begin() as connection:
        for start in range(0, len(rows), 500):
            connection.execute(insert(cases), rows[start : start + 500])
    return len(rows)


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
        where.append(decision.c.status == status)
    if priority != ALL:
        where.append(decision.c.priority == priority)
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
    joined = decision.outerjoin(cases, cases.c.submission == decision.c.submission)
    where = _filters(status, priority, district)
    urgent_first = case((decision.c.priority == "urgent", 0), else_=1)
    with engine.connect() as connection:
        total = connection.execute(
            select(func.count()).select_from(joined).where(*where)
        ).scalar_one()
        pages = max(1, math.ceil(total / size))
        page = min(max(1, page), pages)
        found = connection.execute(
            select(
                decision.c.submission,
                decision.c.status,
                decision.c.priority,
                decision.c.nik,
                decision.c.record,
                cases.c.district,
                cases.c.received_at,
            )
            .select_from(joined)
            .where(*where)
            .order_by(urgent_first, cases.c.received_at.asc(), decision.c.submission)
            .limit(size)
            .offset((page - 1) * size)
        ).all()
        by_status = dict(
            connection.execute(
                select(decision.c.status, func.count())
                .select_from(joined)
                .where(*_filters(ALL, priority, district))
                .group_by(decision.c.status)
            ).all()
        )
        by_priority = dict(
            connection.execute(
                select(decision.c.priority, func.count())
                .select_from(joined)
                .where(*_filters(status, ALL, district))
                .group_by(decision.c.priority)
            ).all()
        )
        districts = connection.execute(
            select(cases.c.district, func.count())
            .select_from(joined)
            .where(*_filters(status, priority, ALL), cases.c.district.is_not(None))
            .group_by(cases.c.district)
            .order_by(cases.c.district)
        ).all()
    rows = []
    for r in found:
        record = _json(r.record) or {}
        rows.append(
            QueueRow(
                submission=r.submission,
                status=r.status,
                priority=r.priority,
                category=record.get("priority_category"),
                nik_masked=mask_nik(r.nik) if r.nik else "-",
                district=r.district,
                received_at=r.received_at,
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
        districts=[(d, n) for d, n in districts],
    )
