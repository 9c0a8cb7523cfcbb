"""`reaktivasi watch` goes on after a failed poll and says so (issue 14, finding 1)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.flows.conftest import cli_env

pytestmark = pytest.mark.slow


def test_watch_survives_failed_polls(tmp_path: Path, ocr_cache: Path):
    listing = tmp_path / "bnba.csv"
    listing.write_text("NIK,NAMA\n'6101014507890003,SITI\n")
    env = cli_env(ocr_cache)
    env.pop("REAKTIVASI_S3_ENDPOINT", None)  # every poll of the bucket fails
    args = ["watch", "s3://dinsos/inbox/", "--deactivation", str(listing),
            "--out", str(tmp_path / "out"), "--interval", "0.2"]  # fmt: skip
    once = subprocess.run(
        [sys.executable, "-m", "flows.cli", *args, "--once"],
        capture_output=True, text=True, timeout=300, env=env, check=False,
    )  # fmt: skip
    assert once.returncode == 1 and "poll failed" in once.stderr, once.stderr[-2000:]
    assert "stopping (--once)" in once.stderr
    watcher = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", *args],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env,
    )  # fmt: skip
    failed = []
    try:
        deadline = time.monotonic() + 300
        while len(failed) < 2 and time.monotonic() < deadline:
            line = watcher.stderr.readline()
            if not line:
                break
            if "poll failed" in line:
                failed.append(line)
        assert watcher.poll() is None, "the watcher stopped"
    finally:
        watcher.terminate()
        watcher.wait(timeout=30)
    assert len(failed) == 2 and "polling again" in failed[0]
