"""Throughput on one machine, against what a user would otherwise run on the same files.

    python tests/benchmarks/bench_throughput.py --count 10          # speed and accuracy
    python tests/benchmarks/bench_throughput.py --pages 1000 --only-memory

The denominator is bare Tesseract on the files as received (`tesseract FILE - -l ind`; a PDF
rendered at 300 dpi by pypdfium2 first), the same files, the same number of processes, no OCR
cache: not our prepared pages, whose size grows with our own enlargement (that older ratio is
still printed, second). Per capture (clean 300-dpi scan, skewed 200-dpi scan with dust, phone
photo, WhatsApp image, image-only PDF; `fixtures.capture`), `--count` files each: pages per
minute of our whole chain (`extract_many`) and of bare Tesseract (and, for photos, bare PP-OCR
on the raw image), their ratio, document type / NIK / all-fields exact beside them (a faster
reader that reads worse is not faster), and from a one-file-at-a-time pass the CPU seconds per
page of our preparation, the first Tesseract reading, orientation recovery, PP-OCR's first
reading and every second reading. Then the issue's mix (the four image captures in one batch):
ours / bare, pages per minute per core, and the 1 → N workers speed-up. The process is warmed
up on one photo first (a worker that lives for the batch builds spaCy, the region tables and
PP-OCR once). Asserts nothing: run it on a quiet machine, several times.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import pypdfium2 as pdfium
from PIL import Image

import pipeline.reading.extract as extract_module
from extractors.classify import classify
from extractors.doc_types import extract_fields
from extractors.lines import group_lines
from fixtures.capture import CONDITIONS
from fixtures.document import DOC_TYPES
from fixtures.generate import generate
from models import Word
from pipeline.config import Settings
from pipeline.reading.batch import extract_many
from pipeline.reading.extract import ReadPage, extract_file
from pipeline.reading.ingest import PageImage
from pipeline.reading.ocr import words_from_data
from pipeline.reading.read import Cost, RasterRead

PHOTO_CONDITIONS = ("phone_photo", "whatsapp")


def mixed_batch(seed: int, pages: int, out: Path) -> list[Path]:
    """About `pages` pages of all four document types in every format, some as photos."""
    per_type = max(1, pages // len(DOC_TYPES))
    truths = sorted(out.glob("*.truth.json")) or generate(
        seed, out, dict.fromkeys(DOC_TYPES, per_type)
    )
    files = []
    rng = random.Random(seed)
    for truth in truths:
        stem = truth.name.removesuffix(".truth.json")
        source = next(
            p for p in sorted(out.glob(f"{stem}.*")) if p.suffixes[-2:-1] != [".photo"]
            and not p.name.endswith(".json")
        )  # fmt: skip
        if source.suffix == ".png" and rng.random() < 0.5:
            photo = out / f"{stem}.photo.jpg"
            if not photo.exists():
                condition = rng.choice(PHOTO_CONDITIONS)
                image, _, _ = CONDITIONS[condition](Image.open(source), random.Random(stem))
                image.convert("RGB").save(photo, quality=90)
            files.append(photo)
        else:
            files.append(source)
    return files


def run_ours(files: list[Path], workers: int) -> tuple[float, int]:
    """(wall seconds, pages) for the whole chain with `workers` files in parallel."""
    settings = Settings(concurrency=workers, ocr_cache_dir=None)
    start = time.perf_counter()
    pages = sum(
        max(1, len(e.pages))
        for found in extract_many([(p, p.name) for p in files], settings)
        for e in found
    )
    return time.perf_counter() - start, pages


def run_bare(images: list[tuple[Path, int]], workers: int, settings: Settings) -> float:
    """Bare `tesseract` CLI on the prepared pages, one single-threaded process per core."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(item: tuple[Path, int]) -> None:
        path, dpi = item
        subprocess.run(
            ["tesseract", str(path), "stdout", "-l", settings.ocr_languages,
             "--psm", str(settings.ocr_psm), "--oem", "1", "--dpi", str(dpi), "tsv"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, images))
    return time.perf_counter() - start


