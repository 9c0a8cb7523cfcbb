"""Accuracy and speed of `extract` on a freshly generated set. Prints figures; asserts nothing.

    python tests/benchmarks/bench_extract.py --seed 4242 --count-per-type 40

Per doc type: doc-type accuracy and exact-match rate of every truth field (a null truth
counts as right only when we also say null); per field, the confidence calibration curve
(`bench_calibration.py` does the same for phone photos and WhatsApp images). Speed: pages
per minute with one Tesseract per core, and the ratio of our wall time to bare `tesseract`
CLI processes (same parallelism, same images) — how much the pipeline costs beyond the engine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench_calibration import print_curve, rows_of  # this folder, on sys.path as a script

from fixtures.document import DOC_TYPES
from fixtures.generate import generate
from models import Extraction
from pipeline.config import Settings
from pipeline.reading.batch import extract_many

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp"}


def load_truths(truth_paths: list[Path]) -> list[tuple[Path, dict]]:
    items = []
    for truth_path in truth_paths:
        truth = json.loads(truth_path.read_text())
        items.append((truth_path.parent / truth["file"], truth))
    return items


def run_ours(items: list[tuple[Path, dict]], settings: Settings) -> tuple[float, list]:
    inputs = [(path, str(path)) for path, _ in items]
    start = time.perf_counter()
    results = list(extract_many(inputs, settings))
    return time.perf_counter() - start, results


def run_bare(paths: list[Path], settings: Settings) -> float:
    """Bare Tesseract CLI, one single-threaded process per core, TSV output like ours."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    cmd = ["tesseract", "-l", settings.ocr_languages, "--psm", str(settings.ocr_psm), "--oem", "1"]

    def one(path: Path) -> None:
        subprocess.run(
            [*cmd[:1], str(path), "stdout", *cmd[1:], "tsv"],
            env=env,
            check=True,
            capture_output=True,
        )

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=settings.concurrency) as pool:
        list(pool.map(one, paths))
    return time.perf_counter() - start


def score(items: list[tuple[Path, dict]], results: list[list[Extraction]]) -> dict:
    """Per doc type: counts of right doc types and right fields."""
    table: dict[str, dict] = defaultdict(
        lambda: {"n": 0, "type_ok": 0, "fields": defaultdict(lambda: [0, 0, 0])}
    )
    misses: list[str] = []
    for (path, truth), extractions in zip(items, results, strict=True):
        row = table[truth["doc_type"]]
        row["n"] += 1
        got = extractions[0]
        row["type_ok"] += got.doc_type.value == truth["doc_type"]
        for name, expected in truth["fields"].items():
            actual = got.value(name) if got.doc_type.value == truth["doc_type"] else None
            cell = row["fields"][name]
            cell[0] += actual == expected
            cell[1] += 1
            cell[2] += expected is not None
            if actual != expected and len(misses) < 400:
                misses.append(f"{path.name}\t{name}\texpected={expected!r}\tgot={actual!r}")
        if truth.get("members"):
            score_members(row, truth["members"], got.members, path.name, misses)
    return {"table": table, "misses": misses}


def score_members(row: dict, expected: list[dict], got: list, name: str, misses: list) -> None:
    """Member NIK recall, and per matched member (by NIK) exactness of the other columns."""
    by_nik = {m.nik: m for m in got if m.nik}
    for member in expected:
        found = by_nik.get(member["nik"])
        cell = row["fields"]["members.nik (recall)"]
        cell[0] += found is not None
        cell[1] += 1
        cell[2] += 1
        for column in ("name", "gender", "birth_date", "relationship"):
            cell = row["fields"][f"members.{column}"]
            actual = getattr(found, column) if found else None
            cell[0] += actual == member[column]
            cell[1] += 1
            cell[2] += 1
            if actual != member[column] and len(misses) < 400:
                misses.append(
                    f"{name}\tmembers.{column}\texpected={member[column]!r}\tgot={actual!r}"
                )


def print_scores(scored: dict) -> None:
    print("\n== accuracy (exact match against truth) ==")
    for doc_type, row in sorted(scored["table"].items()):
        n = row["n"]
        print(f"\n{doc_type}: {n} documents, doc type correct {row['type_ok'] / n:.1%}")
        for name, (ok, total, present) in sorted(row["fields"].items()):
            print(f"  {name:<18} {ok / total:7.1%}  ({ok}/{total}; {present} printed)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--count-per-type", type=int, default=40)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--languages", default=None, help="Tesseract -l (default: settings)")
    parser.add_argument("--misses", type=Path, default=None, help="write field misses here")
    parser.add_argument("--types", nargs="*", default=None, help="read only these doc types")
    args = parser.parse_args()

    settings = Settings()
    if args.languages:
        settings = settings.model_copy(update={"ocr_languages": args.languages})
    out = args.out / f"set-{args.seed}-{args.count_per_type}"
    start = time.perf_counter()
    truth_paths = sorted(out.glob("*.truth.json")) if out.exists() else []
    if not truth_paths:
        truth_paths = generate(args.seed, out, dict.fromkeys(DOC_TYPES, args.count_per_type))
    items = load_truths(truth_paths)
    if args.types:
        items = [(p, t) for p, t in items if t["doc_type"] in args.types]
    print(
        f"set: {out} ({len(items)} documents, generated/loaded in "
        f"{time.perf_counter() - start:.0f} s); languages={settings.ocr_languages} "
        f"psm={settings.ocr_psm} workers={settings.concurrency}"
    )

    images = [(p, t) for p, t in items if p.suffix.lower() in IMAGE_SUFFIXES]
    pdfs = [(p, t) for p, t in items if p.suffix.lower() == ".pdf"]
    ours_images, results_images = run_ours(images, settings)
    ours_pdfs, results_pdfs = run_ours(pdfs, settings)
    bare = run_bare([p for p, _ in images], settings)

    ordered = images + pdfs
    results = results_images + results_pdfs
    scored = score(ordered, results)
    print_scores(scored)
    print_curve(rows_of(ordered, results, "clean"), f"seed {args.seed}, files as generated")
    pages = sum(t.get("pages", 1) for _, t in ordered)
    image_pages = sum(t.get("pages", 1) for _, t in images)
    total = ours_images + ours_pdfs
    print("\n== speed ==")
    print(f"all files: {pages} pages in {total:.1f} s = {pages / total * 60:.1f} pages/min")
    if images:
        print(
            f"image files: {image_pages} pages, ours {ours_images:.1f} s, bare tesseract "
            f"{bare:.1f} s, ratio {ours_images / bare:.2f}"
        )
    if pdfs:
        pdf_pages = sum(t.get("pages", 1) for _, t in pdfs)
        print(f"PDF files: {pdf_pages} pages in {ours_pdfs:.1f} s")
    if args.misses:
        args.misses.write_text("\n".join(scored["misses"]) + "\n")
        print(f"misses written to {args.misses}")


if __name__ == "__main__":
    sys.exit(main())
