"""Shared test helpers: a real page rendered with a real font, read by real Tesseract."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "fixtures" / "sample"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def render_page(lines: list[str], size: tuple[int, int] = (2480, 1200)) -> Image.Image:
    """A white 300-dpi page with `lines` of 11-pt text, for tests that need real OCR."""
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 46)
    for i, text in enumerate(lines):
        draw.text((200, 150 + i * 90), text, fill=0, font=font)
    return image


@pytest.fixture
def letter_image() -> Image.Image:
    return render_page(
        [
            "RSUD SAMBAS",
            "SURAT KETERANGAN SAKIT",
            "Nama Pasien : SITI AMINAH",
            "NIK : 6101014507890003",
            "No. RM : RM-00123456",
            "Diagnosa : CKD stage V on HD rutin",
            "Sambas, 12 Februari 2026",
        ]
    )


S3RVER = REPO / ".venv" / "s3rver" / "node_modules" / ".bin" / "s3rver"


class S3rver:
    """A real S3 server process (npm `s3rver`, disk-backed, checks the access key) on
    127.0.0.1; `stop()` and `start()` again on the same port and data make an outage."""

    access_key = secret_key = "S3RVER"  # s3rver's built-in credentials

    def __init__(self, directory: Path) -> None:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.directory = directory
        self.process = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            "REAKTIVASI_S3_ENDPOINT": self.endpoint,
            "REAKTIVASI_S3_ACCESS_KEY": self.access_key,
            "REAKTIVASI_S3_SECRET_KEY": self.secret_key,
        }

    def start(self) -> None:
        import socket
        import subprocess
        import time

        self.process = subprocess.Popen(
            [str(S3RVER), "-d", str(self.directory), "-a", "127.0.0.1", "-p", str(self.port),
             "--silent"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("s3rver did not start listening within 20 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def s3_server(tmp_path: Path):
    if not S3RVER.exists():
        pytest.fail(f"{S3RVER} is missing: run `make setup` (installs s3rver from npm)")
    server = S3rver(tmp_path / "s3rver")
    server.directory.mkdir()
    server.start()
    yield server
    server.stop()
