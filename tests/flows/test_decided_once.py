"""A submission whose files have not changed is recorded and published once, whichever
command runs again: `record` keeps an equal decision's row (and its `published` mark), and
`dispatch` hands the workers only submissions with no decision on exactly those files."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from models import Decision, Reason, ReasonCode, Status, Submission
from models.tables import decision as decision_table
from pipeline.cases.route import publish, record
from pipeline.state import engine_for
from pipeline.storage import LocalStorage


def needs_sktm(submission: str = "wa-1") -> Decision:
    missing = Reason(code=ReasonCode.missing_sktm, message="SKTM belum dilampirkan.")
    return Decision(submission=submission, status=Status.needs_correction, reasons=[missing])


def test_the_same_decision_on_the_same_files_is_not_published_again(tmp_path: Path):
    engine = engine_for(f"sqlite:///{tmp_path / 'state.sqlite'}")
    store = LocalStorage(tmp_path / "out")
    subs = {"wa-1": Submission(id="wa-1")}
    record([needs_sktm()], subs, engine, {"wa-1": "files-v1"})
    publish(engine, store)
    reply = tmp_path / "out" / "outbox" / "wa-1.json"
    reply.write_text("sent by the gateway")  # a rewrite would bring the reply back

    record([needs_sktm()], subs, engine, {"wa-1": "files-v1"})  # a second run, same files
    with engine.connect() as connection:
        assert connection.execute(select(decision_table.c.published)).scalar_one()
    publish(engine, store)
    assert reply.read_text() == "sent by the gateway"

    record([needs_sktm()], subs, engine, {"wa-1": "files-v2"})  # the applicant sent more
    with engine.connect() as connection:
        assert not connection.execute(select(decision_table.c.published)).scalar_one()
    publish(engine, store)
    assert reply.read_text() != "sent by the gateway"


def test_a_different_decision_on_the_same_files_is_published(tmp_path: Path):
    engine = engine_for(f"sqlite:///{tmp_path / 'state.sqlite'}")
    subs = {"wa-1": Submission(id="wa-1")}
    record([needs_sktm()], subs, engine, {"wa-1": "files-v1"})
    publish(engine, LocalStorage(tmp_path / "out"))
    ready = Decision(submission="wa-1", status=Status.ready, nik="6101014507890003")
    record([ready], subs, engine, {"wa-1": "files-v1"})  # e.g. a new deactivation list
    with engine.connect() as connection:
        row = connection.execute(select(decision_table.c.status, decision_table.c.published)).one()
    assert row == ("ready", False)
