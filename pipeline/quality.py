"""Is a photo good enough to read? Measured before OCR; a failing page is still read.

Each check gives a warning code the reply to the citizen can name: `blurry`, `too_dark`,
`glare`, `cut_off`, `too_small`. The gate runs on every raster page, scans included, and a
false "your photo is blurry" costs the citizen a needless retake, so every threshold sits
well inside the good captures' range and errs towards silence (figures: the benchmark
`tests/benchmarks/bench_quality.py`, conditions: `fixtures/gate_conditions.py`).

All measures are relative, so they hold for a 4000 px camera file and a 1600 px WhatsApp copy,
for a KTP with big letters and a KK with small ones:
- blur is the width of ink edges as a share of the letter height;
- darkness is the brightness of the paper (text and shadows set aside);
- glare is a blown-out patch that rises above the page's smooth lighting and has no ink left;
- a cut-off page reaches the frame on some sides while the table shows on others.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from models import Notice

WORK_SIDE = 1600  # px: letters and edges are measured on a copy this size (WhatsApp's)
COARSE_SIDE = 400  # px: light, paper and page outline are measured on a copy this size

MIN_LONG_SIDE = 1000  # px; a page photo smaller than this is a thumbnail
BLUR_RATIO = 0.30  # edge width / letter height above which letters run together
DARK_THRESHOLD = 105  # brightness of the paper (0..255) below which the photo is too dark
GLARE_SHARE = 0.01  # share of the page blown out with its text gone
GLARE_RISE = 14  # grey levels above the page's smooth lighting that count as a reflection
BOUNDARY_STEP = 1.2  # paper / table brightness ratio that marks the page's outline
MIN_LETTERS = 40  # fewer letter-like blobs than this: no text to judge sharpness by

MESSAGES = {
    "too_small": "the photo is too small ({w}x{h} pixels); please send the original photo",
    "blurry": "the photo is blurry; please hold the phone still and photograph again",
    "too_dark": "the photo is too dark; please photograph in a brighter place",
    "glare": "part of the page is hidden by glare; please avoid the flash or a lamp's reflection",
    "cut_off": "part of the page is cut off; please photograph the whole page",
}


@dataclass(frozen=True)
class Quality:
    width: int
    height: int
    letter_height: float  # median letter height, px on the work copy
    edge_width: float  # typical width of an ink edge, px on the work copy
    paper_brightness: float
    glare_share: float
    cut_sides: int  # sides where the page runs out of the frame

    @property
    def blur_ratio(self) -> float:
        return self.edge_width / self.letter_height if self.letter_height else 0.0

    def codes(self) -> list[str]:
        codes: list[str] = []
        small = max(self.width, self.height) < MIN_LONG_SIDE
        if small:
            codes.append("too_small")
        if not small and self.blur_ratio > BLUR_RATIO:  # a thumbnail's letters are all edge
            codes.append("blurry")
        if self.paper_brightness < DARK_THRESHOLD:
            codes.append("too_dark")
        if self.glare_share > GLARE_SHARE:
            codes.append("glare")
        if self.cut_sides:
            codes.append("cut_off")
        return codes

    def notices(self) -> list[Notice]:
        return [
            Notice(code=c, message=MESSAGES[c].format(w=self.width, h=self.height))
            for c in self.codes()
        ]


def _fit(gray: np.ndarray, side: int) -> np.ndarray:
    scale = side / max(gray.shape[:2])
    if scale >= 1:
        return gray
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def measure(gray: np.ndarray) -> Quality:
    """Quality figures of a grayscale page (as `to_gray` gives it)."""
    h, w = gray.shape[:2]
    work = _fit(gray, WORK_SIDE)
    coarse = _fit(work, COARSE_SIDE)
    paper = _background(coarse)
    level = float(np.percentile(paper, 90))
    ink = work < 0.7 * cv2.resize(paper, (work.shape[1], work.shape[0]),
                                  interpolation=cv2.INTER_LINEAR)
    letter = _letter_height(ink)
    edge = _edge_width(work, paper, letter) if letter else 0.0
    return Quality(
        width=w,
        height=h,
        letter_height=letter,
        edge_width=edge,
        paper_brightness=level,
        glare_share=_glare_share(paper, ink),
        cut_sides=_cut_sides(paper, ink, level),
    )


def _background(coarse: np.ndarray) -> np.ndarray:
    """The paper without the text: a max filter wider than a stroke, then a median."""
    paper = cv2.dilate(coarse, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    return cv2.medianBlur(paper, 5)


def _letter_height(ink: np.ndarray) -> float:
    """Median height of letter-like ink blobs; 0 when there are too few to tell."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    h = stats[1:count, cv2.CC_STAT_HEIGHT]
    w = stats[1:count, cv2.CC_STAT_WIDTH]
    area = stats[1:count, cv2.CC_STAT_AREA]
    letters = h[(h >= 4) & (h <= 80) & (w <= 3 * h) & (area >= 8)]
    if letters.size < MIN_LETTERS:
        return 0.0
    return float(np.median(letters))


