"""KK member table and KTP NIK per capture condition. Prints figures; asserts nothing.

    python -m tests.benchmarks.bench_kk --seed 5151 --count 30

KKs and KTPs are generated clean (PNG, 300 dpi) and put through each capture condition of
`fixtures.capture` with `bench_capture.capture_set`. Per condition it prints member NIK recall
(printed members whose NIK we return), precision (returned NIKs that belong to the KK), member
names exact (matched by NIK, so a lost NIK is a lost name too) and KTP NIK exact. First-pass
OCR is cached by pixels under the set's folder, so a rerun after a change to the extractors or
the second readings costs only what changed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

from fixtures.generate import generate
from models import Extraction
from pipeline.config import Settings
from pipeline.reading.batch import extract_many
from tests.benchmarks.bench_capture import capture_set, pct

DEFAULT_CONDITIONS = [
    "clean",
    "scan_200dpi",
    "phone_photo",
    "whatsapp",
    "folded",
    "in_fingers",
    "on_batik",
    "on_floor_tiles",
]


def score_kk(truth: dict, got: Extraction, tally: dict[str, list[int]], misses: list) -> None:
    """Member NIK recall and precision, member names exact (by NIK)."""
    expected = {m["nik"]: m for m in truth["members"]}
    returned = [m for m in got.members if m.nik] if got.doc_type.value == "kk" else []
    by_nik = {m.nik: m for m in returned}
    for nik, member in expected.items():
        found = by_nik.get(nik)
        tally["member NIK recall"][0] += found is not None
        tally["member NIK recall"][1] += 1
        name = found.name if found else None
        tally["member name exact"][0] += name == member["name"]
        tally["member name exact"][1] += 1
        if name != member["name"]:
            misses.append(f"{truth['file']}\tname\texpected={member['name']!r}\tgot={name!r}")
    for member in returned:
        tally["member NIK precision"][0] += member.nik in expected
        tally["member NIK precision"][1] += 1
    tally["member rows"][0] += len(got.members) == len(expected)
    tally["member rows"][1] += 1


def score_ktp(truth: dict, got: Extraction, tally: dict[str, list[int]], misses: list) -> None:
    value = got.value("nik") if got.doc_type.value == "ktp" else None
    tally["KTP NIK exact"][0] += value == truth["fields"]["nik"]
    tally["KTP NIK exact"][1] += 1
    if value != truth["fields"]["nik"]:
        misses.append(f"{truth['file']}\tktp nik\tlength={len(value or '')}")


COLUMNS = [
    "member NIK recall",
    "member NIK precision",
    "member name exact",
    "member rows",
    "KTP NIK exact",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=5151)
    parser.add_argument("--count", type=int, default=30, help="KKs and KTPs each")
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--conditions", nargs="*", default=DEFAULT_CONDITIONS)
    parser.add_argument("--misses", type=Path, default=None, help="write misses here")
    args = parser.parse_args()
    root = args.out / f"kk-{args.seed}-{args.count}"
    settings = Settings().model_copy(update={"ocr_cache_dir": root / "ocr-cache"})
    clean = root / "clean-source"
    if not any(clean.glob("*.truth.json")):
        generate(args.seed, clean, {"kk": args.count, "ktp": args.count}, {"png": 1})
    print(f"set: {root}; workers={settings.concurrency}")
    print(f"\n{'condition':<13}" + "".join(f"{c:>24}" for c in COLUMNS) + f"{'s/page':>8}")
    all_misses: list[str] = []
    for condition in args.conditions:
        items = capture_set(clean, condition, root / condition)
        misses: list[str] = []
        tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        start = time.perf_counter()
        results = extract_many([(p, str(p)) for p, _ in items], settings)
        for (_, truth), extractions in zip(items, results, strict=True):
            scorer = score_kk if truth["doc_type"] == "kk" else score_ktp
            scorer(truth, extractions[0], tally, misses)
        seconds = (time.perf_counter() - start) / max(1, len(items))
        cells = "".join(f"{pct((tally[c][0], tally[c][1])):>24}" for c in COLUMNS)
        print(f"{condition:<13}{cells}{seconds:>8.1f}")
        all_misses += [f"{condition}\t{m}" for m in misses]
        sys.stdout.flush()
    if args.misses:
        args.misses.write_text("\n".join(all_misses) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
