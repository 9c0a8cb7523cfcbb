"""End to end on the committed sample set: real files, real Tesseract, truth JSON beside each.

The sample is generated (fixtures/generate.py, seed 20260212) and committed, so this test
reads exactly what `make demo` reads.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.reading.batch import expand_inputs, extract_many

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "sample"
TRUTHS = sorted(SAMPLE.glob("*.truth.json"))


@pytest.fixture(scope="module")
def sample_results() -> dict[str, tuple[dict, list]]:
    settings = Settings()
    inputs = [(SAMPLE / json.loads(t.read_text())["file"], t.name) for t in TRUTHS]
    results = extract_many([(p, str(p)) for p, _ in inputs], settings)
    return {
        name: (json.loads((SAMPLE / name).read_text()), extraction)
        for (_, name), extraction in zip(inputs, results, strict=True)
    }


def test_sample_set_is_present():
    assert len(TRUTHS) >= 10
    kinds = {json.loads(t.read_text())["doc_type"] for t in TRUTHS}
    assert kinds == {"faskes_letter", "sktm", "kk", "ktp"}


def test_every_sample_document_gets_its_type(sample_results):
    wrong = {
        name: extractions[0].doc_type.value
        for name, (truth, extractions) in sample_results.items()
        if extractions[0].doc_type.value != truth["doc_type"]
    }
    assert wrong == {}


@pytest.mark.parametrize("field", ["nik", "register_number", "diagnosis", "name", "kk_number"])
def test_key_fields_match_truth(sample_results, field):
    misses = []
    checked = 0
    for name, (truth, extractions) in sample_results.items():
        if field not in truth["fields"]:
            continue
        checked += 1
        got = extractions[0].value(field)
        if got != truth["fields"][field]:
            misses.append(f"{name}: expected {truth['fields'][field]!r}, got {got!r}")
    assert checked > 0
    assert misses == []


def test_fields_carry_boxes_and_confidence(sample_results):
    for _truth, extractions in sample_results.values():
        for field in extractions[0].fields.values():
            if field.value is not None:
                assert field.boxes, field.name
                assert 0.0 < field.confidence <= 1.0, field.name


def test_cli_jsonl_contract(tmp_path):
    """The console script prints one JSON object per document, nothing else on stdout."""
    files = [str(SAMPLE / json.loads(t.read_text())["file"]) for t in TRUTHS[:2]]
    bad = tmp_path / "kosong.jpg"
    bad.write_bytes(b"")
    proc = subprocess.run(
        [sys.executable, "-m", "flows.cli", "extract", *files, str(bad), "--jsonl"],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["source"] for line in lines] == [*files, str(bad)]
    for line in lines:
        assert set(line) >= {
            "source",
            "page",
            "doc_type",
            "fields",
            "confidence",
            "members",
            "warnings",
        }
    assert lines[-1]["doc_type"] == "unknown"
    assert lines[-1]["warnings"][0].startswith("empty_file")


def test_directory_walk_skips_truth_files():
    inputs = expand_inputs([str(SAMPLE)])
    assert inputs
    assert not any(p.suffix == ".json" for p, _ in inputs)
