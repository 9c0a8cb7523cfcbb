"""Issue 14's acceptance, end to end: `reaktivasi process` over an inbox holding the whole
hostile corpus (loop and bomb PDFs, 200-page A3, 10,000 pages, links out of the inbox, a FIFO,
a sparse 4 GiB file, names with newlines, ESC and RTL overrides...) beside a good submission.
It exits 0, decides both submissions, names every bad file, copies nothing from outside the
inbox, logs no whole NIK or phone number, and its peak memory stays under 1.5 GB."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from models.tables import decision
from pipeline.state import engine_for
from tests.conftest import render_page
from tests.flows.conftest import cli_env
from tests.pipeline.reading.test_hostile_input import corpus, pages_pdf

pytestmark = pytest.mark.slow

PEAK_LIMIT_KB = 1_500_000
# Runs a command and prints the peak resident memory of its largest process (kB).
PEAK = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(code)"
)


def test_process_survives_the_corpus(tmp_path: Path, ocr_cache: Path):
    inbox = tmp_path / "inbox"
    good, bad = inbox / "wa-6281234567890", inbox / "wa-hostile"
    good.mkdir(parents=True)
    bad.mkdir()
    render_page(["SURAT KETERANGAN TIDAK MAMPU", "NIK : 6101014507890003"]).save(
        good / "sktm.jpg", quality=90
    )
    expected = corpus(bad)
    (bad / "200 halaman A3.pdf").write_bytes(pages_pdf(200, b"842 1191"))
    listing = tmp_path / "bnba.csv"
    listing.write_text("NIK,NAMA,TGL_NONAKTIF\n'6101014507890003,SITI,2026-01-01\n")
    out = tmp_path / "out"
    try:
        run = subprocess.run(
            [sys.executable, "-c", PEAK, sys.executable, "-m", "flows.cli", "-v", "process",
             str(inbox), "--deactivation", str(listing), "--as-of", "2026-03-01",
             "--out", str(out)],
            capture_output=True, text=True, timeout=900, check=False, env=cli_env(ocr_cache),
        )  # fmt: skip
    finally:
        (bad / "jarang 4 GiB.pdf").unlink()
    assert run.returncode == 0, run.stderr[-3000:]
    peak_kb = int(run.stderr.strip().splitlines()[-1])
    print(f"peak memory of the hostile run: {peak_kb / 1024:.0f} MB")
    assert peak_kb <= PEAK_LIMIT_KB

    lines = (out / "decisions.jsonl").read_text().splitlines()
    decisions = {d["submission"]: d for d in map(json.loads, lines)}
    assert set(decisions) == {"wa-6281234567890", "wa-hostile"}
    engine = engine_for(f"sqlite:///{(out / 'state.sqlite').resolve()}")
    with engine.connect() as connection:
        record = connection.execute(
            select(decision.c.record).where(decision.c.submission == "wa-hostile")
        ).scalar_one()
    named = {Path(source).name: code for source, code in record["unreadable_files"]}
    for name, code in expected.items():
        if code in ("too_many_pages", "animated_image"):  # read, with a warning
            continue
        assert named.get(name) == code, (name, named.get(name))

    outside = {hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in ("/etc/passwd",)}
    originals = {p.name for p in (out / "originals").iterdir()}
    assert not originals & outside
    assert all((out / "originals" / o).stat().st_size <= 200 * 1024 * 1024 for o in originals)

    log = run.stderr
    assert not re.search(r"(?<!\d)\d{16}(?!\d)", log)
    assert "6281234567890" not in log and "wa-6281******890" in log
    assert "\x1b" not in log and "\u202e" not in log
    assert "baris\\nERROR palsu" in log  # the file name with a newline, escaped
