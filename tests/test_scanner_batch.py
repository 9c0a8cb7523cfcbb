"""A scanner PDF holding several documents, one page upside down: one line per document."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from PIL import Image

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "sample"


def test_multi_document_pdf_is_split_by_page_classification(tmp_path: Path):
    names = ["faskes_rsud_0005.png", "sktm_opensid_rtf_0001.png", "kk_standard_0001.png"]
    truths = [json.loads((SAMPLE / n.replace(".png", ".truth.json")).read_text()) for n in names]
    pages = [Image.open(SAMPLE / n).convert("L") for n in names]
    pages[1] = pages[1].rotate(180)  # fed upside down
    path = tmp_path / "batch scan 01.pdf"
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=300)
    proc = subprocess.run(
        [sys.executable, "-m", "flows.cli", "extract", str(path), "--jsonl"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(d["page"], d["doc_type"]) for d in lines] == [
        (1, "faskes_letter"),
        (2, "sktm"),
        (3, "kk"),
    ]
    assert lines[0]["fields"]["nik"] == truths[0]["fields"]["nik"]
    assert lines[1]["fields"]["nik"] == truths[1]["fields"]["nik"]
    assert lines[2]["fields"]["kk_number"] == truths[2]["fields"]["kk_number"]
