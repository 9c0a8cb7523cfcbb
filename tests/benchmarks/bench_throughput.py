"""Throughput on one machine: a mixed batch, every core busy with one Tesseract each.

    python tests/benchmarks/bench_throughput.py --pages 200            # speed figures
    python tests/benchmarks/bench_throughput.py --pages 1000 --only-memory

A mixed batch is generated (clean scans as PNG/JPEG/TIFF, image and text-layer PDFs, and a
quarter of the image documents as phone photos or WhatsApp images). It is read by our whole
per-file chain (`extract_many`, no OCR cache) with 1 and with N workers; the prepared pages our
chain hands to Tesseract are saved as it goes and read again by bare `tesseract` processes, N in
parallel — the engine's own limit on exactly the pixels we OCR. Prints pages per minute, our
wall time over bare Tesseract's, the 1 → N speed-up, and peak memory (our process and its
Tesseract children together). The process is warmed up on one file first (spaCy's pipeline,
the region tables: a running worker builds them once), and the prepared pages are kept in
memory (`/dev/shm`) so that keeping them costs our run next to nothing. Asserts nothing: run
it on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
from PIL import Image

import pipeline.reading.extract as extract_module
from fixtures.capture import CONDITIONS
from fixtures.document import DOC_TYPES
from fixtures.generate import generate
from pipeline.config import Settings
from pipeline.reading.batch import extract_many
from pipeline.reading.extract import ReadPage, extract_file
from pipeline.reading.ingest import PageImage

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


def run_ours(files: list[Path], workers: int, keep: Path | None = None) -> tuple[float, int]:
    """(wall seconds, pages) for the whole chain with `workers` files in parallel. With
    `keep`, every prepared page handed to Tesseract is also saved there (a PNM write per
    page, counted against us) for the bare-Tesseract comparison."""
    settings = Settings(concurrency=workers, ocr_cache_dir=None)
    original = extract_module.read_page
    if keep is not None:

        def read_and_keep(page: PageImage, settings: Settings) -> ReadPage:
            read = original(page, settings)
            if read.image is not None:
                name = f"{threading.get_ident()}-{time.perf_counter_ns()}-{page.page.dpi}.pnm"
                cv2.imwrite(str(keep / name), read.image)
            return read

        extract_module.read_page = read_and_keep
    try:
        start = time.perf_counter()
        pages = sum(
            max(1, len(e.pages))
            for found in extract_many([(p, p.name) for p in files], settings)
            for e in found
        )
        return time.perf_counter() - start, pages
    finally:
        extract_module.read_page = original


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=7070)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--single-sample", type=int, default=40, help="files for the 1-worker run")
    parser.add_argument("--only-memory", action="store_true", help="one N-worker pass: memory")
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    args = parser.parse_args()
    os.environ["OMP_THREAD_LIMIT"] = "1"

    files = mixed_batch(args.seed, args.pages, args.out / f"throughput-{args.seed}-{args.pages}")
    print(f"batch: {len(files)} files, workers={args.workers}, cores={os.cpu_count()}")
    extract_file(files[0], files[0].name, Settings(ocr_cache_dir=None))  # warm up, untimed
    shm = Path("/dev/shm")
    prepared = Path(tempfile.mkdtemp(prefix="prepared-", dir=shm if shm.is_dir() else None))
    with TreeMemory() as memory:
        wall, pages = run_ours(files, args.workers, None if args.only_memory else prepared)
    print(f"ours, {args.workers} workers: {pages} pages in {wall:.1f} s = "
          f"{pages / wall * 60:.1f} pages/min")  # fmt: skip
    print(f"peak memory of the process tree (ours + Tesseracts): {memory.peak_mb:.0f} MB")
    if args.only_memory:
        return 0

    sample = files[: args.single_sample]
    one_wall, _ = run_ours(sample, 1)
    many_wall, _ = run_ours(sample, args.workers)
    print(f"speed-up on {len(sample)} files: 1 worker {one_wall:.1f} s, {args.workers} workers "
          f"{many_wall:.1f} s = {one_wall / many_wall:.2f}x")  # fmt: skip

    images = [(p, int(p.stem.rsplit("-", 1)[1])) for p in sorted(prepared.glob("*.pnm"))]
    bare = run_bare(images, args.workers, Settings())
    shutil.rmtree(prepared)
    print(f"bare tesseract on our {len(images)} prepared pages, {args.workers} in parallel: "
          f"{bare:.1f} s; ours / bare = {wall / bare:.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
