"""Decisions a citizen and a Dinas Sosial can trust, on both fixture families (issue 13).

    python tests/benchmarks/bench_decisions.py --seed 4242 --count 200 [--family own heldout]
    ... --code /tmp/before --tag before   # the same sets, decided by another checkout

For each family: generate `--count` submissions covering every scenario (the project's own
generator with `--captures`, and `fixtures.heldout`, built apart and never tuned on), run
`reaktivasi process` on them as a user would, and print:
- false accepts (`ready` where the truth is not), complete files sent back to the citizen,
  straight-through (`ready` where it should be), status accuracy, reason recall, and reasons
  sent to a citizen that are not true;
- per scenario: how many, and what was decided;
- per document, from the extractions `process` stored: document type, NIK, register number,
  diagnosis and priority, by document type and capture, and by layout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

import yaml
from sqlalchemy import create_engine, select

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from models.tables import decision, document  # noqa: E402
from pipeline.cases.policy import Policy  # noqa: E402

BIN = Path(sys.executable).parent
IDENTIFIED = Policy().identified_confidence
FIELDS = {
    "faskes_letter": (
        "nik", "name", "birth_date", "register_number", "diagnosis", "priority_category",
        "letter_date",
    ),
    "sktm": ("nik", "name", "birth_date", "village", "letter_number", "letter_date"),
    "kk": ("kk_number",),
    "ktp": ("nik", "name", "birth_date", "village"),
}  # fmt: skip
COLUMNS = {  # printed per capture and layout: what ties a case together and decides it
    "nik": "nik", "name": "name", "birth_date": "born", "register_number": "register",
    "diagnosis": "diagnosis", "priority_category": "priority", "letter_date": "date",
    "village": "village", "letter_number": "letter no",
}  # fmt: skip


def _env(code: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if code is not None:  # another checkout's packages first (a before/after comparison)
        env["PYTHONPATH"] = str(code)
    env.update(
        OMP_THREAD_LIMIT="1",
        PREFECT_HOME=str(ROOT / ".prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="60",
    )
    return env


def generate(family: str, seed: int, count: int, out: Path) -> None:
    if (out / "truth.jsonl").exists():
        return
    module = {"own": "fixtures.submissions", "heldout": "fixtures.heldout"}[family]
    command = [sys.executable, "-m", module, "--seed", str(seed), "--count", str(count)]
    command += ["--out", str(out)] + (["--captures", "--zoo"] if family == "own" else [])
    subprocess.run(command, check=True, cwd=ROOT)


def process(folder: Path, out: Path, code: Path | None, reuse: bool) -> float:
    """Decide the set afresh (a generated set is kept and reused; decisions only with
    `--reuse`, e.g. to print a finished run again)."""
    if reuse and (out / "decisions.jsonl").exists():
        return float((out / "seconds.txt").read_text())
    shutil.rmtree(out, ignore_errors=True)
    as_of = (folder / "as_of.txt").read_text().strip()
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "reaktivasi"), "process", str(folder / "inbox"), "--deactivation",
         str(folder / "deactivation.csv"), "--as-of", as_of, "--out", str(out)],
        check=True, cwd=code or ROOT, env=_env(code), stdout=subprocess.DEVNULL,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    (out / "seconds.txt").write_text(f"{seconds:.1f}\n")
    return seconds


def _jsonl(path: Path) -> dict[str, dict]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {row["submission"]: row for row in rows}


def _norm(value: object, field: str = "") -> str | None:
    """A value as compared: case, commas and spacing aside; a letter number's spaces beside
    its slashes are typing, not part of the number (`145 / 23 / DS.SKM` is `145/23/DS.SKM`)."""
    if value is None:
        return None
    text = " ".join(str(value).upper().replace(",", " ").split()).strip(" .")
    return re.sub(r"\s*/\s*", "/", text) if field == "letter_number" else text


def _manifest(folder: Path) -> list[dict]:
    """Each submission's manifest entry, whichever family wrote it (a list, or a mapping)."""
    data = json.loads((folder / "manifest.json").read_text())
    if "submissions" in data:
        return data["submissions"]
    return [{"submission": key, **value} for key, value in data.items()]


def _truth_of(entry: dict) -> tuple[dict, list[dict]]:
    """A manifest file's field truth and members, whichever family wrote it."""
    truth = entry.get("truth") or entry
    fields = truth.get("fields", truth)
    return fields, truth.get("members") or fields.get("members") or []


