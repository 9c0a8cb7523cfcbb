"""Is a photo good enough to read? Measured before OCR; a failing page is still read.

Each check gives a warning code the reply to the citizen can name: `blurry`, `too_dark`,
`glare`, `cut_off`, `too_small`. The gate runs on every raster page, scans included, and a
false "your photo is blurry" costs the citizen a needless retake, so every threshold sits
well outside the range of good captures and errs towards silence (figures:
`tests/benchmarks/bench_quality.py`; the bad captures: `fixtures/gate_conditions.py`).

The measures are relative, so they hold for a 4000 px camera file and a 1600 px WhatsApp copy,
for a KTP with big letters and a KK with small ones:
- blur: how wide ink edges are, in pixels of a 1600 px copy and as a share of letter height;
- darkness: the brightness of the paper, with the text taken away (shadows lie below it);
- glare: a blown-out patch in which the print fades to grey and is gone at the core;
- cut off: the page reaches the frame on some sides while the table shows on the others,
  and text runs into the frame there (a margin cut off loses nothing).

A photo read with two engines is judged by its text: `read_raster` finds its text lines once
(`page.find_text_lines`, to find the page) and hands them here. Then blur is measured on the
letters of those lines, glare only in a patch over the text block, and cut-off only where a
line comes within a line height of the frame's edge: a tiled floor's grout, a batik's motif or
a tablecloth's white checks at the frame's edge are not print (issue 17).

Cost: brightness maps come from an 800 px copy (halved first when the photo is big); edges
are measured on a few tiles of the densest text cut from the full image. About 15 ms for a
WhatsApp photo and 30 ms for a 12-megapixel camera file.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from models import Notice
from pipeline.reading.page import TextLines
from pipeline.reading.preprocess import work_copy

WORK_SIDE = 1600  # px: edges are measured at the scale of a WhatsApp photo
MID_SIDE = 800  # px: ink and print depth; paper and the page outline at half this
TILE = 160  # px at work scale: a tile of text where edges are measured
TILES = 8

MIN_LONG_SIDE = 1000  # px; a page photo smaller than this is a thumbnail
MIN_SIDE = 32  # px; below this on the short side only the size is judged
BLUR_WIDTH = 3.7  # px at work scale: good photos and scans measure 2.0-3.1, the small letters
# of a KTP photocopied on A4 or a KK small in the frame up to 3.55; mild blur from 4.0
BLUR_RATIO = 0.25  # edge width / letter height: big letters (a KTP) stand more blur
DARK_THRESHOLD = 100  # brightness of the paper (0..255) below which the photo is too dark
GLARE_AREA = 0.01  # share of the frame a blown-out patch must cover to be a reflection
GLARE_FADE = 0.5  # excess share of faded print there (good photos stay below ~0.45)
PAPER_SHARE = 0.85  # a background this bright beside the page's paper is paper
BOUNDARY_STEP = 1.2  # paper / table brightness ratio that marks the page's outline
OVER_BLOCK = 0.15  # share of a glare patch over the hull of the lines found (it hides the
# lines at the block's edge, so the hull shrinks away from it)
EDGE_REACH = 1.0  # line heights from the frame's edge within which text is cut off

MESSAGES = {
    "too_small": "the photo is too small ({w}x{h} pixels); please send the original photo",
    "blurry": "the photo is blurry; please hold the phone still and photograph again",
    "too_dark": "the photo is too dark; please photograph in a brighter place",
    "glare": "part of the page is hidden by glare; please avoid the flash or a lamp's reflection",
    "cut_off": "part of the page is cut off; please photograph the whole page",
}


@dataclass(frozen=True)
class Quality:
    """The figures behind the warnings, kept so a benchmark or a log can show how close a
    page came to each threshold."""

    width: int
    height: int
    letter_height: float  # median letter height, px at work scale (0: no text found)
    edge_width: float  # typical rise distance of an ink edge, px at work scale
    paper_brightness: float
    glare: float  # excess share of faded print in a blown-out patch, 0..1
    cut_sides: int  # sides where the page runs out of the frame

    @property
    def blur_ratio(self) -> float:
        return self.edge_width / self.letter_height if self.letter_height else 0.0

    def codes(self) -> list[str]:
        """Warning codes. A thumbnail is not judged for blur or glare (its letters are a few
        pixels), a dark photo is not called blurry (noise, not focus, is what its edges
        show), and a blurry one is not judged for glare (blur fades the print too)."""
        codes: list[str] = []
        small = max(self.width, self.height) < MIN_LONG_SIDE
        dark = self.paper_brightness < DARK_THRESHOLD
        if small:
            codes.append("too_small")
        if dark:
            codes.append("too_dark")
        if not small and not dark and self.edge_width > BLUR_WIDTH and self.blur_ratio > BLUR_RATIO:
            codes.append("blurry")
        if not small and "blurry" not in codes and self.glare > GLARE_FADE:
            codes.append("glare")
        if self.cut_sides:
            codes.append("cut_off")
        return codes

    def notices(self) -> list[Notice]:
        return [
            Notice(code=c, message=MESSAGES[c].format(w=self.width, h=self.height))
            for c in self.codes()
        ]


def measure(gray: np.ndarray, lines: TextLines | None = None) -> Quality:
    """Quality figures of a grayscale page (as `to_gray` gives it).

    `lines`: the text lines the detector found in a photo (`page.find_text_lines`, found
    once for reading it). With them the verdicts judge the text itself: blur on the letters
    of the detected lines, glare only over the text block where lines are lost, cut-off
    only where the text reaches the frame's edge. Without them (a scan, or one engine) the
    page's paper and print are measured as they look."""
    h, w = gray.shape[:2]
    if min(h, w) < MIN_SIDE:  # an icon or a sliver: nothing but its size can be judged
        return Quality(w, h, 0.0, 0.0, float(np.percentile(gray, 90)), 0.0, 0)
    mid, _ = work_copy(gray, MID_SIDE)
    coarse = cv2.resize(mid, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    paper = _background(coarse)
    level = float(np.percentile(paper, 90))
    background = cv2.resize(paper, (mid.shape[1], mid.shape[0]), interpolation=cv2.INTER_LINEAR)
    if lines is None:
        text = _print_on_paper(paper, background, level)
        glare = _glare(mid, paper, level, None)
        cut = _cut_sides(paper, mid < 0.7 * background, level)
    else:
        factor = mid.shape[1] / w
        text = _near_lines(lines, mid.shape, factor)
        glare = _glare(mid, paper, level, _TextBlock.of(lines, paper.shape, factor / 2))
        cut = _text_cut_sides(lines, (h, w))
    letter, edge = _letters_and_edges(gray, (mid < 0.85 * background) & text)
    if lines is not None and not edge:  # no letters on what was detected: not the text
        where = _print_on_paper(paper, background, level)
        letter, edge = _letters_and_edges(gray, (mid < 0.85 * background) & where)
    return Quality(
        width=w,
        height=h,
        letter_height=letter,
        edge_width=edge,
        paper_brightness=level,
        glare=float(glare),
        cut_sides=cut,
    )


def _print_on_paper(paper: np.ndarray, background: np.ndarray, level: float) -> np.ndarray:
    """Where to look for letters without detected lines: print (faint too: blurred print is
    faint), not the outline of the page against the table or of a card on the page; and on
    the paper: print lies on a background as bright as the page's (a wooden table's grain, a
    cloth's pattern lie on darker ground)."""
    size = background.shape[::-1]
    outline = cv2.resize(_outlines(paper), size, interpolation=cv2.INTER_NEAREST)
    return (outline == 0) & (background >= PAPER_SHARE * level)


def _line_mask(lines: TextLines, shape: tuple[int, ...], factor: float) -> np.ndarray:
    """The detected lines filled in, on an image `factor` times the photo's size."""
    mask = np.zeros(shape[:2], np.uint8)
    quads = np.round(lines.points.reshape(-1, 4, 2) * factor).astype(np.int32)
    cv2.fillPoly(mask, list(quads), 1)
    return mask


def _near_lines(lines: TextLines, shape: tuple[int, ...], factor: float) -> np.ndarray:
    """The detected lines grown by half a line height: their letters, not the surface."""
    grow = max(3, int(lines.thickness * factor)) | 1
    return cv2.dilate(_line_mask(lines, shape, factor), np.ones((grow, grow), np.uint8)) > 0


@dataclass(frozen=True)
class _TextBlock:
    """The detected lines and the hull of the text block they form, on the paper map."""

    lines: np.ndarray  # uint8 mask of the lines
    block: np.ndarray  # uint8 mask of their convex hull

    @classmethod
    def of(cls, lines: TextLines, shape: tuple[int, ...], factor: float) -> _TextBlock:
        block = np.zeros(shape[:2], np.uint8)
        hull = cv2.convexHull(np.round(lines.points * factor).astype(np.int32))
        cv2.fillConvexPoly(block, hull, 1)
        return cls(_line_mask(lines, shape, factor), block)

    def hides_text(self, patch: np.ndarray) -> bool:
        """True when the patch lies over the text block (`OVER_BLOCK`) without being the sheet
        itself. Whether the print there is lost is measured by its fading (`_glare`): the
        detector still finds lines under a veil that its recogniser can no longer read."""
        inside = patch > 0
        # Over the block, not holding most of its lines: blown paper around most of the text
        # is a white sheet in bright light (its print stays black), not a reflection.
        over = float(self.block[inside].mean()) >= OVER_BLOCK
        return over and self.lines[inside].sum() <= 0.5 * self.lines.sum()


def _background(coarse: np.ndarray) -> np.ndarray:
    """The paper without the text: a max filter wider than a stroke, then a median."""
    paper = cv2.dilate(coarse, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    return cv2.medianBlur(paper, 5)


def _outlines(paper: np.ndarray) -> np.ndarray:
    """Where the paper's brightness steps (the page against the table, a card on a page):
    more than 4% per pixel of this map, where shadows and uneven light change by 1% at most."""
    level = paper.astype(np.float32)
    slope = (
        cv2.magnitude(
            cv2.Sobel(level, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(level, cv2.CV_32F, 0, 1, ksize=3)
        )
        / 8.0
    )
    steps = (slope > 0.04 * np.maximum(level, 1)).astype(np.uint8)
    return cv2.dilate(steps, np.ones((7, 7), np.uint8))


def _letters_and_edges(gray: np.ndarray, ink: np.ndarray) -> tuple[float, float]:
    """Median letter height and edge width on tiles of the densest text, at work scale."""
    scale = min(1.0, WORK_SIDE / max(gray.shape[:2]))
    span = int(TILE / scale)  # tile size in original pixels
    rows, cols = gray.shape[0] // span, gray.shape[1] // span
    if rows == 0 or cols == 0:
        return 0.0, 0.0
    # Ink share per tile, from the ink map's part that the whole tiles cover.
    ratio = ink.shape[0] / gray.shape[0]
    covered = ink[: round(rows * span * ratio), : round(cols * span * ratio)]
    density = cv2.resize(covered.astype(np.float32), (cols, rows), interpolation=cv2.INTER_AREA)
    order = np.argsort(density, axis=None)[::-1][:TILES]
    heights: list[np.ndarray] = []
    widths: list[float] = []
    for index in order:
        r, c = divmod(int(index), cols)
        if density[r, c] < 0.02:
            break
        tile = gray[r * span : (r + 1) * span, c * span : (c + 1) * span]
        if scale < 1:
            tile = cv2.resize(tile, (TILE, TILE), interpolation=cv2.INTER_AREA)
        found = _tile_letters(tile)
        if found is None:
            continue
        letters, mask = found
        heights.append(letters)
        width = _tile_edge_width(tile, mask, float(np.median(letters)))
        if width:
            widths.append(width)
    if not heights or not widths:
        return 0.0, 0.0
    return float(np.median(np.concatenate(heights))), float(np.median(widths))


def _tile_letters(tile: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Heights of letter-like blobs in a tile and the mask of those blobs.

    Ink is what is darker than the middle of the local range (the middle between paper and
    ink stays put when a letter is blurred, so blurred letters keep their height).
    """
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15))
    high, low = cv2.dilate(tile, kernel), cv2.erode(tile, kernel)
    spread = high.astype(np.int16) - low.astype(np.int16)
    ink = (tile.astype(np.int16) * 2 < high.astype(np.int16) + low) & (spread * 4 > high)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8))
    y, h = stats[:, cv2.CC_STAT_TOP], stats[:, cv2.CC_STAT_HEIGHT]
    # Any width: a shaking hand smears letters into words and whole lines. Only the height
    # counts, so a blob cut by the tile's top or bottom is left out; rules are thinner than 4.
    whole = (y > 0) & (y + h < tile.shape[0])
    letter = whole & (h >= 4) & (h <= 80) & (stats[:, cv2.CC_STAT_AREA] >= 8)
    letter[0] = False
    if letter.sum() < 3:
        return None
    return h[letter], letter[labels]


def _tile_edge_width(tile: np.ndarray, letters: np.ndarray, height: float) -> float:
    """Typical rise distance of the letters' edges: local contrast / steepest slope.

    A step of contrast C blurred over w pixels rises at C/w at its steepest. Slopes are taken
    along four directions and the widest direction counts: a shaking hand smears edges along
    one direction only.
    """
    img = tile.astype(np.float32)
    k = max(5, int(height) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    contrast = cv2.dilate(img, kernel) - cv2.erode(img, kernel)
    near = cv2.dilate(letters.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    if near.sum() < 30:
        return 0.0
    gx = cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    widths = []
    for cos, sin in ((1.0, 0.0), (0.7071, 0.7071), (0.0, 1.0), (0.7071, -0.7071)):
        steepest = cv2.dilate(np.abs(gx * cos + gy * sin), kernel)
        widths.append(float(np.median(contrast[near] / np.maximum(steepest[near], 0.5))))
    return max(widths)


def _glare(mid: np.ndarray, paper: np.ndarray, level: float, text: _TextBlock | None) -> float:
    """How much more of the print is faded somewhere in a blown-out patch than on the rest of
    the page: 0 when nothing is, 1 when all of it is.

    A reflection lays a veil of light over the page: in its core ink and paper are both white,
    around the core the letters fade to grey. Paper blown out by uneven light, or a white
    scan, keeps its letters black. Print is measured by how far the darkest pixel nearby
    falls below the paper ("depth"); faded print has less than half the depth of sound ink
    (0.5 at least: a page whose every letter is veiled has no sound ink to compare with).
    Windows about a seventh of the photo wide are scored where they are centred in a patch
    that could be a reflection (`_reflection_candidates`); given the detected text, only a
    patch over the text block that hides its lines (a tablecloth's white checks do not).
    """
    patches = _reflection_candidates(paper, text)
    if patches is None:
        return 0.0
    background = cv2.resize(
        paper, (mid.shape[1], mid.shape[0]), interpolation=cv2.INTER_LINEAR
    ).astype(np.float32)
    blown = background >= 248
    candidate = (
        cv2.resize(patches, (mid.shape[1], mid.shape[0]), interpolation=cv2.INTER_NEAREST) > 0
    )
    darkest = cv2.erode(mid, np.ones((7, 7), np.uint8)).astype(np.float32)
    depth = 1 - darkest / np.maximum(background, 1)
    # Not the page's outline against the table (the darkest pixel near it is the table).
    page = cv2.erode((background >= 0.75 * level).astype(np.uint8), np.ones((17, 17), np.uint8))
    text = (depth >= 0.1) & (page > 0)
    if text.sum() < 200:
        return 0.0
    sound = max(0.5, float(np.median(depth[text])))
    faded = text & (depth < 0.5 * sound)
    # Faded share of the print outside the blown-out parts: the page's own light print (a
    # KTP's patterns). Capped: a reflection can veil about all the print there is.
    rest = int((text & ~blown).sum())
    elsewhere = min(0.6, (faded & ~blown).sum() / rest) if rest >= 200 else 0.3
    k = int(0.15 * max(mid.shape)) | 1
    # Only print inside the patch counts: the faded ring of a reflection lies in its blown part.
    printed = cv2.boxFilter((text & candidate).astype(np.float32), -1, (k, k), normalize=False)
    veiled = cv2.boxFilter((faded & candidate).astype(np.float32), -1, (k, k), normalize=False)
    judged = candidate & (printed >= 0.07 * k * k)  # enough print in the window
    here = float((veiled[judged] / printed[judged]).max()) if judged.any() else 0.0
    # A core that wiped out nearly all the print leaves too little for any window: then the
    # whole of the patches is one window.
    inside = int((text & candidate).sum())
    if inside >= 300:
        here = max(here, float((faded & candidate).sum()) / inside)
    return max(0.0, (here - elsewhere) / (1 - elsewhere))


def _reflection_candidates(paper: np.ndarray, text: _TextBlock | None) -> np.ndarray | None:
    """Mask of the blown-out patches that could be a reflection (None if there are none):
    1-60% of the frame (less is a speck, more a whole white page), not running along the
    frame's edge (a scanner's white fill around a tilted page, paper lit from outside) and,
    when the text lines are known, hiding some of them."""
    blown = (paper >= 248).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(blown)
    rim = np.zeros_like(blown)
    rim[0, :] = rim[-1, :] = rim[:, 0] = rim[:, -1] = 1
    outline = blown - cv2.erode(
        blown, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=0
    )
    keep = np.zeros(count, bool)
    for i in range(1, count):
        if not GLARE_AREA * blown.size <= stats[i, cv2.CC_STAT_AREA] <= 0.6 * blown.size:
            continue
        edge = outline[labels == i]
        on_frame = rim[labels == i][edge > 0]
        keep[i] = on_frame.sum() <= 0.2 * max(1, int(edge.sum()))
        if keep[i] and text is not None:
            keep[i] = text.hides_text((labels == i).astype(np.uint8))
    if not keep.any():
        return None
    return keep[labels].astype(np.uint8)


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
    strips = _edge_strips(ink)
    for side, is_closed, strip in zip(sides, closed, strips, strict=True):
        if is_closed:
            continue
        rim = side[: max(2, side.shape[0] // 50), side.shape[1] // 5 : -side.shape[1] // 5]
        # Paper at the frame edge, and text running into it: a margin cut off loses nothing.
        if float(np.median(rim)) >= 0.5 * level and _has_text(strip.astype(np.uint8)):
            cut += 1
    return cut


def _text_cut_sides(lines: TextLines, shape: tuple[int, int]) -> int:
    """Sides of the frame that the detected text runs into: its outermost line comes within
    `EDGE_REACH` line heights of that edge (a line cut through, or the frame's edge falling
    between lines with no margin left). A page's margin keeps its text further in."""
    h, w = shape
    x, y = lines.points[:, 0], lines.points[:, 1]
    reach = EDGE_REACH * lines.thickness
    return sum(d <= reach for d in (y.min(), h - y.max(), x.min(), w - x.max()))


def _has_outline(side: np.ndarray) -> bool:
    """True when, on a good share of the lines across the middle of this side (row 0 is the
    frame edge), darkness reaching the frame edge gives way to clearly brighter paper."""
    depth = min(side.shape[0], max(8, int(0.35 * side.shape[0])))
    lines = side[:depth, side.shape[1] // 5 : -side.shape[1] // 5].astype(np.float32) + 1.0
    d = 4  # px either side of the step: a blurred outline still steps within 8 px
    start = max(d + 1, int(0.02 * side.shape[0]))
    if lines.shape[1] == 0 or depth <= start + d:
        return False
    outside = np.maximum.accumulate(lines, axis=0)  # brightest from the edge up to a row
    inside = lines[start + d :]
    before = outside[start - d : depth - 2 * d]
    steps = (inside >= BOUNDARY_STEP * before).any(axis=0)
    # A cut side shows no step at all; a lamp's halo spilling over the table hides the step
    # on some lines of a closed side, never on most.
    return float(steps.mean()) >= 0.25


def _edges_with_ink(ink: np.ndarray) -> int:
    """How many image edges have text-like ink touching them, when two or more do."""
    touching = sum(1 for s in _edge_strips(ink) if _has_text(s.astype(np.uint8)))
    return touching if touching >= 2 else 0


def _edge_strips(ink: np.ndarray) -> list[np.ndarray]:
    """The ink map's strips along the top, bottom, left and right frame edges (1% wide)."""
    h, w = ink.shape
    m = max(2, int(0.01 * max(h, w)))
    return [ink[:m, :], ink[-m:, :], ink[:, :m], ink[:, -m:]]


def _has_text(strip: np.ndarray) -> bool:
    """Several separate ink blobs (letters), not one long line (a table rule, a shadow edge)."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(strip)
    small_blobs = [i for i in range(1, count) if 4 < stats[i, cv2.CC_STAT_AREA] < strip.size / 20]
    return len(small_blobs) >= 6
