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


class Postgres:
    """A throwaway PostgreSQL cluster (Debian's `postgresql` package, which `make setup`
    installs): `initdb` in a temporary folder, `pg_ctl` on 127.0.0.1 and a Unix socket in that
    folder, password logins over TCP. Root cannot run postgres, so as root the cluster belongs
    to the `postgres` user (`runuser`); `stop()` ends it and removes the folder."""

    password = "reaktivasi-test"

    def __init__(self) -> None:
        import getpass
        import glob
        import socket
        import tempfile

        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            pytest.fail("PostgreSQL is missing: run `make setup` (installs Debian's postgresql)")
        self.bin = Path(found[-1]).parent
        self.owner = "postgres" if os.geteuid() == 0 else getpass.getuser()
        self.folder = Path(tempfile.mkdtemp(prefix="reaktivasi-pg-"))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    def _run(self, *args: str, stdin: str | None = None) -> str:
        import subprocess

        command = [*args] if os.geteuid() else ["runuser", "-u", self.owner, "--", *args]
        done = subprocess.run(
            command, input=stdin, capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode:
            raise RuntimeError(f"{args[0]} failed: {done.stderr or done.stdout}")
        return done.stdout

    def start(self) -> None:
        import shutil

        if os.geteuid() == 0:
            shutil.chown(self.folder, self.owner, self.owner)
        self.folder.chmod(0o700)
        secret = self.folder / "pwfile"
        secret.write_text(self.password + "\n")
        if os.geteuid() == 0:
            shutil.chown(secret, self.owner, self.owner)
        self._run(
            str(self.bin / "initdb"), "-D", str(self.folder / "data"), "-U", "postgres",
            f"--pwfile={secret}", "--auth-local=trust", "--auth-host=scram-sha-256",
            "--encoding=UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-w", "-t", "60",
            "-l", str(self.folder / "server.log"),
            "-o", f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off",
            "start",
        )  # fmt: skip

    def sql(self, statement: str) -> str:
        return self._run(
            str(self.bin / "psql"), "-h", str(self.folder), "-p", str(self.port), "-U",
            "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-tAc", statement,
        )  # fmt: skip

    def database(self, name: str) -> dict[str, str]:
        """A new database and its owner role `name` (password `password`): the two URLs the
        README's settings take, for psycopg (state) and asyncpg (Prefect)."""
        self.sql(f"CREATE ROLE {name} LOGIN PASSWORD '{self.password}'")
        self.sql(f"CREATE DATABASE {name} OWNER {name}")
        where = f"{name}:{self.password}@127.0.0.1:{self.port}/{name}"
        return {
            "psycopg": f"postgresql+psycopg://{where}",
            "asyncpg": f"postgresql+asyncpg://{where}",
        }

    def tables(self, name: str) -> int:
        """How many tables the database `name` holds (public schema)."""
        return int(
            self._run(
                str(self.bin / "psql"), "-h", str(self.folder), "-p", str(self.port), "-U",
                "postgres", "-d", name, "-tAc",
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
            ).strip()
        )  # fmt: skip

    def stop(self) -> None:
        import shutil

        try:
            if (self.folder / "data" / "postmaster.pid").exists():
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m",
                          "immediate", "-w", "stop")  # fmt: skip
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def postgres():
    """A PostgreSQL cluster of the test's own, removed after it."""
    server = Postgres()
    try:
        server.start()
        yield server
    finally:
        server.stop()
