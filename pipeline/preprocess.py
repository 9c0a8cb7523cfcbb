"""Image clean-up before OCR. Each step is a small function on a grayscale page.

Ruled lines are the first thing to go: Tesseract reads a table's vertical rules as `|`, `I`
or `(` glued to the first letter of a cell ("IKASIRAN" for "KASIRAN"), and horizontal rules
merge rows. Lines are found by morphological opening with kernels longer than any letter
stroke, then painted white.
"""

from __future__ import annotations

import cv2
import numpy as np

RULE_LENGTH_INCHES = 0.3  # longer than any letter stroke at body and heading sizes


def remove_rules(gray: np.ndarray, dpi: int = 300) -> np.ndarray:
    """The page with long horizontal and vertical lines painted white."""
    # Found at half resolution (4x less work; a rule stays a rule), painted at full.
    small = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    length = max(8, int(dpi * RULE_LENGTH_INCHES / 2))
    ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    horizontal = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1))
    )
    vertical = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length))
    )
    rules = cv2.bitwise_or(horizontal, vertical)
    if not rules.any():
        return gray
    rules = cv2.dilate(rules, np.ones((3, 3), np.uint8))
    rules = cv2.resize(rules, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_NEAREST)
    cleaned = gray.copy()
    cleaned[rules > 0] = 255
    return cleaned


def flatten_background(gray: np.ndarray, dpi: int = 300) -> np.ndarray:
    """Divide the page by its own background: tinted paper, a grey card on white paper,
    shadows and uneven light all become white, text stays dark.

    Tesseract's global Otsu threshold fails on a KTP photocopy (a grey card on a white page
    becomes one black block, and no word is read); after division it reads the card.
    The background is the page with text closed away (dilation removes dark strokes thinner
    than the kernel), estimated at a quarter of the resolution.
    """
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    size = max(3, int(dpi * 0.25 / 4) | 1)  # wider than a letter stroke, narrower than a card
    background = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    background = cv2.medianBlur(background, 5)
    background = cv2.resize(
        background, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR
    )
    flat = cv2.divide(gray, np.maximum(background, 1), scale=255)
    return flat


COLOUR_SATURATION = 30  # mean HSV saturation above which a page counts as colour


def to_gray(image: np.ndarray) -> np.ndarray:
    """Grayscale for OCR that drops colour: stamps, tinted security backgrounds, coloured
    letterhead lines.

    Black ink is dark in every channel, while a blue stamp or a pink KK background is bright
    in at least one; the per-pixel maximum of the channels keeps the ink and whitens the rest.
    Near-grey images take the usual luminance, which keeps faint grey text darker.
    """
    if image.ndim == 2:
        return image
    saturation = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)[:, :, 1]
    if (
        float(saturation.mean()) < COLOUR_SATURATION
        and float(np.percentile(saturation, 99)) < 4 * COLOUR_SATURATION
    ):
        return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return image.max(axis=2)


def prepare_page(image: np.ndarray, dpi: int = 300) -> np.ndarray:
    """The clean-up chain every raster page goes through before OCR."""
    return remove_rules(flatten_background(to_gray(image), dpi), dpi)
