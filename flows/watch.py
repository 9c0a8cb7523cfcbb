"""The `watch` flow: poll an inbox, wait until each upload is complete, decide what is new.

Neither MinIO-compatible test servers nor every production store emit bucket notifications
we could rely on, so the watcher polls: it lists the inbox twice, `settle_seconds` apart, and
takes a submission only when its files and their sizes did not change in between (a WhatsApp
gateway writing a photo, a scanner still saving a PDF). A submission is new when the state
database has no decision for it, or the decision saw other files (the citizen sent the
missing document later). `reaktivasi watch --serve` runs this as a Prefect deployment on an
interval, so every poll shows in the Prefect UI.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, date, datetime
from pathlib import Path

from prefect import flow, get_run_logger
from sqlalchemy import Engine, delete, insert, select

from flows.intake import intake, state_url
from models.tables import decision, marker
from pipeline.cases.submissions import list_submissions
from pipeline.config import get_settings
from pipeline.state import engine_for
from pipeline.storage import open_location

LIST_MARKER = "deactivation_list_sha256"


@flow(name="watch-inbox")
def watch_inbox(
    inbox: str,
    out: str,
    deactivation: str,
    settle_seconds: float = 10.0,
    policy_file: Path | None = None,
    as_of: date | None = None,
) -> dict[str, int]:
    """One poll: decide the submissions that are complete and new or changed."""
    logger = get_run_logger()
    settings = get_settings()
    store, prefix = open_location(inbox, settings)
    before = {s.id: s.fingerprint for s in list_submissions(store, prefix)}
    time.sleep(settle_seconds)
    after = {s.id: s.fingerprint for s in list_submissions(store, prefix)}
    stable = {sub: fp for sub, fp in after.items() if before.get(sub) == fp}
    engine = engine_for(state_url(out, settings))
    with engine.connect() as connection:
        rows = connection.execute(select(decision.c.submission, decision.c.fingerprint))
        decided = {row.submission: row.fingerprint for row in rows}
    todo = sorted(sub for sub, fp in stable.items() if decided.get(sub) != fp)
    waiting = len(after) - len(stable)
    logger.info("%d submissions to decide, %d still uploading", len(todo), waiting)
    if not todo:
        return {}
    list_changed = _list_changed(engine, deactivation)
    counts = intake(
        inbox,
        out,
        as_of or date.today(),
        deactivation if list_changed else None,
        policy_file,
        only=todo,
    )
    if list_changed:
        _remember_list(engine, list_changed)
    return counts


def _list_changed(engine: Engine, deactivation: str) -> str | None:
    """The list's sha256 when it differs from the one imported last, else None."""
    if deactivation.startswith("s3://"):
        store, key = open_location(deactivation, get_settings())
        data = store.get(key.rstrip("/"))
    else:
        data = Path(deactivation).read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    with engine.connect() as connection:
        known = connection.execute(
            select(marker.c.value).where(marker.c.key == LIST_MARKER)
        ).scalar()
    return None if known == sha256 else sha256


def _remember_list(engine: Engine, sha256: str) -> None:
    values = {"key": LIST_MARKER, "value": sha256, "updated_at": datetime.now(UTC)}
    with engine.begin() as connection:
        connection.execute(delete(marker).where(marker.c.key == LIST_MARKER))
        connection.execute(insert(marker).values(values))
