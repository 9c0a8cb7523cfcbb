"""The operator's dashboard: counts by status, priority and kecamatan, and per day received
(from the review app's copy of the decisions, `review_case`, kept current by `review.queue`),
and how many cases went back to their applicants — with how many of those a reviewer then
approved as complete after all (from the audit trail): a count that must stay near zero."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Engine, func, not_, select

from review.queue import PRIORITIES, STATUSES
from review.tables import audit, cases


@dataclass
class Dashboard:
    by_status: dict[str, int]
    by_priority: dict[str, int]
    by_district: list[tuple[str, dict[str, int], int]]  # (kecamatan, per status, total)
    by_day: list[tuple[str, dict[str, int], int]]  # (YYYY-MM-DD received, per status, total)
    total: int
    sent_back: int = 0  # cases that went back to the applicant (now, or before a reviewer...)
    complete_after_all: int = 0  # ... approved them: complete papers that were sent back


def load_dashboard(engine: Engine, days: int = 30) -> Dashboard:
    day = func.date(cases.c.received_at)
    with engine.connect() as connection:
        by_status = dict(
            connection.execute(select(cases.c.status, func.count()).group_by(cases.c.status)).all()
        )
        by_priority = dict(
            connection.execute(
                select(cases.c.priority, func.count()).group_by(cases.c.priority)
            ).all()
        )
        district_rows = connection.execute(
            select(cases.c.district, cases.c.status, func.count()).group_by(
                cases.c.district, cases.c.status
            )
        ).all()
        reapproved = (
            select(audit.c.submission)
            .where(
                audit.c.action == "approve",
                audit.c.old.like("needs_correction%"),
                not_(audit.c.new.like("needs_correction%")),
            )
            .distinct()
            .subquery()
        )
        complete_after_all = connection.execute(
            select(func.count()).select_from(reapproved)
        ).scalar_one()
        day_rows = connection.execute(
            select(day, cases.c.status, func.count())
            .where(cases.c.received_at.is_not(None))
            .group_by(day, cases.c.status)
        ).all()
    return Dashboard(
        by_status={s: by_status.get(s, 0) for s in STATUSES},
        by_priority={p: by_priority.get(p, 0) for p in PRIORITIES},
        by_district=_table(district_rows, "(tidak diketahui)"),
        by_day=sorted(_table(day_rows, "-"), reverse=True)[:days],
        total=sum(by_status.values()),
        sent_back=by_status.get("needs_correction", 0) + complete_after_all,
        complete_after_all=complete_after_all,
    )


def _table(rows, unknown: str) -> list[tuple[str, dict[str, int], int]]:
    table: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    for key, status, count in rows:
        table[str(key) if key else unknown][status] = count
    return [(key, counts, sum(counts.values())) for key, counts in sorted(table.items())]
