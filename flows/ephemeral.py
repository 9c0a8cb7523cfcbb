"""Prefect's temporary server must not outlive the command that started it.

`process` and `watch` run their flows in Prefect's ephemeral mode: Prefect starts a uvicorn
server as a child process and stops it at exit. A `kill -9` of the command skips that stop,
and the server would run on with the state of the batch open. So the server is started here,
before the first flow needs it, with a watchdog beside it that stops it as soon as the
command is gone, however it ended.
"""

from __future__ import annotations

import os
import subprocess
import sys

# Runs in its own small process: it is re-parented when the command dies, even by SIGKILL.
_WATCHDOG = """
import os, signal, sys, time
parent, server = int(sys.argv[1]), int(sys.argv[2])
while os.getppid() == parent:
    time.sleep(0.5)
try:
    with open(f"/proc/{server}/cmdline", "rb") as handle:
        if b"uvicorn" in handle.read():
            os.kill(server, signal.SIGTERM)
except OSError:
    pass
"""


def start_ephemeral_server() -> int | None:
    """Start Prefect's temporary server with a watchdog; returns its pid, or None when a real
    server is configured (`PREFECT_API_URL`)."""
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return None
    server = SubprocessASGIServer()  # the instance Prefect's client uses
    server.start()
    assert server.server_process is not None
    pid = server.server_process.pid
    subprocess.Popen(
        [sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(pid)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a Ctrl-C to the command's group does not stop it first
    )
    return pid