@cache
def _note_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """The review-note templates of `pipeline/data/reasons.yaml`, as patterns."""
    templates = yaml.safe_load((ROOT / "pipeline/data/reasons.yaml").read_text("utf-8"))["review"]
    patterns = []
    for key, text in templates.items():
        if isinstance(text, str):
            parts = re.split(r"\{(\w+)\}", " ".join(text.split()))
            regex = "".join(
                re.escape(p) if i % 2 == 0 else f"(?P<{p}>.*?)" for i, p in enumerate(parts)
            )
            patterns.append((key, re.compile(regex + "$", re.DOTALL)))
    return patterns


def note_kind(note: str) -> str:
    """`low: NIK`, `not_found: diagnosa`: which check a review note is about (no values)."""
    note = " ".join(note.split())
    for key, pattern in _note_patterns():
        if m := pattern.match(note):
            return f"{key}: {m['field']}" if "field" in m.groupdict() else key
    return "other"


def _records(out: Path) -> dict[str, dict]:
    engine = create_engine(f"sqlite:///{out / 'state.sqlite'}")
    with engine.connect() as connection:
        rows = connection.execute(select(decision.c.submission, decision.c.record)).all()
    return {k: record for k, record in rows}


def decisions(folder: Path, out: Path) -> dict[str, object]:
    truth, decided = _jsonl(folder / "truth.jsonl"), _jsonl(out / "decisions.jsonl")
    manifest = {s["submission"]: s for s in _manifest(folder)}
    n = len(truth)
    got = {k: decided.get(k, {"status": "missing", "reasons": []}) for k in truth}
    records = _records(out)
    for k in got:
        got[k]["review_notes"] = records.get(k, {}).get("review_notes", [])
    false_accepts = [k for k in truth if got[k]["status"] == "ready" != truth[k]["status"]]
    complete = [k for k in truth if manifest[k].get("complete")]
    sent_back = [k for k in complete if got[k]["status"] == "needs_correction"]
    should = [k for k in truth if truth[k]["status"] == "ready"]
    straight = [k for k in should if got[k]["status"] == "ready"]
    held = Counter(  # what kept complete, eligible cases from going straight through
        note_kind(note)
        for k in should
        if got[k]["status"] == "needs_review"
        for note in set(got[k].get("review_notes") or ["?"])
    )
    reasons = [(k, r) for k in truth for r in truth[k]["reasons"]]
    recalled = [(k, r) for k, r in reasons if r in got[k]["reasons"]]
    untrue = [
        (k, r)
        for k in truth
        if got[k]["status"] == "needs_correction"
        for r in got[k]["reasons"]
        if r not in truth[k]["reasons"]
    ]
    by_scenario: dict[str, Counter] = defaultdict(Counter)
    for k in truth:
        scenario = manifest[k]["scenario"]
        by_scenario[scenario]["n"] += 1
        by_scenario[scenario]["right"] += got[k]["status"] == truth[k]["status"]
        by_scenario[scenario][got[k]["status"]] += 1
        by_scenario[scenario]["_truth:" + truth[k]["status"]] += 1
    return {
        "n": n,
        "status": sum(got[k]["status"] == truth[k]["status"] for k in truth) / n,
        "exact": sum({f: got[k].get(f) for f in truth[k]} == truth[k] for k in truth) / n,
        "false_accepts": false_accepts,
        "complete": len(complete),
        "sent_back": sent_back,
        "straight": (len(straight), len(should)),
        "held": held,
        "recall": (len(recalled), len(reasons)),
        "untrue": untrue,
        "by_scenario": by_scenario,
        "got": got,
        "truth": truth,
    }


def documents(folder: Path, out: Path) -> list[dict]:
    """One row per inbox file with a document: truth against the stored extraction."""
    manifest = _manifest(folder)
    engine = create_engine(f"sqlite:///{out / 'state.sqlite'}")
    with engine.connect() as connection:
        stored = dict(connection.execute(select(document.c.sha256, document.c.extractions)).all())
    rows = []
    for sub in manifest:
        for entry in sub["files"]:
            doc_type = entry.get("doc_type")
            if not doc_type or entry.get("duplicate_of"):
                continue
            path = folder / "inbox" / sub["submission"] / entry["file"]
            extractions = stored.get(hashlib.sha256(path.read_bytes()).hexdigest()) or []
            read = extractions[0] if extractions else {"doc_type": "missing", "fields": {}}
            fields, members = _truth_of(entry)
            row = {
                "doc_type": doc_type,
                "capture": entry.get("capture", "?"),
                "layout": entry.get("layout") or _truth_of(entry)[0].get("layout", "?"),
                "type_right": read["doc_type"] == doc_type,
                # right and sure enough that the decision relies on it (Policy)
                "type_sure": read["doc_type"] == doc_type
                and read.get("doc_type_confidence", 0.0) >= IDENTIFIED,
                "warnings": [w["code"] for w in read.get("warnings", [])],
            }
            got = {k: v.get("value") for k, v in read.get("fields", {}).items()}
            for name in FIELDS[doc_type]:
                if name in fields:
                    row[name] = _norm(got.get(name), name) == _norm(fields[name], name)
            if doc_type == "kk" and members:
                want = {m["nik"] for m in members}
                found = {m.get("nik") for m in read.get("members", [])}
                row["members"] = (len(want & found), len(want))
            rows.append(row)
    return rows


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.1%})" if whole else "0/0"


