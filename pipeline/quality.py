"""Is a photo good enough to read? Measured before OCR; a failing page is still read.

Each check gives a warning code the reply to the citizen can name (CONTRACT-style codes):
`blurry`, `too_dark`, `glare`, `cut_off`, `too_small`. Thresholds are settings-free
constants tuned on generated captures (see the benchmark); they err towards silence, because
a false "your photo is blurry" costs the citizen a trip.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from models import Notice

MIN_LONG_SIDE = 1000  # px; below this a page of text cannot be read
BLUR_THRESHOLD = 60.0  # variance of the Laplacian on text at ~1600 px long side
DARK_THRESHOLD = 90  # median brightness of the paper (0..255)
GLARE_SHARE = 0.03  # share of the page blown out to pure white in a bright blob
CUT_MARGIN = 0.01  # ink this close to an edge on two or more sides: the page is cut off

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
    sharpness: float
    paper_brightness: float
    glare_share: float
    edges_with_ink: int

    def notices(self) -> list[Notice]:
        codes: list[str] = []
        if max(self.width, self.height) < MIN_LONG_SIDE:
            codes.append("too_small")
        if self.sharpness < BLUR_THRESHOLD:
            codes.append("blurry")
        if self.paper_brightness < DARK_THRESHOLD:
            codes.append("too_dark")
        if self.glare_share > GLARE_SHARE:
            codes.append("glare")
        if self.edges_with_ink >= 2:
            codes.append("cut_off")
        return [
            Notice(code=c, message=MESSAGES[c].format(w=self.width, h=self.height)) for c in codes
        ]


def measure(gray: np.ndarray) -> Quality:
    """Quality figures of a grayscale page, on a copy scaled to a 1600 px long side."""
    h, w = gray.shape[:2]
    scale = 1600 / max(h, w)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    sharpness = _sharpness(small)
    paper = float(np.percentile(small, 90))
    glare = _glare_share(small)
    return Quality(w, h, sharpness, paper, glare, _edges_with_ink(small))


def _sharpness(small: np.ndarray) -> float:
    """Variance of the Laplacian where there is text (edges), not over blank paper."""
    lap = cv2.Laplacian(small, cv2.CV_64F)
    mask = cv2.dilate((np.abs(lap) > 20).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    if mask.sum() < 500:
        return float(lap.var())
    return float(lap[mask].var())


def _glare_share(small: np.ndarray) -> float:
    """Share of the page in large blown-out blobs (a lamp or flash reflection)."""
    blown = (small >= 250).astype(np.uint8)
    if blown.mean() > 0.5:  # a white scan: bright everywhere is paper, not glare
        return 0.0
    count, _, stats, _ = cv2.connectedComponentsWithStats(blown)
    big = sum(
        stats[i, cv2.CC_STAT_AREA]
        for i in range(1, count)
        if stats[i, cv2.CC_STAT_AREA] > 0.005 * small.size
    )
    return float(big / small.size)


def _edges_with_ink(small: np.ndarray) -> int:
    """How many image edges have text-like ink touching them."""
    ink = cv2.adaptiveThreshold(
        small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15
    )
    h, w = ink.shape
    m = max(2, int(CUT_MARGIN * max(h, w)))
    strips = [ink[:m, :], ink[-m:, :], ink[:, :m], ink[:, -m:]]
    return sum(1 for s in strips if _has_text(s))


def _has_text(strip: np.ndarray) -> bool:
    """Several separate ink blobs (letters), not one long line (a table rule, a shadow edge)."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(strip)
    small_blobs = [i for i in range(1, count) if 4 < stats[i, cv2.CC_STAT_AREA] < strip.size / 20]
    return len(small_blobs) >= 6
