"""Field accuracy per capture condition, ours vs bare Tesseract on the same images.

    python tests/benchmarks/bench_capture.py --seed 9090 --count-per-type 10

A clean set is generated (PNG, 300 dpi), then every page is put through each capture
condition of `fixtures.capture` (seeded per document and condition). Each captured image is
read three times: by our pipeline with both engines (`ours`: Tesseract, and PP-OCR for photos
and first readings that fail validation), by our pipeline with Tesseract alone (`tess`), and
by bare Tesseract (the same engine and options on the raw image, then the same extractors),
so the gain of preprocessing and of the second engine are measured ratios. Prints document
type, NIK, register number, KK member NIK recall and all-fields exact-match per condition,
pages per minute, and from a one-page-at-a-time pass the CPU seconds per page of each engine
and of our own preparation. `--memory` then reads every captured image once more in one batch
(`REAKTIVASI_CONCURRENCY` files at a time, both engines loaded) and prints the peak memory of
the process tree. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image

from extractors.classify import classify
from extractors.doc_types import extract_fields
from extractors.lines import group_lines
from extractors.nik import mask_nik
from fixtures.capture import CONDITIONS, save_capture
from fixtures.document import DOC_TYPES
from fixtures.generate import generate
from pipeline.config import Settings
from pipeline.reading.batch import extract_many
from pipeline.reading.extract import extract_file, ocr_options
from pipeline.reading.ocr import ocr_file
from pipeline.reading.read import Cost

sys.path.insert(0, str(Path(__file__).parent))
from bench_throughput import TreeMemory


def capture_set(clean: Path, condition: str, out: Path) -> list[tuple[Path, dict]]:
    """Apply one condition to every clean page; truth files travel with the images."""
    out.mkdir(parents=True, exist_ok=True)
    items = []
    for truth_path in sorted(clean.glob("*.truth.json")):
        truth = json.loads(truth_path.read_text())
        stem = truth_path.name.removesuffix(".truth.json")
        existing = sorted(out.glob(f"{stem}.*[!n]"))  # image already made (not .json)
        if existing:
            items.append((existing[0], truth))
            continue
        rng = random.Random(f"{stem}:{condition}")
        page = Image.open(clean / truth["file"])
        image, fmt, details = CONDITIONS[condition](page, rng)
        path = save_capture(image, fmt, out / stem)
        items.append((path, {**truth, "condition": condition, "capture": details}))
    return items


def bare_fields(path: Path, settings: Settings) -> tuple[str, dict[str, str | None]]:
    """Bare Tesseract on the raw file, then our extractors: what preprocessing adds."""
    words = ocr_file(path, ocr_options(settings, 300))
    lines = group_lines(words)
    doc_type = classify(lines).doc_type
    fields = extract_fields(doc_type, lines).fields
    return doc_type.value, {k: f.value for k, f in fields.items()}


KEYED = ("nik", "register_number")  # fields with their own column; the rest is "all_fields"


def reading(truth: dict, extraction) -> tuple[dict, str, dict]:
    """(truth, doc type, fields) of one extraction; a KK's member NIKs ride along as a field
    of their own (`_members`) that `score` counts separately."""
    fields = {k: f.value for k, f in extraction.fields.items()}
    fields["_members"] = [m.nik for m in extraction.members]
    return truth, extraction.doc_type.value, fields


def score(pairs: list[tuple[dict, str, dict]]) -> dict[str, tuple[int, int]]:
    """(right, total) for doc type, NIK and register number (where printed), every truth
    field, and KK member NIKs found (recall)."""
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for truth, doc_type, fields in pairs:
        tally["doc_type"][0] += doc_type == truth["doc_type"]
        tally["doc_type"][1] += 1
        if truth.get("members"):
            found = set(fields.get("_members") or []) if doc_type == truth["doc_type"] else set()
            expected = {m["nik"] for m in truth["members"]}
            tally["members"][0] += len(found & expected)
            tally["members"][1] += len(expected)
        for name, expected in truth["fields"].items():
            got = fields.get(name) if doc_type == truth["doc_type"] else None
            keys = [name] if name in KEYED else []
            if not (name in KEYED and expected is None):
                keys.append("all_fields")
            for key in keys:
                tally[key][0] += got == expected
                tally[key][1] += 1
    return {k: (v[0], v[1]) for k, v in tally.items()}


def misses(path: Path, truth: dict, doc_type: str, fields: dict) -> dict | None:
    """What one reading got wrong, NIK-shaped values masked: for looking at the images."""
    wrong = {}
    for name, expected in truth["fields"].items():
        got = fields.get(name) if doc_type == truth["doc_type"] else None
        if got != expected:
            wrong[name] = [_masked(expected), _masked(got)]
    if doc_type != truth["doc_type"]:
        wrong["doc_type"] = [truth["doc_type"], doc_type]
    return {"file": str(path), "wrong": wrong} if wrong else None


def _masked(value: object) -> object:
    if isinstance(value, str) and value.isdigit() and len(value) == 16:
        return mask_nik(value)
    return value


def engine_cpu(items: list[tuple[Path, dict]], settings: Settings, pages: int) -> Cost:
    """CPU seconds of whole files (validation's second readings included), one file at a
    time over `pages` files spread over the set: `ocr` Tesseract (reaped children), `second`
    PP-OCR (its models' threads), `prep` everything else in this process. Per page."""
    from pipeline.reading import ppocr  # the counter only; the engine loads on first use

    total = Cost()
    step = max(1, len(items) // max(1, pages))
    chosen = items[::step][:pages]
    for path, _ in chosen:
        children, process, second = _children(), time.process_time(), ppocr.cpu_seconds()
        extract_file(path, str(path), settings)
        total.second += ppocr.cpu_seconds() - second
        total.ocr += _children() - children
        total.prep += time.process_time() - process - (ppocr.cpu_seconds() - second)
    n = max(1, len(chosen))
    return Cost(prep=total.prep / n, ocr=total.ocr / n, second=total.second / n)


def _children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def scanner_batches(clean: Path, out: Path, count: int, seed: int) -> list[tuple[Path, list]]:
    """Multi-document scanner PDFs: 2-4 generated documents each, every page scanned at 200
    dpi (skew, dust) and one in four fed upside down. Truth: (first page, doc type) per
    document. Every document of the set is used before any is used twice."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{seed}:scanner-batches")
    truths = sorted(clean.glob("*.truth.json"))
    pool: list[Path] = []
    batches = []
    for index in range(count):
        size = rng.randint(2, 4)
        if len(pool) < size:
            pool += rng.sample(truths, len(truths))
        chosen, pool = pool[:size], pool[size:]
        path = out / f"batch_{index + 1:03d}.pdf"
        expected = []
        pages = []
        for truth_path in chosen:
            truth = json.loads(truth_path.read_text())
            expected.append((len(pages) + 1, truth["doc_type"]))
            if path.exists():
                pages.append(None)
                continue
            stem = truth_path.name.removesuffix(".truth.json")
            page_rng = random.Random(f"{stem}:batch-{index}")
            image, _, _ = CONDITIONS["scan_200dpi"](Image.open(clean / truth["file"]), page_rng)
            pages.append(image.rotate(180) if page_rng.random() < 0.25 else image)
        if not path.exists():
            pages[0].save(path, save_all=True, append_images=pages[1:], resolution=200)
        batches.append((path, expected))
    return batches


def split_accuracy(batches: list[tuple[Path, list]], settings: Settings) -> str:
    """PDFs whose documents all start on the right page with the right type, and documents
    found where they start."""
    files = right_files = right_docs = docs = 0
    inputs = [(path, str(path)) for path, _ in batches]
    for (_, expected), extractions in zip(batches, extract_many(inputs, settings), strict=True):
        got = {(e.page, e.doc_type.value) for e in extractions}
        files += 1
        right_files += got == set(expected) and len(extractions) == len(expected)
        docs += len(expected)
        right_docs += sum(start in got for start in expected)
    return (
        f"split exact: {pct((right_files, files))} of PDFs; "
        f"documents found at their first page: {pct((right_docs, docs))}"
    )


def pct(cell: tuple[int, int]) -> str:
    right, total = cell
    return f"{right / total:6.1%} ({right}/{total})" if total else "   n/a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=9090)
    parser.add_argument("--count-per-type", type=int, default=10)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--conditions", nargs="*", default=list(CONDITIONS))
    parser.add_argument(
        "--failures", action="store_true", help="write <set>/<condition>/failures.jsonl"
    )
    parser.add_argument("--no-bare", action="store_true", help="skip bare Tesseract")
    parser.add_argument(
        "--split-batches", type=int, default=15, help="multi-document scanner PDFs (0: none)"
    )
    parser.add_argument(
        "--timing-pages", type=int, default=6, help="pages per condition timed one at a time"
    )
    parser.add_argument(
        "--no-engines", action="store_true", help="skip the Tesseract-alone run (`tess`)"
    )
    parser.add_argument(
        "--memory", action="store_true", help="peak memory of one batch over every capture"
    )
    args = parser.parse_args()
    settings = Settings()
    alone = Settings(second_engine=False)
    root = args.out / f"capture-{args.seed}-{args.count_per_type}"
    clean = root / "clean-source"
    if not any(clean.glob("*.truth.json")):
        generate(args.seed, clean, dict.fromkeys(DOC_TYPES, args.count_per_type), {"png": 1})
    print(f"set: {root}; workers={settings.concurrency}; conditions: {args.conditions}")
    print(
        f"\n{'condition':<20} {'reader':<6} {'doc type':>18} {'NIK exact':>18} "
        f"{'register':>16} {'KK members':>18} {'all fields':>20} {'pages/min':>10} "
        f"{'CPU s/page: tess ppocr prep':>28}"
    )
    every: list[tuple[Path, dict]] = []
    for condition in args.conditions:
        items = capture_set(clean, condition, root / condition)
        every += items
        runs = []
        for reader, chosen in [("ours", settings), *([] if args.no_engines else [("tess", alone)])]:
            start = time.perf_counter()
            extracted = list(extract_many([(p, str(p)) for p, _ in items], chosen))
            pairs = [reading(truth, e[0]) for (_, truth), e in zip(items, extracted, strict=True)]
            seconds = time.perf_counter() - start
            cpu = engine_cpu(items, chosen, args.timing_pages)
            runs.append(
                (reader, pairs, seconds, f"{cpu.ocr:>11.2f} {cpu.second:>5.2f} {cpu.prep:>4.2f}")
            )
        ours = runs[0][1]
        if args.failures:
            with (root / condition / "failures.jsonl").open("w") as out:
                for (path, _), (truth, doc_type, fields) in zip(items, ours, strict=True):
                    if (miss := misses(path, truth, doc_type, fields)) is not None:
                        out.write(json.dumps(miss) + "\n")
        if not args.no_bare:
            start = time.perf_counter()
            with ThreadPoolExecutor(settings.concurrency) as pool:
                bare = list(pool.map(lambda item: bare_fields(item[0], settings), items))
            bare_seconds = time.perf_counter() - start
            bare_pairs = [(truth, d, f) for (_, truth), (d, f) in zip(items, bare, strict=True)]
            runs.append(("bare", bare_pairs, bare_seconds, ""))
        for reader, pairs, seconds, ratio in runs:
            s = score(pairs)
            print(
                f"{condition:<20} {reader:<6} {pct(s['doc_type']):>18} {pct(s['nik']):>18} "
                f"{pct(s.get('register_number', (0, 0))):>16} "
                f"{pct(s.get('members', (0, 0))):>18} {pct(s['all_fields']):>20} "
                f"{len(items) / seconds * 60:>10.1f} {ratio:>28}"
            )
        sys.stdout.flush()
    if args.memory:
        with TreeMemory() as memory:
            for _ in extract_many([(p, str(p)) for p, _ in every], settings):
                pass
        print(
            f"\npeak memory, {len(every)} captures in one batch, {settings.concurrency} at a "
            f"time, both engines: {memory.peak_mb:.0f} MB (process tree: ours + Tesseracts)"
        )
    if args.split_batches:
        batches = scanner_batches(clean, root / "scanner_batches", args.split_batches, args.seed)
        pages = sum(len(expected) for _, expected in batches)
        print(f"\nscanner PDFs: {len(batches)} files, {pages} documents (one page each)")
        print(split_accuracy(batches, settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
