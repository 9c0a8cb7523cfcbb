"""Is field confidence calibrated? Fit it on one seed, report the curve on another.

    python tests/benchmarks/bench_calibration.py --seed 7202 --count-per-type 25 --capture-count 10
    python tests/benchmarks/bench_calibration.py --fit --seed 7101 --count-per-type 25

For every document of a freshly generated set, read as clean files (the usual format mix) and
as phone photos and WhatsApp images (`fixtures.capture`), every field we gave a value is
scored exact or not against the truth. The curve is, per field and condition, how many values
fell in each confidence bucket (0-0.5, 0.5-0.7, 0.7-0.9, 0.9-1.0) and how many of them were
exact; the target is ≥ 98% exact at ≥ 0.9. `--fit` instead fits the mapping of
`extractors.confidence` on this seed (isotonic regression of exactness on the evidence score,
per field) and writes `extractors/data/confidence.yaml`: fit on one seed, report on another.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import yaml

from extractors.calibration import fit_field
from extractors.confidence import _table, confidence_of, evidence_score, has_long_word
from fixtures.document import DOC_TYPES
from fixtures.generate import generate
from models.extraction import Evidence
from pipeline.config import Settings
from pipeline.reading.batch import extract_many

sys.path.insert(0, str(Path(__file__).parent))
from bench_capture import capture_set

BUCKETS = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.01))
CAPTURES = ("phone_photo", "whatsapp")
TABLE_PATH = Path(__file__).parents[2] / "extractors" / "data" / "confidence.yaml"


def records(items: list[tuple[Path, dict]], condition: str, settings: Settings) -> list[dict]:
    """One record per (document, truth field); only values we gave (of the right doc type)
    carry a confidence, the others count for exactness alone."""
    return rows_of(items, list(extract_many([(p, str(p)) for p, _ in items], settings)), condition)


def rows_of(items: list[tuple[Path, dict]], results: list[list], condition: str) -> list[dict]:
    """The records of `records` from extractions already made (bench_extract uses this)."""
    out: list[dict] = []
    for (path, truth), found in zip(items, results, strict=True):
        got = found[0]
        right_type = got.doc_type.value == truth["doc_type"]
        for name, expected in truth["fields"].items():
            field = got.fields.get(name) if right_type else None
            value = field.value if field is not None else None
            given = value is not None
            out.append(
                {
                    "condition": condition,
                    "file": path.name,
                    "doc_type": truth["doc_type"],
                    "field": name,
                    "expected": expected,
                    "value": value,
                    "exact": value == expected,
                    "confidence": field.confidence if given else None,
                    "evidence": field.evidence.model_dump() if given and field.evidence else None,
                }
            )
    return out


def collect(
    seed: int, count: int, capture_count: int, out: Path, conditions: Iterable[str]
) -> list[dict]:
    settings = Settings()
    counts = dict.fromkeys(DOC_TYPES, count)
    capture_counts = dict.fromkeys(DOC_TYPES, capture_count)
    result: list[dict] = []
    for condition in conditions:
        start = time.perf_counter()
        if condition == "clean":
            folder = out / f"set-{seed}-{count}"
            paths = sorted(folder.glob("*.truth.json")) or generate(seed, folder, counts)
            items = []
            for truth_path in paths:
                truth = json.loads(truth_path.read_text())
                items.append((truth_path.parent / truth["file"], truth))
        else:
            root = out / f"capture-{seed}-{capture_count}"
            clean = root / "clean-source"
            if not any(clean.glob("*.truth.json")):
                generate(seed, clean, capture_counts, {"png": 1})
            items = capture_set(clean, condition, root / condition)
        found = records(items, condition, settings)
        print(
            f"{condition}: {len(items)} documents, {len(found)} values, "
            f"{time.perf_counter() - start:.0f} s",
            file=sys.stderr,
        )
        result.extend(found)
    return result


def curve(rows: list[dict]) -> list[tuple[int, int]]:
    """(n, exact) per bucket."""
    cells = [[0, 0] for _ in BUCKETS]
    for row in rows:
        if row["confidence"] is None:
            continue
        for i, (low, high) in enumerate(BUCKETS):
            if low <= row["confidence"] < high:
                cells[i][0] += 1
                cells[i][1] += row["exact"]
    return [(n, ok) for n, ok in cells]


def print_exact(rows: list[dict], title: str) -> None:
    """Exact-match rate per doc type and field (a null truth is right only when we say null)."""
    print(f"\n== exact match: {title} ==")
    cells: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        cell = cells[f"{row['doc_type']}.{row['field']}"]
        cell[0] += row["exact"]
        cell[1] += 1
    for key, (ok, n) in sorted(cells.items()):
        print(f"  {key:<32} {ok / n:7.1%}  ({ok}/{n})")


def print_curve(rows: list[dict], title: str) -> None:
    """Per field: n and % exact in each confidence bucket; `!` marks a missed ≥ 0.9 target."""
    print(f"\n== confidence calibration: {title} (n, % exact per confidence bucket) ==")
    heads = "".join(f"{f'{lo:.1f}-{min(hi, 1.0):.1f}':>16}" for lo, hi in BUCKETS)
    print(f"  {'field':<22}{heads}")
    by_field: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_field[row["field"]].append(row)
    for name in [*sorted(by_field), "ALL"]:
        cells = curve(rows if name == "ALL" else by_field[name])
        text = ""
        for i, (n, ok) in enumerate(cells):
            mark = "!" if i == len(BUCKETS) - 1 and n and ok / n < 0.98 else " "
            text += f"{n:>6} {ok / n:6.1%}{mark}  " if n else f"{n:>6}    -     "
        print(f"  {name:<22}{text}")


MIN_OWN_CURVE = 60  # values of one doc type's field needed for a curve of its own


def fit(rows: list[dict], path: Path) -> None:
    """One curve per field over all doc types, and one per doc type where it has enough
    values (a KTP's bold name is not a letter's typed one)."""
    by_key: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for row in rows:
        if row.get("score") is not None:
            point = (row["score"], row["exact"])
            by_key[row["field"]].append(point)
            by_key[f"{row['doc_type']}.{row['field']}"].append(point)
    fields = {
        key: fit_field(points)
        for key, points in sorted(by_key.items())
        if "." not in key or len(points) >= MIN_OWN_CURVE
    }
    header = (
        "# Fitted by tests/benchmarks/bench_calibration.py --fit (do not edit by hand).\n"
        "# Per field (and doc_type.field): steps [evidence score from, confidence];\n"
        "# see extractors/confidence.py.\n"
    )
    body = yaml.safe_dump({"fields": fields}, default_flow_style=None, sort_keys=True)
    path.write_text(header + body)
    values = sum(len(v) for k, v in by_key.items() if "." not in k)
    print(f"wrote {path} ({len(fields)} curves, {values} values)")


def rescore(rows: list[dict]) -> None:
    """Score and confidence again from the stored evidence, with the current code and table:
    a change of `evidence_score` or a new fit needs no second OCR pass."""
    _table.cache_clear()
    for row in rows:
        if row["evidence"] is None:
            row["score"] = None
            continue
        # Records written before the evidence had this flag: it follows from the value.
        row["evidence"].setdefault("long_word", has_long_word(row["field"], row["value"]))
        evidence = Evidence(**row["evidence"])
        row["score"] = evidence_score(evidence)
        row["confidence"] = confidence_of(f"{row['doc_type']}.{row['field']}", evidence)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7202)
    parser.add_argument("--count-per-type", type=int, default=25)
    parser.add_argument(
        "--capture-count", type=int, default=10, help="documents per type for each capture"
    )
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--conditions", nargs="*", default=["clean", *CAPTURES])
    parser.add_argument("--fit", action="store_true", help="fit and write the mapping")
    parser.add_argument("--records", type=Path, default=None, help="write/read records here")
    args = parser.parse_args()
    if args.records and args.records.exists():
        rows = [json.loads(line) for line in args.records.read_text().splitlines()]
    else:
        rows = collect(
            args.seed, args.count_per_type, args.capture_count, args.out, args.conditions
        )
        if args.records:
            args.records.write_text("".join(json.dumps(r) + "\n" for r in rows))
    rescore(rows)
    if args.fit:
        fit(rows, TABLE_PATH)
        return 0
    print(f"seed {args.seed}, {args.count_per_type} documents per type and condition")
    for condition in args.conditions:
        mine = [r for r in rows if r["condition"] == condition]
        print_exact(mine, condition)
        print_curve(mine, condition)
    print_curve(rows, "all conditions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
