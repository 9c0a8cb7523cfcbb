"""Deactivation list at national scale: import time, peak memory, lookup and candidate latency.

    python tests/benchmarks/bench_list.py [--rows 1000000] [--xlsx-rows 100000] [--seed 7]

Generates a BNBA-style CSV (`;`-separated, as Indonesian Excel exports it) of `--rows` rows:
valid NIKs on real kecamatan prefixes (fixtures/wilayah.py, from the shared Kemendagri CSV),
names from Faker id_ID (a pool, some with titles and patronymic initials), birth dates in the
spreadsheet forms DOMAIN.md §8-9 lists (DD/MM/YYYY, MM/DD/YYYY swapped by Excel, ISO, DD-MM-YYYY,
`12 Februari 1980`, `12-Feb-1980`), periods (`2026-02`, `Februari 2026`, ISO days) and about
0.5 % bad rows (short NIK, NIK lost to scientific notation, empty NIK, impossible date digits,
a NIK listed twice, blank lines). Then a `--xlsx-rows` XLSX with the same shape.

Each import runs in a child process so its peak RSS is its own; it imports twice (into an empty
database, then replacing the full list). Lookups: p50/p99 over `--lookups` random NIKs, half on
the list, half not; candidates: p50/p99 over `--candidates` queries. Wall and CPU time are
both printed: on shared cores the wall time measures the neighbours as much as the importer.
The XLSX figure uses python-calamine when it is installed, else openpyxl (`--rows 0` runs the
XLSX part alone). Prints figures, asserts nothing; the counts printed are checked against what
the generator wrote.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HEADER = ["NO", "NIK", "NO KK", "NAMA", "TGL_LAHIR", "DESA/KELURAHAN", "KECAMATAN", "PERIODE",
          "DESIL", "ALASAN"]  # fmt: skip
MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
             "September", "Oktober", "November", "Desember")  # fmt: skip
MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov",
                "Des")  # fmt: skip
REASONS = ("DESIL 6-10 DTSEN", "TIDAK PADAN DUKCAPIL", "MENINGGAL", "PINDAH SEGMEN", "")
TITLES = ("H. ", "HJ. ", "NY. ", "")
BAD_RATE = 0.005


@dataclass
class Generated:
    path: Path
    rows: int = 0
    valid: int = 0
    rejected: int = 0
    duplicates: int = 0
    present: list[str] = field(default_factory=list)  # a sample of listed NIKs
    people: list[tuple[str, str, date]] = field(default_factory=list)  # (nik, name, birth)


def _name_pool(seed: int) -> tuple[list[str], list[str], list[str]]:
    """Male first, female first and last names from Faker id_ID, letters only, upper case."""
    from faker import Faker

    fake = Faker("id_ID")
    fake.seed_instance(seed)

    def pool(make, n: int) -> list[str]:
        words = {w.upper() for w in (make() for _ in range(n)) if w.isalpha()}
        return sorted(words)

    return (
        pool(fake.first_name_male, 3000),
        pool(fake.first_name_female, 3000),
        pool(fake.last_name, 3000),
    )


def _birth_text(rng: random.Random, born: date) -> str:
    form = rng.random()
    if form < 0.35:
        return f"{born.day:02d}/{born.month:02d}/{born.year}"
    if form < 0.50:
        return f"{born.month:02d}/{born.day:02d}/{born.year}"  # Excel swapped it
    if form < 0.70:
        return born.isoformat()
    if form < 0.85:
        return f"{born.day:02d}-{born.month:02d}-{born.year}"
    if form < 0.95:
        return f"{born.day} {MONTHS_ID[born.month - 1]} {born.year}"
    return f"{born.day:02d}-{MONTHS_SHORT[born.month - 1]}-{born.year}"


def _period_text(rng: random.Random) -> str:
    month = rng.choice((1, 2, 2, 2, 3))
    form = rng.random()
    if form < 0.5:
        return f"2026-{month:02d}"
    if form < 0.8:
        return f"{MONTHS_ID[month - 1]} 2026"
    return f"2026-{month:02d}-{rng.randint(1, 28):02d}"


def generate(path: Path, rows: int, seed: int, sample: int = 20_000) -> Generated:
    """Write the CSV (or XLSX by suffix) and remember what a correct import must give."""
    from fixtures.people import make_nik, random_serial
    from fixtures.wilayah import all_kecamatan

    rng = random.Random(seed)
    males, females, lasts = _name_pool(seed)
    kecamatan = all_kecamatan()
    out = Generated(path)
    seen: set[str] = set()
    sink = _sink(path)
    sink.send(None)
    sink.send(HEADER)
    start_day = date(1935, 1, 1).toordinal()
    span = date(2025, 12, 31).toordinal() - start_day
    for number in range(1, rows + 1):
        kec = rng.choice(kecamatan)
        gender = "P" if rng.random() < 0.55 else "L"
        born = date.fromordinal(start_day + rng.randrange(span))
        nik = make_nik(kec.code, born, gender, random_serial(rng))
        while nik in seen:
            nik = make_nik(kec.code, born, gender, random_serial(rng))
        first = rng.choice(females if gender == "P" else males)
        words = [first, rng.choice(lasts)] if rng.random() < 0.8 else [first]
        name = " ".join(words)
        shown = name
        if rng.random() < 0.05:
            shown = rng.choice(TITLES) + name
        elif rng.random() < 0.03:
            shown = f"{name}.{rng.choice('ABDHMSTZ')}"  # patronymic initial: MAWARDI.Z
        kk = make_nik(kec.code, date(2010 + rng.randrange(15), 1 + rng.randrange(12), 1), "L",
                      random_serial(rng))  # fmt: skip
        desa = rng.choice(kec.desa)
        row: list[object] = [number, nik, kk, shown if rng.random() < 0.7 else shown.title(),
                             _birth_text(rng, born), desa.name, kec.name, _period_text(rng),
                             rng.randint(1, 10), rng.choice(REASONS)]  # fmt: skip
        bad = rng.random()
        if bad < BAD_RATE:
            kind = rng.randrange(5 if out.present else 4)
            if kind == 0:
                row[1] = nik[: rng.randint(8, 15)]  # truncated by hand
            elif kind == 1:
                row[1] = f"{nik[0]}.{nik[1:6]}E+15"  # Excel's scientific notation
            elif kind == 2:
                row[1] = ""
            elif kind == 3:
                row[1] = nik[:6] + "99" + nik[8:]  # day 99: no such day
            elif kind == 4 and out.present:
                row[1] = rng.choice(out.present[-1000:])  # listed twice
                out.duplicates += 1
                sink.send(row)
                out.rows += 1
                continue
            out.rejected += 1
        else:
            seen.add(nik)
            out.valid += 1
            if len(out.present) < sample or rng.random() < sample / number:
                if len(out.present) < sample:
                    out.present.append(nik)
                    out.people.append((nik, name, born))
                else:
                    slot = rng.randrange(sample)
                    out.present[slot] = nik
                    out.people[slot] = (nik, name, born)
        sink.send(row)
        out.rows += 1
        if rng.random() < 0.0002:
            sink.send([""] * len(HEADER))  # a blank line in the middle of the export
    sink.close()
    return out


def _sink(path: Path) -> Generator[None, list[object] | None, None]:
    """Rows sent in are written out as they come (the generator holds no table in memory)."""
    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        try:
            while True:
                row = yield
                if row is not None:
                    sheet.append(row)
        finally:
            workbook.save(path)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        while True:
            row = yield
            if row is not None:
                writer.writerow(row)


def _peak_rss_mb() -> float:
    """This process's own peak resident memory (VmHWM; ru_maxrss would include the parent's
    peak from before the fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def import_child(path: Path, url: str) -> None:
    """In a child process: import twice (empty, then replacing); print figures as JSON."""
    from pipeline.cases.deactivation_list import import_list
    from pipeline.state import engine_for

    engine = engine_for(url)
    rss_before = _peak_rss_mb()
    times, cpu = [], []
    for _ in range(2):
        start, start_cpu = time.perf_counter(), time.process_time()
        report = import_list(path, engine)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(
        json.dumps(
            {
                "first": times[0],
                "replace": times[1],
                "cpu_first": cpu[0],
                "cpu_replace": cpu[1],
                "imported": report.imported,
                "rejected": len(report.rejected),
                "warnings": len(report.warnings),
                "rss_before_mb": rss_before,
                "rss_peak_mb": _peak_rss_mb(),
            }
        )
    )


