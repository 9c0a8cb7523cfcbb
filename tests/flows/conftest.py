"""One generated demo inbox per session, shared by the flow tests with one OCR cache, so the
S3 test does not pay again for pages the local-folder test has read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SEED, COUNT = 2, 6  # six scenarios: complete urgent/regular, NIK-less letter, missing papers


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Path:
    from fixtures.submissions import generate_inbox

    root = tmp_path_factory.mktemp("demo")
    generate_inbox(SEED, root, COUNT)  # the region table is vendored: never a skip
    return root


@pytest.fixture(scope="session")
def ocr_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ocr-cache")


def cli_env(ocr_cache: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "REAKTIVASI_OCR_CACHE_DIR": str(ocr_cache),
        "OMP_THREAD_LIMIT": "1",
        **extra,
    }


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", "-v", *args],
        capture_output=True, text=True, timeout=900, check=False, env=env,
    )  # fmt: skip


def lines(text: str) -> dict[str, dict]:
    return {d["submission"]: d for d in map(json.loads, text.splitlines())}
