"""`reaktivasi process` end to end: a generated inbox, a real Prefect flow run (ephemeral),
real Tesseract. The first run is killed (SIGKILL) in the middle of OCR; the rerun must decide
every submission once, keep every original, read no document a second time, match the
generator's truth and log no whole NIK; a third run reads nothing at all."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from models.tables import document
from pipeline.state import engine_for
from tests.flows.conftest import cli, cli_env, lines

pytestmark = pytest.mark.slow


def process_args(root: Path) -> list[str]:
    return [
        "process", str(root / "inbox"), "--deactivation", str(root / "deactivation.csv"),
        "--as-of", (root / "as_of.txt").read_text().strip(), "--out", str(root / "out"),
    ]  # fmt: skip


def stored_documents(out: Path) -> set[str]:
    database = out / "state.sqlite"
    if not database.exists():
        return set()
    engine = engine_for(f"sqlite:///{database.resolve()}")
    with engine.connect() as connection:
        return set(connection.execute(select(document.c.sha256)).scalars())


def kill_during_ocr(root: Path, env: dict[str, str], after_documents: int) -> set[str]:
    """Start `process`, SIGKILL its whole process group once some documents are stored."""
    log = root / "killed-run.log"
    runner = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", *process_args(root)],
        env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=log.open("w"),
    )  # fmt: skip
    deadline = time.monotonic() + 600
    try:
        while time.monotonic() < deadline and runner.poll() is None:
            try:
                if len(stored_documents(root / "out")) >= after_documents:
                    break
            except OperationalError:  # the other process is creating the database
                pass
            time.sleep(0.3)
    finally:
        with contextlib.suppress(ProcessLookupError):  # it may have ended on its own
            os.killpg(runner.pid, signal.SIGKILL)
        runner.wait()
    assert runner.returncode == -signal.SIGKILL, log.read_text()[-3000:]
    return stored_documents(root / "out")


def test_killed_run_then_rerun_decides_each_once_and_reads_nothing_twice(demo, ocr_cache):
    env = cli_env(ocr_cache)
    out = demo / "out"
    files = [p for p in (demo / "inbox").rglob("*") if p.is_file()]
    hashes = {hashlib.sha256(p.read_bytes()).hexdigest() for p in files}

    read_before_kill = kill_during_ocr(demo, env, after_documents=3)
    assert 3 <= len(read_before_kill) < len(hashes), "the kill must land in the middle of OCR"
    assert not (out / "decisions.jsonl").exists()

    second = cli(*process_args(demo), env=env)
    assert second.returncode == 0, second.stderr[-3000:]
    decisions = (out / "decisions.jsonl").read_text().splitlines()
    assert len(decisions) == len({json.loads(d)["submission"] for d in decisions})
    assert lines("\n".join(decisions)) == lines((demo / "truth.jsonl").read_text())
    # The full run's logs (verbose: ours, Prefect's, the libraries') hold no whole NIK or KK.
    assert not re.search(r"(?<!\d)\d{16}(?!\d)", second.stderr)
    assert "********" in second.stderr  # NIKs were logged, masked
    read_again = set(re.findall(r"reading .* \(([0-9a-f]{12})…\)", second.stderr))
    assert read_again, "the rerun logs what it reads"
    assert not read_again & {h[:12] for h in read_before_kill}
    assert {p.name for p in (out / "originals").iterdir()} == hashes

    corrections = [
        d for d in lines("\n".join(decisions)).values() if d["status"] == "needs_correction"
    ]
    assert sorted(p.stem for p in (out / "outbox").iterdir()) == sorted(
        d["submission"] for d in corrections
    )
    reply = json.loads((out / "outbox" / f"{corrections[0]['submission']}.json").read_text())
    assert reply["reply"].startswith("Yth. Bapak/Ibu")
    assert (out / "exports" / "worklist.csv").read_text(encoding="utf-8-sig").startswith(
        "PRIORITAS,")  # fmt: skip

    engine = engine_for(f"sqlite:///{(out / 'state.sqlite').resolve()}")
    with engine.connect() as connection:
        read_before = connection.execute(select(func.count()).select_from(document)).scalar()
    third = cli(*process_args(demo), env=env)
    assert third.returncode == 0, third.stderr[-3000:]
    assert "reading " not in third.stderr
    assert lines((out / "decisions.jsonl").read_text()) == lines(
        (demo / "truth.jsonl").read_text())  # fmt: skip
    with engine.connect() as connection:
        read_after = connection.execute(select(func.count()).select_from(document)).scalar()
    assert read_after == read_before == len(hashes)
