"""Field accuracy per capture condition, ours vs bare Tesseract on the same images.

    python tests/benchmarks/bench_capture.py --seed 9090 --count-per-type 10

A clean set is generated (PNG, 300 dpi), then every page is put through each capture
condition of `fixtures.capture` (seeded per document and condition). Each captured image is
read twice: by our pipeline (preprocessing + OCR + extractors) and by bare Tesseract (the same
engine and options on the raw image, then the same extractors), so the gain of preprocessing
is a measured ratio. Prints NIK exact-match and all-fields exact-match per condition, and pages
per minute. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image

from extractors.classify import classify
from extractors.doc_types import extract_fields
from extractors.lines import group_lines
from fixtures.capture import CONDITIONS
from fixtures.document import DOC_TYPES
from fixtures.generate import generate
from pipeline.batch import extract_many
from pipeline.config import Settings
from pipeline.extract import ocr_options
from pipeline.ocr import ocr_file

SUFFIX = {"png": ".png", "jpeg": ".jpg", "jpeg_hq": ".jpg"}


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
        path = out / f"{stem}{SUFFIX[fmt]}"
        if fmt.startswith("jpeg"):
            image.convert("RGB").save(path, quality=95)
        else:
            image.save(path, dpi=image.info.get("dpi", (300, 300)))
        items.append((path, {**truth, "condition": condition, "capture": details}))
    return items


def bare_fields(path: Path, settings: Settings) -> tuple[str, dict[str, str | None]]:
    """Bare Tesseract on the raw file, then our extractors: what preprocessing adds."""
    words = ocr_file(path, ocr_options(settings, 300))
    lines = group_lines(words)
    doc_type = classify(lines).doc_type
    fields = extract_fields(doc_type, lines).fields
    return doc_type.value, {k: f.value for k, f in fields.items()}


def score(pairs: list[tuple[dict, str, dict]]) -> dict[str, tuple[int, int]]:
    """(right, total) for doc type, NIK (where printed), and every truth field."""
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for truth, doc_type, fields in pairs:
        tally["doc_type"][0] += doc_type == truth["doc_type"]
        tally["doc_type"][1] += 1
        for name, expected in truth["fields"].items():
            got = fields.get(name) if doc_type == truth["doc_type"] else None
            key = "nik" if name == "nik" else "all_fields"
            if name == "nik" and expected is None:
                continue
            tally[key][0] += got == expected
            tally[key][1] += 1
    return {k: (v[0], v[1]) for k, v in tally.items()}


def pct(cell: tuple[int, int]) -> str:
    right, total = cell
    return f"{right / total:6.1%} ({right}/{total})" if total else "   n/a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=9090)
    parser.add_argument("--count-per-type", type=int, default=10)
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--conditions", nargs="*", default=list(CONDITIONS))
    args = parser.parse_args()
    settings = Settings()
    root = args.out / f"capture-{args.seed}-{args.count_per_type}"
    clean = root / "clean-source"
    if not any(clean.glob("*.truth.json")):
        generate(args.seed, clean, dict.fromkeys(DOC_TYPES, args.count_per_type), {"png": 1})
    print(f"set: {root}; workers={settings.concurrency}; conditions: {args.conditions}")
    print(f"\n{'condition':<20} {'reader':<6} {'doc type':>18} {'NIK exact':>18} "
          f"{'all fields':>20} {'pages/min':>10}")
    for condition in args.conditions:
        items = capture_set(clean, condition, root / condition)
        start = time.perf_counter()
        ours = [
            (truth, e[0].doc_type.value, {k: f.value for k, f in e[0].fields.items()})
            for (path, truth), e in zip(
                items, extract_many([(p, str(p)) for p, _ in items], settings), strict=True
            )
        ]
        ours_seconds = time.perf_counter() - start
        start = time.perf_counter()
        with ThreadPoolExecutor(settings.concurrency) as pool:
            bare = list(pool.map(lambda item: bare_fields(item[0], settings), items))
        bare_seconds = time.perf_counter() - start
        bare_pairs = [(truth, d, f) for (_, truth), (d, f) in zip(items, bare, strict=True)]
        for reader, pairs, seconds in (("ours", ours, ours_seconds),
                                       ("bare", bare_pairs, bare_seconds)):
            s = score(pairs)
            print(f"{condition:<20} {reader:<6} {pct(s['doc_type']):>18} {pct(s['nik']):>18} "
                  f"{pct(s['all_fields']):>20} {len(items) / seconds * 60:>10.1f}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
