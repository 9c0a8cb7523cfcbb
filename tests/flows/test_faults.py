"""Crashes and outages lose nothing and decide nothing twice (issue 8).

A real `reaktivasi process` run is SIGKILLed in the middle of deciding and in the middle of
routing (fault injection through `tests/faults/sitecustomize.py`, no hook in the code), then
rerun; and the S3 server is stopped in the middle of a batch and restarted. Each time: one
decision per submission equal to the generator's truth, every original kept, every document
read once, every reply written. (The kill in the middle of OCR is in test_intake.py.)"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from models.tables import decision, document
from pipeline.state import engine_for
from pipeline.storage import S3Storage
from tests.conftest import REPO
from tests.flows.conftest import cli, cli_env, lines

pytestmark = pytest.mark.slow


def args(demo: Path, inbox: str, out: str) -> list[str]:
    return [
        "process", inbox, "--deactivation", str(demo / "deactivation.csv"),
        "--as-of", (demo / "as_of.txt").read_text().strip(), "--out", out,
    ]  # fmt: skip


def counts(database: Path) -> tuple[int, int, int]:
    """(decision rows, distinct decided submissions, document rows)."""
    engine = engine_for(f"sqlite:///{database.resolve()}")
    with engine.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(decision)).scalar()
        distinct = connection.execute(select(func.count(decision.c.submission.distinct()))).scalar()
        documents = connection.execute(select(func.count()).select_from(document)).scalar()
    return rows, distinct, documents


def check_complete(demo: Path, out: Path, database: Path) -> None:
    truth = lines((demo / "truth.jsonl").read_text())
    assert lines((out / "decisions.jsonl").read_text()) == truth
    files = [p for p in (demo / "inbox").rglob("*") if p.is_file()]
    hashes = {hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    assert {p.name for p in (out / "originals").iterdir()} == hashes
    assert counts(database) == (len(truth), len(truth), len(hashes))
    corrections = sorted(s for s, d in truth.items() if d["status"] == "needs_correction")
    assert sorted(p.stem for p in (out / "outbox").iterdir()) == corrections


@pytest.mark.parametrize(
    "kill_at",
    ["pipeline.cases.decide.decide:3", "pipeline.cases.route.reply_record:2"],
    ids=["decide", "route"],
)
def test_kill_then_rerun(demo: Path, ocr_cache: Path, tmp_path: Path, kill_at: str):
    out = tmp_path / "out"
    command = args(demo, str(demo / "inbox"), str(out))
    faulty = cli_env(
        ocr_cache,
        PYTHONPATH=f"{REPO / 'tests' / 'faults'}:{REPO}",
        REAKTIVASI_FAULT_KILL_AT=kill_at,
    )
    killed = subprocess.run(
        [sys.executable, "-m", "flows.cli", *command],
        env=faulty, start_new_session=True, capture_output=True, timeout=900, check=False,
    )  # fmt: skip
    assert killed.returncode == -9, killed.stderr[-2000:]
    if kill_at.startswith("pipeline.cases.route"):  # routing had begun: part of the outputs exist
        assert len(list((out / "outbox").iterdir())) == 1

    rerun = cli(*command, env=cli_env(ocr_cache))
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "reading " not in rerun.stderr  # everything read before the kill was kept
    check_complete(demo, out, out / "state.sqlite")


def test_storage_outage_mid_batch(demo, ocr_cache, s3_server, tmp_path: Path):
    """The S3 server goes away while files are being read and comes back: task retries
    carry the batch through, and everything ends up written exactly once."""
    bucket = S3Storage(s3_server.endpoint, "S3RVER", "S3RVER", "outage")
    for path in sorted(p for p in (demo / "inbox").rglob("*") if p.is_file()):
        bucket.put(f"inbox/{path.relative_to(demo / 'inbox').as_posix()}", path.read_bytes())
    work = tmp_path / "work"
    env = cli_env(ocr_cache, **s3_server.env(), REAKTIVASI_WORK_DIR=str(work))
    command = args(demo, "s3://outage/inbox/", "s3://outage/")
    runner = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "-v", *command],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and runner.poll() is None:
        try:
            if counts(work / "state.sqlite")[2] >= 2:
                break
        except OperationalError:  # the run is still creating the database
            pass
        time.sleep(0.2)
    s3_server.stop()
    time.sleep(10)  # longer than the client's own retries (~6 s): the tasks must retry
    s3_server.start()
    _, stderr = runner.communicate(timeout=900)
    assert runner.returncode == 0, stderr[-3000:]
    assert "Retrying" in stderr or "retry" in stderr.lower(), "the outage must have been felt"

    mirror = tmp_path / "mirror"
    for key in bucket.keys(""):
        if not key.startswith("inbox/"):
            (mirror / key).parent.mkdir(parents=True, exist_ok=True)
            (mirror / key).write_bytes(bucket.get(key))
    check_complete(demo, mirror, work / "state.sqlite")
