"""The quality gate per capture condition: how often each warning fires, and is it right?

    python tests/benchmarks/bench_quality.py --seed 4242 --count 10
    python tests/benchmarks/bench_quality.py --seed 4242 --count 2 --no-ocr

A clean set is generated (PNG, 300 dpi, `--count` documents per type). Every page is put
through the good conditions of `fixtures.capture` (where the gate must stay silent; by
default the citizens' photos on surfaces, `capture.PHOTOS`, and WhatsApp) and the bad
conditions of `fixtures.gate_conditions` in their mild and strong variants (where it must
name the condition). For speed, the five bad conditions of a page degrade one shared phone
photo (`gate_conditions.shoot`); each capture is seeded by seed, document and condition, and
kept under the set's `captures/` (JPEG 95, as `fixtures.submissions` saves them), so a rerun
after a change to the gate only measures. The gate sees what `read_raster` gives it: a
photo's text lines from the detector (`--no-lines`: the gate alone, as with one engine).

Prints, per condition: how often each code fires (the confusion), the share of images that
get their own code (bad) or any code (good: false warnings), how close each condition came
to the thresholds, the measuring time per page and, unless --no-ocr, the NIK exact rate of
our full raster chain (`read_raster`, then the extractors; pages whose truth prints a NIK),
so we know whether e.g. "blurry" photos really are unreadable. The WhatsApp condition is the
NIK reference. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
from PIL import Image

from extractors.classify import classify
from extractors.doc_types import extract_fields
from extractors.lines import group_lines
from fixtures.capture import CONDITIONS as GOOD
from fixtures.capture import PHOTOS, save_capture
from fixtures.document import DOC_TYPES
from fixtures.gate_conditions import DEGRADE, EXPECTED_CODE, TRULY_LOST, Shot, apply, shoot
from fixtures.generate import generate
from pipeline.reading.ocr import OcrOptions, OcrTimeout
from pipeline.reading.page import TextLines, find_text_lines
from pipeline.reading.preprocess import find_page_quad, to_gray
from pipeline.reading.quality import (
    BLUR_RATIO,
    BLUR_WIDTH,
    DARK_THRESHOLD,
    GLARE_FADE,
    Quality,
    measure,
)
from pipeline.reading.read import is_photo, read_raster

CODES = ("blurry", "too_dark", "glare", "cut_off", "too_small")
NIK_REFERENCE = ("whatsapp",)  # good conditions also read by OCR, as the baseline
GOOD_DEFAULT = (*PHOTOS, "whatsapp")


def pixels(image: Image.Image) -> np.ndarray:
    """The array `ingest` hands to `read_raster`: grey stays grey, the rest becomes RGB."""
    return np.asarray(image.convert("L" if image.mode in ("1", "L") else "RGB"))


def text_lines(image: Image.Image, gray: np.ndarray) -> TextLines | None:
    """The photo's text lines as `read_raster` finds them before judging it (None: a scan)."""
    arr = pixels(image)
    return find_text_lines(arr) if is_photo(find_page_quad(arr), gray) else None


def cached(path: Path, make: Callable[[], tuple]) -> tuple[Image.Image, dict]:
    """A capture from the cache beside its details, or made and kept there."""
    details_path = path.with_name(path.name + ".details.json")
    if details_path.exists():
        image_path = next(p for p in path.parent.glob(path.name + ".*") if p != details_path)
        return Image.open(image_path), json.loads(details_path.read_text())
    image, fmt, details = make()
    save_capture(image, fmt, path)
    details_path.write_text(json.dumps(details))
    return image, details


class Photo:
    """One phone photo of a page that the bad conditions degrade, shot on first need (a
    rerun whose captures are all kept shoots none)."""

    def __init__(self, page: Image.Image, rng: random.Random, with_box: bool) -> None:
        self.page, self.rng, self.with_box = page, rng, with_box
        self.shot: Shot | None = None

    def degrade(self, name: str, variant: str, rng: random.Random) -> tuple:
        if self.shot is None:
            self.shot = shoot(self.page, self.rng, with_box=self.with_box)
        return apply(name, self.shot, rng, strong=variant == "strong")


