"""The second engine (PP-OCR) with its real models on generated photos: words with boxes,
a WhatsApp-size KK's member NIKs, no network attempt, and never loaded for a clean scan."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from fixtures.capture import CONDITIONS, save_capture
from fixtures.generate import generate
from pipeline.config import Settings
from pipeline.reading import ppocr
from pipeline.reading.extract import extract_file

REPO = Path(__file__).resolve().parents[3]
SEED = 2718


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> Path:
    """One generated KK and one KTP, clean 300-dpi PNGs with their truth files."""
    out = tmp_path_factory.mktemp("ppocr-docs")
    generate(SEED, out, {"kk": 1, "ktp": 1}, {"png": 1})
    return out


def _truth(documents: Path, doc_type: str) -> dict:
    path = next(p for p in sorted(documents.glob("*.truth.json")) if p.name.startswith(doc_type))
    return json.loads(path.read_text())


def _capture(documents: Path, doc_type: str, condition: str, out: Path) -> tuple[Path, dict]:
    truth = _truth(documents, doc_type)
    rng = random.Random(f"{truth['file']}:{condition}")
    image, fmt, _ = CONDITIONS[condition](Image.open(documents / truth["file"]), rng)
    return save_capture(image, fmt, out / Path(truth["file"]).stem), truth


def test_engine_returns_words_with_boxes_on_a_photo(documents, tmp_path):
    path, truth = _capture(documents, "ktp", "phone_photo", tmp_path)
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    words = ppocr.read_image(image, page=1)
    assert len(words) >= 15
    height, width = image.shape
    for word in words:
        assert word.text.strip()
        assert 0.0 <= word.confidence <= 1.0
        assert word.box.left >= 0 and word.box.right <= width + 1
        assert word.box.top >= 0 and word.box.bottom <= height + 1
    nik = truth["fields"]["nik"]
    [found] = [w for w in words if nik in w.text]
    # The NIK's own box: on the card's NIK row, narrower than the photo, taller than a speck.
    assert 10 < found.box.height < 0.2 * height
    assert found.box.width < 0.8 * width
    assert found.confidence > 0.8


def test_whatsapp_kk_gets_its_member_niks(documents, tmp_path):
    path, truth = _capture(documents, "kk", "whatsapp", tmp_path)
    [extraction] = extract_file(path, path.name, Settings(ocr_cache_dir=None))
    assert extraction.doc_type.value == "kk"
    expected = {m["nik"] for m in truth["members"]}
    assert {m.nik for m in extraction.members} >= expected
    assert extraction.fields["kk_number"].value == truth["fields"]["kk_number"]


BLOCK_SOCKETS = """
import os, socket, sys

def _refuse(*args, **kwargs):
    with open(os.environ["NETWORK_LOG"], "a") as log:
        log.write(repr(args[:2]) + "\\n")
    raise OSError("network blocked by the test")

socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.socket.sendto = _refuse
socket.getaddrinfo = _refuse
socket.create_connection = _refuse
"""

ENGINE_RUN = """
import sys
import numpy as np, cv2
from pipeline.reading import ppocr
image = np.full((200, 900), 255, np.uint8)
cv2.putText(image, "NIK 3529132705411118", (20, 120), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 0, 3)
words = ppocr.read_image(image)
print(" ".join(w.text for w in words))
"""


def test_the_engine_makes_no_network_attempt(tmp_path):
    """Python's sockets refuse and log any use; HOME is empty, so ONNX Runtime's telemetry
    would show as files under ~/.cache/Microsoft; under strace (when installed) no socket of
    an internet family is even opened, native code included."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCK_SOCKETS)
    home = tmp_path / "home"
    home.mkdir()
    log = tmp_path / "network.log"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"ORT_DISABLE_TELEMETRY", "PYTHONPATH"}
    }
    env.update(HOME=str(home), NETWORK_LOG=str(log), PYTHONPATH=f"{site}{os.pathsep}{REPO}")
    command = [sys.executable, "-c", textwrap.dedent(ENGINE_RUN)]
    trace = tmp_path / "strace.txt"
    if shutil.which("strace"):
        command = ["strace", "-f", "-qq", "-e", "trace=socket,connect", "-o", str(trace), *command]
    run = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "3529132705411118" in run.stdout.replace(" ", "")
    assert not log.exists(), log.read_text()
    assert not (home / ".cache" / "Microsoft").exists()
    assert not (tmp_path / "cache").exists()  # no model cache in the working directory
    if trace.exists():
        opened = [
            line
            for line in trace.read_text().splitlines()
            if "AF_INET" in line or "AF_INET6" in line
        ]
        assert not opened, opened


EXTRACT_SCAN = """
import sys
from pathlib import Path
from pipeline.config import Settings
from pipeline.reading.extract import extract_file
path = Path(sys.argv[1])
[extraction] = extract_file(path, path.name, Settings(ocr_cache_dir=None))
loaded = [m for m in ("onnxruntime", "pipeline.reading.ppocr") if m in sys.modules]
print(extraction.doc_type.value, extraction.fields["nik"].value, ",".join(loaded) or "-")
"""


def test_extract_on_a_clean_scan_never_imports_the_engine(documents):
    truth = _truth(documents, "ktp")
    run = subprocess.run(
        [sys.executable, "-c", EXTRACT_SCAN, str(documents / truth["file"])],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    doc_type, nik, loaded = run.stdout.split()
    assert (doc_type, nik) == ("ktp", truth["fields"]["nik"])
    assert loaded == "-"


def test_a_blank_page_reads_nothing():
    assert ppocr.read_image(np.full((300, 400), 255, np.uint8)) == []