def run_import(label: str, data: Generated, db: Path) -> str:
    url = f"sqlite:///{db}"
    done = subprocess.run(
        [sys.executable, __file__, "--import-child", str(data.path), url],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    expected_rejected = data.rejected
    print(
        f"\n== import {label}: {data.rows:,} rows, {data.path.stat().st_size / 1e6:.0f} MB\n"
        f"  first import        {figures['first']:7.2f} s wall  {figures['cpu_first']:6.2f} s CPU"
        f"  ({data.rows / figures['first']:,.0f} rows/s)\n"
        f"  replacing import    {figures['replace']:7.2f} s wall  {figures['cpu_replace']:6.2f}"
        " s CPU\n"
        f"  peak RSS            {figures['rss_peak_mb']:7.0f} MB  (before importing, modules"
        f" loaded: {figures['rss_before_mb']:.0f} MB)\n"
        f"  imported {figures['imported']:,} (expected {data.valid:,}); rejected"
        f" {figures['rejected']:,} (expected {expected_rejected:,}); warnings"
        f" {figures['warnings']:,} (listed twice: {data.duplicates:,}, rest: ambiguous dates)"
    )
    return url


def _percentiles(samples: list[float]) -> str:
    samples = sorted(samples)
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return f"p50 {q[49] * 1e3:.3f} ms  p99 {q[98] * 1e3:.3f} ms  max {samples[-1] * 1e3:.3f} ms"


def bench_queries(url: str, data: Generated, lookups: int, queries: int, seed: int) -> None:
    from pipeline.cases.deactivation_list import candidates, lookup
    from pipeline.state import engine_for

    engine = engine_for(url)
    rng = random.Random(seed)
    present = rng.sample(data.present, min(lookups // 2, len(data.present)))
    listed = set(data.present)
    absent: list[str] = []
    while len(absent) < lookups - len(present):
        nik = rng.choice(data.present)
        other = nik[:12] + f"{rng.randint(1, 9999):04d}"
        if other not in listed:
            absent.append(other)  # same shape as a real NIK, most likely not listed
    niks = present + absent
    rng.shuffle(niks)
    for nik in niks[:200]:  # warm the page cache and the statement cache
        lookup(engine, nik)
    times: list[float] = []
    cpu: list[float] = []
    found = 0
    for nik in niks:
        start, start_cpu = time.perf_counter(), time.process_time()
        record = lookup(engine, nik)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        found += record is not None
    print(
        f"\n== lookup: {len(niks):,} NIKs ({len(present):,} listed, {len(absent):,} not)\n"
        f"  wall {_percentiles(times)}\n  CPU  {_percentiles(cpu)}\n  found {found:,}"
    )
    people = rng.sample(data.people, min(queries, len(data.people)))
    times, cpu = [], []
    hits = 0
    for nik, name, born in people:
        typo = nik[:13] + str((int(nik[13]) + 1) % 10) + nik[14:]  # one OCR slip
        start, start_cpu = time.perf_counter(), time.process_time()
        found_list = candidates(engine, typo, name, born)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        hits += any(record.nik == nik for record, _ in found_list)
    print(
        f"\n== candidates (NIK one digit off + name and birth date): {len(people):,} queries\n"
        f"  wall {_percentiles(times)}\n  CPU  {_percentiles(cpu)}\n"
        f"  true person among candidates: {hits:,}/{len(people):,}"
    )


def _has_calamine() -> bool:
    from pipeline.cases.deactivation_list import _calamine

    return _calamine() is not None


def _load() -> str:
    """The machine's load: the figures above are wall times on shared cores."""
    try:
        return Path("/proc/loadavg").read_text().split(" ", 1)[0]
    except OSError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--lookups", type=int, default=10_000)
    parser.add_argument("--candidates", type=int, default=1_000)
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    parser.add_argument("--import-child", nargs=2, metavar=("FILE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.import_child:
        import_child(Path(args.import_child[0]), args.import_child[1])
        return
    with tempfile.TemporaryDirectory(prefix="bench-list-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        if args.rows:
            start = time.perf_counter()
            data = generate(work / "bnba.csv", args.rows, args.seed)
            print(f"generated {data.rows:,} CSV rows in {time.perf_counter() - start:.1f} s")
            print(f"load average before importing: {_load()} on {os.cpu_count()} cores")
            url = run_import("CSV", data, work / "state.sqlite")
            bench_queries(url, data, args.lookups, args.candidates, args.seed)
        if args.xlsx_rows:
            start = time.perf_counter()
            xlsx = generate(work / "bnba.xlsx", args.xlsx_rows, args.seed + 1)
            print(f"\ngenerated {xlsx.rows:,} XLSX rows in {time.perf_counter() - start:.1f} s")
            reader = "python-calamine" if _has_calamine() else "openpyxl"
            print(f"load average: {_load()}; XLSX reader: {reader}")
            run_import("XLSX", xlsx, work / "state-xlsx.sqlite")


if __name__ == "__main__":
    main()