class TreeMemory:
    """Peak resident memory of this process and all its children (the Tesseracts), sampled
    from /proc every 0.1 s: a batch's real footprint, not one process's."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            pids = [os.getpid(), *_descendants(os.getpid())]
            self.peak_mb = max(self.peak_mb, sum(_rss_kb(pid) for pid in pids) / 1024)


def _descendants(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    found = [int(c) for c in children]
    return found + [d for c in found for d in _descendants(c)]


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


CAPTURES = ("clean", "scan_200dpi", "phone_photo", "whatsapp", "pdf")
MIX = ("clean", "scan_200dpi", "phone_photo", "whatsapp")  # the 40-image mix


def capture_sets(seed: int, count: int, root: Path) -> dict[str, list[tuple[Path, dict]]]:
    """`count` files per capture, with their truth: the four image captures of one set of
    generated pages (`fixtures.capture`), and image-only PDFs of a second set."""
    from bench_capture import capture_set

    per_type = -(-count // len(DOC_TYPES))
    clean = root / "clean-source"
    if not any(clean.glob("*.truth.json")):
        generate(seed, clean, dict.fromkeys(DOC_TYPES, per_type), {"png": 1})
    sets = {c: _spread(capture_set(clean, c, root / c), count) for c in MIX}
    pdf = root / "pdf"
    if not any(pdf.glob("*.truth.json")):
        generate(seed + 1, pdf, dict.fromkeys(DOC_TYPES, per_type), {"pdf_image": 1})
    truths = [json.loads(t.read_text()) for t in sorted(pdf.glob("*.truth.json"))]
    sets["pdf"] = _spread([(pdf / t["file"], t) for t in truths], count)
    return sets


def _spread(items: list[tuple[Path, dict]], count: int) -> list[tuple[Path, dict]]:
    """`count` items taking the document types in turn (the set is sorted by type)."""
    by_type: dict[str, list] = {}
    for item in items:
        by_type.setdefault(item[1]["doc_type"], []).append(item)
    turns = [t for group in zip(*by_type.values(), strict=False) for t in group]
    return turns[:count]


@dataclass
class Run:
    """One reader over one set of files: wall seconds, CPU seconds (this process's threads
    and its reaped children: on a shared machine the steadier figure), pages, and the (truth,
    doc type, fields) of each file for scoring."""

    seconds: float
    cpu: float
    pages: int
    pairs: list

    def __add__(self, other: Run) -> Run:
        return Run(
            self.seconds + other.seconds,
            self.cpu + other.cpu,
            self.pages + other.pages,
            self.pairs + other.pairs,
        )


class Clock:
    """Wall and CPU seconds (process and reaped children) of a `with` block."""

    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds, self.cpu = time.perf_counter() - self._wall, _cpu() - self._cpu


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + usage.ru_utime + usage.ru_stime


def ours(items: list[tuple[Path, dict]], workers: int) -> Run:
    """The whole chain (`extract_many`), `workers` files at a time, no OCR cache."""
    from bench_capture import reading

    settings = Settings(concurrency=workers, ocr_cache_dir=None)
    with Clock() as clock:
        found = list(extract_many([(p, p.name) for p, _ in items], settings))
    pages = sum(max(1, len(e.pages)) for f in found for e in f)
    pairs = [reading(truth, f[0]) for (_, truth), f in zip(items, found, strict=True)]
    return Run(clock.seconds, clock.cpu, pages, pairs)


def bare(items: list[tuple[Path, dict]], workers: int, engine: str = "tesseract") -> Run:
    """What a user would run on the files as received, `workers` at a time: `tesseract FILE -
    -l ind` (tsv, for scoring), a PDF first rendered at 300 dpi by pypdfium2 (the library
    behind Chrome's viewer; `pdftoppm -r 300` does the same); or PP-OCR on the raw image
    (`engine="ppocr"`, already loaded). Our extractors then score the words, untimed."""
    with tempfile.TemporaryDirectory(prefix="bare-", dir=_shm()) as tmp:

        def one(index: int) -> list[list[Word]]:
            path = items[index][0]
            images = _rendered(path, Path(tmp) / str(index)) if path.suffix == ".pdf" else [path]
            return [_bare_words(image, engine) for image in images]

        with Clock() as clock, ThreadPoolExecutor(max_workers=workers) as pool:
            pages = list(pool.map(one, range(len(items))))
    pairs = []
    for (_, truth), words in zip(items, pages, strict=True):
        lines = group_lines([w for page in words for w in page])
        doc_type = classify(lines).doc_type
        result = extract_fields(doc_type, lines)
        fields = {k: f.value for k, f in result.fields.items()}
        fields["_members"] = [m.nik for m in result.members]
        pairs.append((truth, doc_type.value, fields))
    return Run(clock.seconds, clock.cpu, sum(len(p) for p in pages), pairs)


def _rendered(pdf: Path, stem: Path) -> list[Path]:
    document = pdfium.PdfDocument(pdf)
    paths = []
    for index in range(len(document)):
        path = stem.with_name(f"{stem.name}-{index + 1}.png")
        document[index].render(scale=300 / 72, grayscale=True).to_pil().save(path, dpi=(300, 300))
        paths.append(path)
    return paths


def _bare_words(path: Path, engine: str) -> list[Word]:
    if engine == "ppocr":
        from pipeline.reading import ppocr

        return ppocr.read_image(cv2.imread(str(path)))
    out = subprocess.run(
        ["tesseract", str(path), "-", "-l", "ind", "tsv"],
        env={**os.environ, "OMP_THREAD_LIMIT": "1"}, check=True, capture_output=True, text=True,
    )  # fmt: skip
    rows = [r.split("\t") for r in out.stdout.splitlines()]
    data = {
        name: [r[i] for r in rows[1:] if len(r) == len(rows[0])] for i, name in enumerate(rows[0])
    }
    return words_from_data(data, 1)


def _shm() -> str | None:
    return "/dev/shm" if Path("/dev/shm").is_dir() else None


def cpu_per_page(items: list[tuple[Path, dict]], count: int) -> dict[str, float]:
    """CPU seconds per page of each part of the chain, the first `count` files (the set
    takes the document types in turn) read one at a time, the children's clock being exact
    only then: our preparation of the page (`read_raster`'s own work), the first Tesseract
    reading, orientation recovery (OSD, a turned reading), PP-OCR's first reading (its
    models), the second readings of validation and field rereads (Tesseract crops and
    PP-OCR's models), and everything else in our process (decoding, PP-OCR's own pre- and
    post-processing, lines, classification, extraction)."""
    from pipeline.reading import ppocr

    settings = Settings(concurrency=1, ocr_cache_dir=None)
    first = Cost()  # `second`: PP-OCR's model seconds inside `read_raster`
    original = extract_module.read_raster

    def read_and_count(*args: object, **kwargs: object) -> RasterRead:
        engine = ppocr.cpu_seconds()
        raster = original(*args, **kwargs)
        first.add(Cost(prep=raster.cost.prep, ocr=raster.cost.ocr, extra=raster.cost.extra))
        first.second += ppocr.cpu_seconds() - engine
        return raster

    tess = model = process = 0.0
    chosen = items[:count]
    extract_module.read_raster = read_and_count
    try:
        for path, _ in chosen:
            children, started, engine = _children_cpu(), time.process_time(), ppocr.cpu_seconds()
            extract_file(path, path.name, settings)
            tess += _children_cpu() - children
            model += ppocr.cpu_seconds() - engine
            process += time.process_time() - started
    finally:
        extract_module.read_raster = original
    total = {
        "prep": first.prep,
        "tess": first.ocr,
        "osd": first.extra,
        "ppocr": first.second,
        "2nd": tess - first.ocr - first.extra + model - first.second,
        "other": process - model - first.prep,
    }
    return {k: v / max(1, len(chosen)) for k, v in total.items()}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def accuracy(pairs: list) -> str:
    from bench_capture import pct, score

    s = score(pairs)
    return f"{pct(s['doc_type']):>17} {pct(s['nik']):>17} {pct(s['all_fields']):>19}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=7070)
    parser.add_argument("--count", type=int, default=10, help="files per capture")
    parser.add_argument("--captures", nargs="*", default=list(CAPTURES))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timing-pages", type=int, default=4, help="per capture, one at a time")
    parser.add_argument("--speedup", action="store_true", help="the mix with 1 and N workers")
    parser.add_argument("--pages", type=int, default=1000, help="with --only-memory")
    parser.add_argument("--only-memory", action="store_true", help="one N-worker pass: memory")
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    args = parser.parse_args()
    os.environ["OMP_THREAD_LIMIT"] = "1"
    sys.path.insert(0, str(Path(__file__).parent))
    if args.only_memory:
        return memory_only(args)

    sets = capture_sets(args.seed, args.count, args.out / f"throughput-{args.seed}-{args.count}")
    warm_up(sets)
    n = args.workers
    print(
        f"{args.count} files per capture, workers={n}, cores={os.cpu_count()}; bare = "
        f"`tesseract FILE - -l ind` on the raw file (PDF: pypdfium2 at 300 dpi first)"
    )
    parts = " ".join(f"{k:>5}" for k in ("prep", "tess", "osd", "ppocr", "2nd", "other"))
    print(f"\n{HEADER}   CPU s/page: {parts}")
    prepared = Path(tempfile.mkdtemp(prefix="prepared-", dir=_shm()))
    mix: dict[str, Run] = {}
    for capture in args.captures:
        items = sets[capture]
        runs = {"ours": _keeping(items, n, prepared if capture in MIX else None)}
        runs["bare tess"] = bare(items, n)
        if capture in PHOTO_CONDITIONS:
            runs["bare ppocr"] = bare(items, n, "ppocr")
        cpu = cpu_per_page(items, args.timing_pages)
        for reader, run in runs.items():
            costs = (
                " " * 15 + " ".join(f"{v:5.2f}" for v in cpu.values()) if reader == "ours" else ""
            )
            print(line(capture, reader, run, runs["bare tess"]) + costs)
            if capture in MIX and reader != "bare ppocr":
                mix[reader] = mix[reader] + run if reader in mix else run
        sys.stdout.flush()
    if set(MIX) <= set(args.captures):
        print(line("mix", "ours", mix["ours"], mix["bare tess"]))
        print(line("mix", "bare tess", mix["bare tess"], mix["bare tess"]))
        print(f"mix: the {mix['ours'].pages} images of {', '.join(MIX)} (the issue's batch)")
        print(f"ours: {mix['ours'].pages / mix['ours'].seconds * 60 / n:.1f} pages/min per core")
        images = [(p, int(p.stem.rsplit("-", 1)[1])) for p in sorted(prepared.glob("*.pnm"))]
        with Clock() as clock:
            run_bare(images, n, Settings())
        print(
            f"old ratio: bare tesseract on the {len(images)} pages we prepared: "
            f"{clock.seconds:.1f} s, ours / bare-on-prepared = "
            f"{mix['ours'].seconds / clock.seconds:.2f} (CPU {mix['ours'].cpu / clock.cpu:.2f})"
        )
        if args.speedup:
            speedup([item for capture in MIX for item in sets[capture]], n)
    shutil.rmtree(prepared)
    return 0


HEADER = (
    f"{'capture':<12} {'reader':<11} {'pages/min':>9} {'x bare':>6} {'CPU s/p':>7} {'x bare':>6} "
    f"{'doc type':>17} {'NIK exact':>17} {'all fields':>19}"
)


def line(capture: str, reader: str, run: Run, base: Run) -> str:
    """One row: speed (wall and CPU, each over bare Tesseract's) and accuracy."""
    return (
        f"{capture:<12} {reader:<11} {run.pages / run.seconds * 60:>9.1f} "
        f"{run.seconds / base.seconds:>6.2f} {run.cpu / run.pages:>7.2f} "
        f"{run.cpu / base.cpu:>6.2f} {accuracy(run.pairs)}"
    )


def warm_up(sets: dict[str, list[tuple[Path, dict]]]) -> None:
    """Untimed: one photo through the whole chain, so that spaCy's pipeline, the region
    tables and PP-OCR's sessions are built, as in a worker that lives for the batch."""
    photos = sets.get("phone_photo") or next(iter(sets.values()))
    ours(photos[:1], 1)


def speedup(mix: list[tuple[Path, dict]], n: int) -> None:
    """The mix in one batch with 1 and with n workers."""
    one, many = ours(mix, 1), ours(mix, n)
    print(
        f"1 → {n} workers on the mix in one batch: {one.seconds:.1f} s → {many.seconds:.1f} s "
        f"= {one.seconds / many.seconds:.2f}x; {many.pages / many.seconds * 60:.1f} pages/min, "
        f"{many.pages / many.seconds * 60 / n:.1f} per core"
    )


def _keeping(items: list[tuple[Path, dict]], workers: int, keep: Path | None) -> Run:
    """`ours`, every prepared page also saved in `keep` (a PNM write in memory per page,
    counted against us) for the old ratio."""
    if keep is None:
        return ours(items, workers)
    original = extract_module.read_page

    def read_and_keep(page: PageImage, settings: Settings) -> ReadPage:
        read = original(page, settings)
        if read.image is not None:
            name = f"{threading.get_ident()}-{time.perf_counter_ns()}-{page.page.dpi}.pnm"
            cv2.imwrite(str(keep / name), read.image)
        return read

    extract_module.read_page = read_and_keep
    try:
        return ours(items, workers)
    finally:
        extract_module.read_page = original


def memory_only(args: argparse.Namespace) -> int:
    """Peak memory of one batch of about `--pages` mixed pages, `--workers` at a time."""
    files = mixed_batch(args.seed, args.pages, args.out / f"throughput-{args.seed}-{args.pages}")
    print(f"batch: {len(files)} files, workers={args.workers}, cores={os.cpu_count()}")
    extract_file(files[0], files[0].name, Settings(ocr_cache_dir=None))  # warm up, untimed
    with TreeMemory() as memory:
        wall, pages = run_ours(files, args.workers)
    print(
        f"ours, {args.workers} workers: {pages} pages in {wall:.1f} s = "
        f"{pages / wall * 60:.1f} pages/min"
    )
    print(f"peak memory of the process tree (ours + Tesseracts): {memory.peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
