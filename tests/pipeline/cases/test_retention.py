from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, update

from models.tables import decision
from pipeline.cases.retention import apply_retention
from pipeline.state import engine_for
from pipeline.storage import LocalStorage


def _case(engine, submission: str, status: str, age_days: int, documents: list[str]) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(decision).values(
                submission=submission, status=status, priority="regular", record={},
                documents=documents, decided_at=datetime.now(UTC) - timedelta(days=age_days),
            )
        )  # fmt: skip


def test_old_closed_cases_lose_their_files_not_their_record(tmp_path: Path):
    engine = engine_for(f"sqlite:///{tmp_path / 'state.sqlite'}")
    store = LocalStorage(tmp_path / "out")
    for sha in ("old", "shared", "open", "recent"):
        store.put(f"originals/{sha}", b"photo")
        store.put(f"pages/{sha}/1.png", b"png")
    _case(engine, "wa-old", "ready", 400, ["old", "shared"])
    _case(engine, "wa-refused", "not_eligible", 400, [])
    _case(engine, "wa-open", "needs_correction", 400, ["open", "shared"])  # still waiting
    _case(engine, "wa-recent", "ready", 10, ["recent"])

    counted = apply_retention(engine, store, days=365, dry_run=True)
    assert (counted.cases, counted.originals, counted.page_images) == (2, 1, 1)
    assert store.exists("originals/old")  # a dry run deletes nothing

    report = apply_retention(engine, store, days=365)
    assert (report.originals, report.page_images, report.kept_shared) == (1, 1, 1)
    assert store.keys("originals") == ["originals/open", "originals/recent", "originals/shared"]
    assert not store.keys("pages/old")
    with engine.connect() as connection:
        assert len(connection.execute(select(decision.c.submission)).all()) == 4

    with engine.begin() as connection:  # the open case closes and ages too
        connection.execute(
            update(decision).where(decision.c.submission == "wa-open").values(status="ready")
        )
    assert apply_retention(engine, store, days=365).originals == 2  # open + shared