def nik_read(image: Image.Image, truth: dict) -> bool | str | None:
    """Did the full chain read the printed NIK exactly? None when the page prints none,
    "timeout" when OCR gave up (the pipeline reads nothing then)."""
    expected = truth["fields"].get("nik")
    if expected is None:
        return None
    dpi = image.info.get("dpi", (300, 300))[0]
    try:
        raster = read_raster(pixels(image), round(dpi) or 300, 1, OcrOptions())
    except OcrTimeout:
        return "timeout"
    lines = group_lines(raster.words)
    doc_type = classify(lines).doc_type
    if doc_type.value != truth["doc_type"]:
        return False
    field = extract_fields(doc_type, lines).fields.get("nik")
    return field is not None and field.value == expected


class Tally:
    """Counts per row (condition and variant): images, codes fired, NIK right/total."""

    def __init__(self) -> None:
        self.images: Counter[str] = Counter()
        self.fired: dict[str, Counter[str]] = defaultdict(Counter)
        self.silent: Counter[str] = Counter()
        self.nik: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self.seconds: list[float] = []
        self.timeouts: Counter[str] = Counter()
        self.figures: dict[str, list[Quality]] = defaultdict(list)
        self.lost: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])

    def add(
        self,
        row: str,
        image: Image.Image,
        truth: dict,
        ocr: bool,
        lines: bool,
        lost: float | None = None,
    ) -> list[str]:
        gray = to_gray(pixels(image))
        found = text_lines(image, gray) if lines else None
        start = time.perf_counter()
        quality = measure(gray, found)
        self.seconds.append(time.perf_counter() - start)
        codes = quality.codes()
        self.figures[row].append(quality)
        self.images[row] += 1
        self.fired[row].update(codes)
        self.silent[row] += not codes
        if lost is not None:  # [lost: own code, lost, nothing lost: own code, nothing lost]
            own = EXPECTED_CODE[row.split(":")[0]] in codes
            at = 0 if lost >= TRULY_LOST else 2
            self.lost[row][at] += own
            self.lost[row][at + 1] += 1
        if ocr:
            right = nik_read(image, truth)
            if right is not None:
                self.nik[row][0] += right is True
                self.nik[row][1] += 1
                self.timeouts[row] += right == "timeout"
        return codes


def pct(part: int, whole: int) -> str:
    return f"{part / whole:6.1%}" if whole else "    - "


