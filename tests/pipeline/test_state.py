"""The state database holds every NIK, diagnosis and password hash: only its owner reads it."""

import os
import stat
import subprocess
import sys
from pathlib import Path

from pipeline.state import engine_for

REPO = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_state_is_private_whatever_the_umask(tmp_path: Path):
    old = os.umask(0o022)
    try:
        engine = engine_for(f"sqlite:///{tmp_path / 'state.sqlite'}")
        with engine.connect():
            pass
    finally:
        os.umask(old)
    for name in ("state.sqlite", "state.sqlite-wal", "state.sqlite-shm"):
        if (tmp_path / name).exists():
            assert mode(tmp_path / name) == 0o600, name


def test_the_command_creates_nothing_others_can_read(tmp_path: Path):
    """Everything `reaktivasi` creates (also Prefect's database, in its children) is 0600."""
    listing = tmp_path / "bnba.csv"
    listing.write_text("NIK,NAMA\n'6101014507890003,SITI\n")
    out = tmp_path / "out"
    subprocess.run(
        [sys.executable, "-c", "import os, sys; os.umask(0o022); from flows.cli import app; "
         "sys.argv = ['reaktivasi', *sys.argv[1:]]; app()",
         "list", "import", str(listing), "--state", f"sqlite:///{out / 'state.sqlite'}"],
        cwd=REPO, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert (out / "state.sqlite").exists()
    assert mode(out / "state.sqlite") == 0o600
    assert mode(out) == 0o700