def _edge_width(work: np.ndarray, paper: np.ndarray, letter: float) -> float:
    """Typical rise distance of ink edges: local contrast / steepest slope.

    A step of contrast C blurred over w pixels has a slope of C/w at its centre; measured on
    the edge centres (local maxima of the gradient) with real contrast, so paper grain and
    JPEG noise, which are steep but faint, do not count.
    """
    img = work.astype(np.float32)
    gx = cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3)
    slope = cv2.magnitude(gx, gy) / 8.0
    k = max(5, int(letter) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    contrast = cv2.dilate(img, kernel) - cv2.erode(img, kernel)
    background = cv2.resize(paper, (work.shape[1], work.shape[0]),
                            interpolation=cv2.INTER_LINEAR).astype(np.float32)
    peak = slope >= cv2.dilate(slope, np.ones((3, 3), np.uint8))
    edges = peak & (contrast >= 0.35 * background) & (slope > 0)
    if edges.sum() < 50:
        return float(letter)  # no edge with real contrast: everything is smeared
    widths = contrast[edges] / slope[edges]
    return float(np.percentile(widths, 60))


def _glare_share(paper: np.ndarray, ink: np.ndarray) -> float:
    """Share of the page in the largest patch that is blown out, brighter than the page's
    smooth lighting would make it, and has lost its text."""
    blown = paper >= 248
    if not blown.any():
        return 0.0
    page = paper >= 0.5 * float(np.percentile(paper, 90))
    light = _lighting(paper, page & ~blown)
    if light is None:
        return 0.0
    rise = paper.astype(np.float32) - light
    h, w = paper.shape
    ink_small = cv2.resize(ink.astype(np.float32), (w, h), interpolation=cv2.INTER_AREA)
    inked = cv2.blur(ink_small, (5, 5)) > 0.01
    glare = (blown & (rise >= GLARE_RISE) & ~inked).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(glare)
    if count < 2:
        return 0.0
    largest = int(stats[1:, cv2.CC_STAT_AREA].max())
    return largest / max(1, int(page.sum()))


def _lighting(paper: np.ndarray, sample: np.ndarray) -> np.ndarray | None:
    """A plane fitted to the unclipped paper, dropping shadows and halos on the way."""
    ys, xs = np.nonzero(sample[::2, ::2])
    if ys.size < 200:
        return None
    ys, xs = ys * 2, xs * 2
    h, w = paper.shape
    values = paper[ys, xs].astype(np.float32)
    design = np.column_stack([np.ones_like(values), xs / w, ys / h]).astype(np.float32)
    keep = np.ones(values.size, bool)
    coef = np.zeros(3, np.float32)
    for _ in range(4):
        coef, *_ = np.linalg.lstsq(design[keep], values[keep], rcond=None)
        residual = values - design @ coef
        spread = max(3.0, 1.5 * float(np.median(np.abs(residual[keep]))))
        keep = np.abs(residual) <= 2.5 * spread
        if keep.sum() < 100:
            return None
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    return coef[0] + coef[1] * xx / w + coef[2] * yy / h


def _cut_sides(paper: np.ndarray, ink: np.ndarray, level: float) -> int:
    """Sides where the page runs out of the frame.

    In a photo the table shows around the page: on each side, the outline is a step from
    darker to brighter going inwards. Sides without that step whose edge is paper-bright are
    cut, provided at least one side shows the table (else this is a scan, or the page fills
    the frame: then only text touching two edges says cut).
    """
    sides = [paper, paper[::-1, :], paper.T, paper[:, ::-1].T]  # row 0 at the frame edge
    closed = [_has_outline(s) for s in sides]
    if not any(closed):
        return _edges_with_ink(ink)
    if all(closed):
        return 0
    cut = 0
    for side, is_closed in zip(sides, closed, strict=True):
        if is_closed:
            continue
        rim = side[: max(2, side.shape[0] // 50), side.shape[1] // 5: -side.shape[1] // 5]
        if float(np.median(rim)) >= 0.5 * level:
            cut += 1
    return cut


def _has_outline(side: np.ndarray) -> bool:
    """True when, for most lines across the middle of this side (row 0 is the frame edge),
    darkness reaching the frame edge gives way to clearly brighter paper inside."""
    depth = max(8, int(0.35 * side.shape[0]))
    lines = side[:depth, side.shape[1] // 5: -side.shape[1] // 5].astype(np.float32) + 1.0
    d = 2
    start = max(d + 1, int(0.02 * side.shape[0]))
    outside = np.maximum.accumulate(lines, axis=0)  # brightest from the edge up to a row
    inside = lines[start + d:]
    before = outside[start - d: depth - 2 * d]
    steps = (inside >= BOUNDARY_STEP * before).any(axis=0)
    return float(steps.mean()) >= 0.5


def _edges_with_ink(ink: np.ndarray) -> int:
    """How many image edges have text-like ink touching them, when two or more do."""
    h, w = ink.shape
    m = max(2, int(0.01 * max(h, w)))
    strips = [ink[:m, :], ink[-m:, :], ink[:, :m], ink[:, -m:]]
    touching = sum(1 for s in strips if _has_text(s.astype(np.uint8)))
    return touching if touching >= 2 else 0


def _has_text(strip: np.ndarray) -> bool:
    """Several separate ink blobs (letters), not one long line (a table rule, a shadow edge)."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(strip)
    small_blobs = [i for i in range(1, count) if 4 < stats[i, cv2.CC_STAT_AREA] < strip.size / 20]
    return len(small_blobs) >= 6