def report(tally: Tally, good_rows: list[str], bad_rows: list[str], ocr: bool) -> None:
    header = f"{'condition':<22}{'n':>4} " + "".join(f"{c:>10}" for c in CODES)
    header += f"{'silent':>9}{'own code':>10}" + (f"{'NIK exact':>17}" if ocr else "")
    print("\n" + header)
    for row in good_rows + bad_rows:
        n = tally.images[row]
        cells = "".join(f"{pct(tally.fired[row][c], n):>10}" for c in CODES)
        name = row.rsplit(":", 1)[0]
        own = pct(tally.fired[row][EXPECTED_CODE[name]], n) if name in EXPECTED_CODE else "     "
        line = f"{row:<22}{n:>4} {cells}{pct(tally.silent[row], n):>9}{own:>10}"
        if ocr:
            right, total = tally.nik.get(row, [0, 0])
            line += f"{pct(right, total):>9} ({right}/{total})" if total else f"{'':>17}"
            if tally.timeouts[row]:
                line += f"  {tally.timeouts[row]} OCR timeouts"
        print(line)
    good_n = sum(tally.images[r] for r in good_rows)
    false = good_n - sum(tally.silent[r] for r in good_rows)
    print(f"\nfalse warnings on good captures: {false}/{good_n} ({pct(false, good_n).strip()})")
    for variant in ("strong", "mild"):
        rows = [r for r in bad_rows if r.endswith(variant)]
        hits = sum(tally.fired[r][EXPECTED_CODE[r.rsplit(":", 1)[0]]] for r in rows)
        total = sum(tally.images[r] for r in rows)
        print(f"detection, {variant} variants: {hits}/{total} ({pct(hits, total).strip()})")
    print(f"\nglare and cut-off by what they truly lose (>= {TRULY_LOST:.0%} of the letters):")
    for row in bad_rows:
        if row in tally.lost:
            hit, lost, quiet, kept = tally.lost[row]
            print(
                f"  {row:<20} text lost: own code {pct(hit, lost)} ({hit}/{lost}); "
                f"nothing lost: own code {pct(quiet, kept)} ({quiet}/{kept})"
            )
    print(
        "\nhow close to the thresholds (edge width px > "
        f"{BLUR_WIDTH} and ratio > {BLUR_RATIO}: blurry; paper < {DARK_THRESHOLD}: too dark; "
        f"glare > {GLARE_FADE}: glare)"
    )
    print(
        f"{'condition':<22}{'edge width max':>15}{'ratio max':>10}{'paper min':>10}"
        f"{'glare max':>10}  {'edge width min':>15}{'glare min':>10}"
    )
    for row in good_rows + bad_rows:
        qs = tally.figures[row]
        if not qs:
            continue
        edge = [q.edge_width for q in qs]
        glare = [q.glare for q in qs]
        print(
            f"{row:<22}{max(edge):>15.2f}{max(q.blur_ratio for q in qs):>10.2f}"
            f"{min(q.paper_brightness for q in qs):>10.0f}{max(glare):>10.2f}"
            f"  {min(edge):>15.2f}{min(glare):>10.2f}"
        )
    ms = np.array(tally.seconds) * 1000
    print(
        f"measure time per page: median {np.median(ms):.1f} ms, 95th percentile "
        f"{np.percentile(ms, 95):.1f} ms, max {ms.max():.1f} ms ({ms.size} pages)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--count", type=int, default=5, help="documents per type")
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    parser.add_argument("--no-ocr", action="store_true", help="skip the NIK rate (fast)")
    parser.add_argument("--no-lines", action="store_true", help="judge without text lines")
    parser.add_argument("--good", nargs="*", default=list(GOOD_DEFAULT), help="good conditions")
    parser.add_argument("--bad", nargs="*", default=list(DEGRADE), help="bad conditions")
    args = parser.parse_args()
    ocr = not args.no_ocr
    clean = args.out / f"quality-{args.seed}-{args.count}" / "clean-source"
    if not any(clean.glob("*.truth.json")):
        generate(args.seed, clean, dict.fromkeys(DOC_TYPES, args.count), {"png": 1})
    captures = clean.parent / "captures"
    captures.mkdir(exist_ok=True)
    truths = sorted(clean.glob("*.truth.json"))
    print(f"set: {clean} ({len(truths)} documents); OCR: {'on' if ocr else 'off'}")
    tally = Tally()
    good_rows = list(args.good)
    bad_rows = [f"{name}:{v}" for name in args.bad for v in ("strong", "mild")]
    lines = not args.no_lines
    started = time.perf_counter()
    for number, truth_path in enumerate(truths, 1):
        truth = json.loads(truth_path.read_text())
        stem = truth_path.name.removesuffix(".truth.json")
        page = Image.open(clean / truth["file"])
        for condition in good_rows:
            rng = random.Random(f"{args.seed}:{stem}:{condition}")
            image, _ = cached(captures / f"{stem}.{condition}", partial(GOOD[condition], page, rng))
            tally.add(condition, image, truth, ocr and condition in NIK_REFERENCE, lines)
        photo = Photo(page, random.Random(f"{args.seed}:{stem}:shot"), "cut_off" in args.bad)
        for row in bad_rows:
            name, variant = row.split(":")
            rng = random.Random(f"{args.seed}:{stem}:{name}:{variant}")
            image, details = cached(
                captures / f"{stem}.{name}-{variant}", partial(photo.degrade, name, variant, rng)
            )
            tally.add(row, image, truth, ocr, lines, details.get("text_lost"))
        print(
            f"  {number}/{len(truths)} {stem} ({time.perf_counter() - started:.0f} s)", flush=True
        )
    report(tally, good_rows, bad_rows, ocr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
