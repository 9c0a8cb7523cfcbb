"""`reaktivasi process` end to end: a generated inbox, a real Prefect flow run (ephemeral),
real Tesseract; decisions must equal the generator's truth, and a rerun reads nothing twice."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models.tables import document
from pipeline.state import engine_for

pytestmark = pytest.mark.slow

SEED, COUNT = 2, 6  # six scenarios: complete urgent/regular, NIK-less letter, missing papers


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    from fixtures.submissions import generate_inbox

    root = tmp_path_factory.mktemp("demo")
    try:
        generate_inbox(SEED, root, COUNT)
    except FileNotFoundError as exc:  # the region CSV lives in ../shared
        pytest.skip(str(exc))
    return root


def process(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", "process", str(root / "inbox"),
         "--deactivation", str(root / "deactivation.csv"),
         "--as-of", (root / "as_of.txt").read_text().strip(), "--out", str(root / "out")],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip


def lines(path: Path) -> dict[str, dict]:
    return {d["submission"]: d for d in map(json.loads, path.read_text().splitlines())}


def test_decisions_match_truth_and_rerun_reads_nothing_twice(demo: Path):
    first = process(demo)
    assert first.returncode == 0, first.stderr[-3000:]
    out = demo / "out"
    assert lines(out / "decisions.jsonl") == lines(demo / "truth.jsonl")
    # Every original kept under its hash; corrections have a reply in the outbox.
    files = [p for p in (demo / "inbox").rglob("*") if p.is_file()]
    originals = list((out / "originals").iterdir())
    assert 0 < len(originals) <= len(files)
    corrections = [d for d in lines(out / "decisions.jsonl").values()
                   if d["status"] == "needs_correction"]
    assert sorted(p.stem for p in (out / "outbox").iterdir()) == sorted(
        d["submission"] for d in corrections)
    reply = json.loads((out / "outbox" / f"{corrections[0]['submission']}.json").read_text())
    assert reply["reply"].startswith("Yth. Bapak/Ibu")
    assert (out / "exports" / "worklist.csv").read_text(encoding="utf-8-sig").startswith(
        "PRIORITAS,")

    engine = engine_for(f"sqlite:///{(out / 'state.sqlite').resolve()}")
    with engine.connect() as connection:
        read_before = connection.execute(select(func.count()).select_from(document)).scalar()

    second = process(demo)
    assert second.returncode == 0, second.stderr[-3000:]
    assert lines(out / "decisions.jsonl") == lines(demo / "truth.jsonl")
    with engine.connect() as connection:
        read_after = connection.execute(select(func.count()).select_from(document)).scalar()
    assert read_after == read_before
    assert len(list((out / "originals").iterdir())) == len(originals)
