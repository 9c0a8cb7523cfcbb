"""Fixtures of the review tests: a seeded state database (real OCR, once per session), users
added through the real CLI, and the real server started with `reaktivasi review serve`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.review.seed import AS_OF, Seeded, seed

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "flows.cli"]
PASSWORDS = {"rina": "reviewer-sandi-1", "adi": "admin-sandi-12"}
ROLES = {"rina": "reviewer", "adi": "admin"}
ARTIFACTS = REPO / "out" / "test-artifacts" / "review"


@dataclass
class Server:
    url: str
    seeded: Seeded
    process: subprocess.Popen


def _env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["REAKTIVASI_OCR_CACHE_DIR"] = str(root / "ocr-cache")
    env["OMP_THREAD_LIMIT"] = "1"
    env.pop("REAKTIVASI_STATE_URL", None)
    return env


@pytest.fixture(scope="session")
def seeded_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated submissions read once by real OCR; tests copy the result."""
    root = tmp_path_factory.mktemp("review-seed")
    seed(root)
    return root


def copy_seed(seeded_root: Path, target: Path) -> Seeded:
    """A private copy of the seeded state (tests change decisions)."""
    shutil.copytree(seeded_root, target)
    import json

    data = json.loads((seeded_root / "seeded.json").read_text())
    out = target / "out"
    return Seeded(
        out=out,
        state_url=f"sqlite:///{(out / 'state.sqlite').resolve()}",
        urgent=data["urgent"],
        true_nik=data["true_nik"],
        misread_nik=data["misread_nik"],
        near=data["near"],
    )


def add_users(root: Path, out: Path) -> None:
    for name, password in PASSWORDS.items():
        subprocess.run(
            [
                *CLI,
                "users",
                "add",
                name,
                "--role",
                ROLES[name],
                "--out",
                str(out),
                "--password-stdin",
            ],
            input=password + "\n",
            text=True,
            check=True,
            cwd=REPO,
            env=_env(root),
            capture_output=True,
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(seeded_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`reaktivasi review serve` on a copy of the seeded state, as an operator starts it."""
    root = tmp_path_factory.mktemp("review-server") / "state"
    seeded = copy_seed(seeded_root, root)
    add_users(root, seeded.out)
    port = _free_port()
    log = (root.parent / "server.log").open("w")
    process = subprocess.Popen(
        [*CLI, "review", "serve", "--out", str(seeded.out), "--port", str(port), "--as-of", AS_OF],
        cwd=REPO,
        env=_env(root),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{url}/masuk", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(
                f"the review server did not start: {(root.parent / 'server.log').read_text()}"
            )
        time.sleep(0.3)
    try:
        yield Server(url=url, seeded=seeded, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
