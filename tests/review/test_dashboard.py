"""The dashboard counts cases sent back and those a reviewer then found complete."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import create_engine, insert

from models.tables import metadata
from review.dashboard import load_dashboard
from review.tables import audit, cases


def test_sent_back_and_complete_after_all(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'state.sqlite'}")
    metadata.create_all(engine)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        for sub, status in (("a", "needs_correction"), ("b", "ready"), ("c", "needs_review")):
            connection.execute(
                insert(cases).values(
                    submission=sub, status=status, priority="regular", rank=1, received_at=now
                )
            )
        for sub, old, new in (
            ("b", "needs_correction (missing_sktm)", "ready"),  # complete after all
            ("b", "needs_correction (missing_sktm)", "ready"),  # the same case, twice
            ("c", "needs_review", "needs_review"),
            ("a", "needs_correction (nik_mismatch)", "needs_correction (nik_mismatch)"),
        ):
            connection.execute(
                insert(audit).values(
                    submission=sub, user="rina", at=now, action="approve", old=old, new=new
                )
            )
    board = load_dashboard(engine)
    assert (board.sent_back, board.complete_after_all) == (2, 1)