def report(family: str, folder: Path, out: Path, seconds: float) -> dict:
    d = decisions(folder, out)
    docs = documents(folder, out)
    pages = len(docs)
    print(f"\n=== family {family}: {d['n']} submissions ({out}) ===")
    print(f"process: {seconds:.0f} s, {pages} documents, {60 * pages / seconds:.1f} per minute")
    print(f"false accepts (ready, must not be)      {len(d['false_accepts'])}")
    for k in d["false_accepts"]:
        print(f"    {k}: truth {d['truth'][k]['status']} {d['truth'][k]['reasons']}")
    print(f"complete files sent back to the citizen {_pct(len(d['sent_back']), d['complete'])}")
    for k in d["sent_back"]:
        print(f"    {k}: told {d['got'][k]['reasons']}")
    print(f"straight-through (ready when it should) {_pct(*d['straight'])}")
    for kind, count in d["held"].most_common():
        print(f"    held for review, note {kind}: {count}")
    print(f"status right                            {d['status']:.1%}")
    print(f"decision exactly right (CONTRACT line)  {d['exact']:.1%}")
    print(f"reason recall                           {_pct(*d['recall'])}")
    print(f"reasons told that are not true          {len(d['untrue'])}")
    for k, r in d["untrue"]:
        print(f"    {k}: {r}")
    print(f"\n{'scenario':32} {'n':>3} {'right':>5}  decided")
    for scenario, c in sorted(d["by_scenario"].items()):
        truth = [s.removeprefix("_truth:") for s in c if s.startswith("_truth:")]
        spread = ", ".join(
            f"{s} {c[s]}" for s in ("ready", "needs_correction", "needs_review", "not_eligible")
            if c[s]
        )  # fmt: skip
        print(f"{scenario:32} {c['n']:3} {c['right']:5}  truth {'/'.join(truth)} → {spread}")
    _documents_table(docs)
    return d


def _documents_table(rows: list[dict]) -> None:
    names = (*COLUMNS.values(), "members")
    for title, key in (
        ("document × capture", lambda r: f"{r['doc_type']} × {r['capture']}"),
        ("layout", lambda r: f"{r['doc_type']}/{r['layout']}"),
    ):
        head = f"{'n':>4} {'type':>6} {'sure':>6} "
        print(f"\n{title:34} {head}" + " ".join(f"{n:>10}" for n in names))
        _grouped(rows, key)


def _grouped(rows: list[dict], key) -> None:
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    for name, group in sorted(groups.items()):
        cells = [
            f"{sum(r[k] for r in group) / len(group):6.0%}" for k in ("type_right", "type_sure")
        ]
        for field in COLUMNS:
            scored = [r[field] for r in group if field in r]
            cells.append(f"{sum(scored) / len(scored):10.0%}" if scored else f"{'-':>10}")
        found = [r["members"] for r in group if "members" in r]
        cells.append(
            f"{sum(a for a, _ in found) / max(1, sum(b for _, b in found)):10.0%}"
            if found
            else f"{'-':>10}"
        )
        print(f"{name:34} {len(group):4} " + " ".join(cells))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--family", nargs="*", default=["own", "heldout"])
    parser.add_argument("--out", type=Path, default=ROOT / "bench-out" / "decisions")
    parser.add_argument("--code", type=Path, help="decide with this checkout instead")
    parser.add_argument("--tag", default="out", help="output folder name inside each set")
    parser.add_argument("--reuse", action="store_true", help="print finished decisions again")
    args = parser.parse_args(argv)
    summary = []
    for family in args.family:
        folder = args.out / f"{family}-{args.seed}-{args.count}"
        generate(family, args.seed, args.count, folder)
        out = folder / args.tag
        d = report(family, folder, out, process(folder, out, args.code, args.reuse))
        summary.append((family, d))
    print(f"\n{'family':10} {'false acc':>9} {'sent back':>14} {'straight':>14} {'status':>7}")
    for family, d in summary:
        back = _pct(len(d["sent_back"]), d["complete"])
        straight = _pct(*d["straight"])
        print(
            f"{family:10} {len(d['false_accepts']):9} {back:>14} {straight:>14} {d['status']:7.1%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
