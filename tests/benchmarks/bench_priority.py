"""Accuracy and speed of diagnosis → priority category. Prints figures; asserts nothing.

    python tests/benchmarks/bench_priority.py [--repeat 5]

Accuracy per expected category and overall, with every miss, on the hand-written table
`tests/extractors/data/diagnoses_priority.csv` and on the generator's vocabulary
(`fixtures/data/diagnoses.csv`, with and without its code). Speed: the one-time spaCy build,
then the time per call after warm-up without the result cache (every text made unique) and
with it.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from collections import defaultdict
from pathlib import Path

from fixtures.vocab import DIAGNOSES_CSV

TABLE = Path(__file__).resolve().parents[1] / "extractors" / "data" / "diagnoses_priority.csv"

Row = tuple[str, str | None, str | None]


def load(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            (r["text"], r["icd10"] or None, r["category"] or None) for r in csv.DictReader(handle)
        ]


def report(title: str, rows: list[Row]) -> None:
    from extractors.priority import priority_with_confidence

    total: dict[str, int] = defaultdict(int)
    right: dict[str, int] = defaultdict(int)
    misses = []
    for text, code, expected in rows:
        got, confidence, reason = priority_with_confidence(text, code)
        key = expected or "(none)"
        total[key] += 1
        if got == expected:
            right[key] += 1
        else:
            misses.append((text, code, expected, got, confidence, reason))
    n, ok = sum(total.values()), sum(right.values())
    print(f"\n== {title}: {ok}/{n} = {ok / n:.1%}")
    for key in sorted(total):
        print(f"  {key:<16} {right[key]:>4}/{total[key]:<4} {right[key] / total[key]:7.1%}")
    for text, code, expected, got, confidence, reason in misses:
        print(f"  MISS {text!r} code={code} want={expected} got={got} ({confidence}, {reason})")


def timing(rows: list[Row], repeat: int) -> None:
    import extractors.priority as priority

    start = time.perf_counter()
    priority.engine()
    build = time.perf_counter() - start
    print(f"\n== speed\n  spaCy pipeline build (import + matchers): {build:.2f} s")
    for text, code, _ in rows:  # warm-up
        priority.priority_with_confidence(text, code)
    per_call: list[float] = []
    for r in range(repeat):
        for i, (text, code, _) in enumerate(rows):
            unique = f"{text} {r}-{i}"  # defeats the result cache
            t = time.perf_counter()
            priority.priority_with_confidence(unique, code)
            per_call.append(time.perf_counter() - t)
    per_call.sort()
    us = [x * 1e6 for x in per_call]
    print(
        f"  uncached: mean {statistics.mean(us):.0f} µs, median {us[len(us) // 2]:.0f} µs, "
        f"p99 {us[int(len(us) * 0.99)]:.0f} µs, max {us[-1]:.0f} µs over {len(us)} calls"
    )
    start = time.perf_counter()
    for _ in range(repeat):
        for text, code, _ in rows:
            priority.priority_with_confidence(text, code)
    cached = (time.perf_counter() - start) / (repeat * len(rows)) * 1e6
    print(f"  cached (same text again): mean {cached:.1f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    table = load(TABLE)
    vocab = load(DIAGNOSES_CSV)
    timing(table, args.repeat)
    report(f"hand-written table ({TABLE.name})", table)
    report("generator vocabulary, text + code", vocab)
    report("generator vocabulary, text only", [(t, None, c) for t, _, c in vocab])


if __name__ == "__main__":
    main()
