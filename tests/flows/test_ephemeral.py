"""Prefect's temporary server goes when the command that started it is killed (issue 14, 7)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = """
import sys, time
from flows.ephemeral import start_ephemeral_server
print(start_ephemeral_server(), flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_the_temporary_server_goes_with_a_killed_command(tmp_path):
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_API_URL": ""}
    command = subprocess.Popen(
        [sys.executable, "-c", SCRIPT], env=env, stdout=subprocess.PIPE, text=True
    )
    server = int(command.stdout.readline())
    assert _alive(server)
    command.send_signal(signal.SIGKILL)
    command.wait()
    for _ in range(120):  # the watchdog looks twice a second
        if not _alive(server):
            break
        time.sleep(0.5)
    else:
        os.kill(server, signal.SIGKILL)
        pytest.fail("the temporary Prefect server outlived the killed command")
