"""Image clean-up before OCR. Each step is a small function on a grayscale page.

Ruled lines are the first thing to go: Tesseract reads a table's vertical rules as `|`, `I`
or `(` glued to the first letter of a cell ("IKASIRAN" for "KASIRAN"), and horizontal rules
merge rows. Lines are found by morphological opening with kernels longer than any letter
stroke, then painted white.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# One file per core is the parallelism; OpenCV's own thread pool would only oversubscribe.
cv2.setNumThreads(1)

RULE_LENGTH_INCHES = 0.3  # longer than any letter stroke at body and heading sizes
PROBE_SIDE = 2400  # px: a page this long has its letters measured at half resolution


def remove_rules(
    gray: np.ndarray, dpi: int = 300, letter_height: float | None = None
) -> np.ndarray:
    """The page with long horizontal and vertical lines painted white.

    A rule is longer than 0.3 inch and than five body-letter heights: a photo of a KTP taken
    close has its large bold NIK digits' strokes longer than 0.3 inch of the assumed dpi.
    """
    # Found at half resolution (4x less work; a rule stays a rule), painted at full.
    small = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    length = max(8, int(dpi * RULE_LENGTH_INCHES / 2), int(5 * (letter_height or 0) / 2))
    ink = ink_mask(small)
    horizontal = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1))
    )
    vertical = cv2.morphologyEx(
        ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length))
    )
    rules = cv2.bitwise_or(horizontal, vertical)
    if not rules.any():
        return gray
    rules = cv2.bitwise_and(rules, cv2.bitwise_not(_solid_areas(ink, letter_height or dpi / 12)))
    if not rules.any():
        return gray
    rules = cv2.dilate(rules, np.ones((3, 3), np.uint8))
    rules = cv2.resize(rules, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_NEAREST)
    cleaned = gray.copy()
    cleaned[rules > 0] = 255
    return cleaned


def _solid_areas(ink: np.ndarray, letter_height: float) -> np.ndarray:
    """Ink areas thicker than any rule: a KTP's grey frame, a photo, a shaded header.

    They survive the openings that find rules, and painting them white would take the
    labels printed on them along ("NIK", "Nama" on a photocopied card's grey band).
    """
    thick = max(5, round(letter_height / 3))  # px at half resolution, ~2/3 letter height
    box = cv2.getStructuringElement(cv2.MORPH_RECT, (thick, thick))
    return cv2.dilate(cv2.morphologyEx(ink, cv2.MORPH_OPEN, box), np.ones((3, 3), np.uint8))


def flatten_background(gray: np.ndarray, dpi: int = 300) -> np.ndarray:
    """Divide the page by its own background: tinted paper, a grey card on white paper,
    shadows and uneven light all become white, text stays dark.

    Tesseract's global Otsu threshold fails on a KTP photocopy (a grey card on a white page
    becomes one black block, and no word is read); after division it reads the card.
    The background is the page with text closed away (dilation removes dark strokes thinner
    than the kernel), estimated at a quarter of the resolution.
    """
    small = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    small = cv2.resize(small, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
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
    # Whether a page is colour is judged on every fourth pixel each way (16x less work).
    sample = np.ascontiguousarray(image[::4, ::4])
    saturation = cv2.cvtColor(sample, cv2.COLOR_RGB2HSV)[:, :, 1]
    if (
        float(saturation.mean()) < COLOUR_SATURATION
        and float(np.percentile(saturation, 99)) < 4 * COLOUR_SATURATION
    ):
        return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    # OpenCV's per-channel max: numpy's `max(axis=2)` is some 20x slower on a camera file.
    image = np.ascontiguousarray(image)
    channels = [cv2.extractChannel(image, i) for i in range(3)]
    return cv2.max(cv2.max(channels[0], channels[1]), channels[2])


# --- photos: find the page, undo perspective, upright, deskew, scale -----------------------

WORK_SIDE = 1000  # px: geometry is estimated on a copy this size, applied at full size
MIN_PAGE_AREA = 0.2  # share of the photo a detected page must cover
TARGET_TEXT_HEIGHT = 32  # px: median letter height Tesseract reads best at (cap height ~30)
CROP_AREA = 0.4  # print covering less of the page than this is cut out before enlarging


def work_copy(image: np.ndarray, side: int = WORK_SIDE) -> tuple[np.ndarray, float]:
    """A copy at most `side` px on its long side for estimating geometry or light, and its
    scale (never enlarged). Steps given an image that is already this small use it as it is,
    so one copy can serve several of them.

    Halved while still twice too big (OpenCV averages 2x2 blocks in a fraction of the time
    of a general area resize: 0.6 ms against 24 ms on a 300-dpi page), then resized by less
    than half, where bilinear sampling still sees every pixel.
    """
    scale = side / max(image.shape[:2])
    if scale >= 1:
        return image, 1.0
    small = image
    while max(small.shape[:2]) >= 2 * side:
        small = cv2.resize(small, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    height, width = small.shape[:2]
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    if size != (width, height):
        small = cv2.resize(small, size, interpolation=cv2.INTER_LINEAR)
    return small, scale


def components(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Labels and stats of the 8-connected ink blobs. Grana's block-based labelling gives
    the same blobs as OpenCV's default three times faster on a page."""
    _, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
        ink, 8, cv2.CV_32S, cv2.CCL_GRANA
    )
    return labels, stats


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Ink as 255 on 0, by Otsu's threshold."""
    return cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]


def find_page_quad(image: np.ndarray) -> np.ndarray | None:
    """The four corners of a sheet of paper in a photo (TL, TR, BR, BL), or None.

    Two outlines are tried — the paper's edges (Canny), which survive a shadow across the
    page, and the large bright region, which survives a busy table — and the larger clean
    convex quadrilateral covering enough of the photo wins. A flat scan (paper edge to edge)
    gives None, and so does a photo with no clean quadrilateral: the page is used as it is.
    Pass the photo as received (RGB or grey): see `_paper_contrast`.
    """
    small, scale = work_copy(image)
    small = _paper_contrast(small)
    blur = cv2.GaussianBlur(small, (5, 5), 0)
    frame = small.shape[0] * small.shape[1]
    candidates = [_quad_of(mask, frame) for mask in (_edge_mask(blur), _bright_mask(blur))]
    found = [q for q in candidates if q is not None and _surrounded_by_background(blur, q)]
    if not found:
        return None
    best = max(found, key=cv2.contourArea)
    return _order_corners(best.reshape(4, 2).astype(np.float32) / scale)


def _paper_contrast(small: np.ndarray) -> np.ndarray:
    """Grey in which white paper stands out from a coloured table: the darkest channel.

    `to_gray` keeps the brightest channel (to drop stamps), which turns a brown table almost
    as bright as the paper; in its blue channel the same table is dark. Measured on phone
    photos of a KTP on a brown table: the bright-region outline then stops at a shadow band
    instead of the card's edge, and the crop cuts the NIK in half.
    """
    if small.ndim == 2:
        return small
    channels = [cv2.extractChannel(np.ascontiguousarray(small), i) for i in range(3)]
    return cv2.min(cv2.min(channels[0], channels[1]), channels[2])


def _surrounded_by_background(blur: np.ndarray, quad: np.ndarray) -> bool:
    """True when what lies outside the quadrilateral is not paper: a table under a photo.

    On a scan the largest outline is often a ruled table or a box, with white paper around
    it; cropping to it would cut the letterhead off.
    """
    inside = np.zeros(blur.shape, np.uint8)
    cv2.fillConvexPoly(inside, quad.reshape(-1, 2).astype(np.int32), 255)
    outside = blur[inside == 0]
    if outside.size < 0.02 * blur.size:
        return False
    paper = float(np.percentile(blur[inside > 0], 90))
    return float(np.median(outside)) < 0.8 * paper


def _edge_mask(blur: np.ndarray) -> np.ndarray:
    median = float(np.median(blur))
    edges = cv2.Canny(blur, int(max(10, 0.5 * median)), int(min(255, 1.2 * median)))
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8), iterations=2)
    # Fill what the outline encloses, so the page is one region, not a ring.
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(edges)
    cv2.drawContours(filled, contours, -1, 255, thickness=cv2.FILLED)
    return cv2.erode(filled, np.ones((3, 3), np.uint8), iterations=2)


def _bright_mask(blur: np.ndarray) -> np.ndarray:
    _, bright = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))


def _quad_of(mask: np.ndarray, frame: int) -> np.ndarray | None:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    page = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(page)
    if not MIN_PAGE_AREA * frame <= area <= 0.97 * frame:
        return None  # too small to be the page, or the paper fills the frame (a scan)
    hull = cv2.convexHull(page)
    for epsilon in (0.02, 0.03, 0.05):
        approx = cv2.approxPolyDP(hull, epsilon * cv2.arcLength(hull, True), True)
        if len(approx) == 4 and cv2.isContourConvex(approx):
            return approx
    return None


def _order_corners(points: np.ndarray) -> np.ndarray:
    s = points.sum(axis=1)
    d = np.diff(points, axis=1).ravel()
    return np.array(
        [points[np.argmin(s)], points[np.argmin(d)], points[np.argmax(s)], points[np.argmax(d)]],
        dtype=np.float32,
    )


BIG_PAGE = 4_000_000  # pixels: a 300-dpi scan or a camera file, whose letters are big


def resampling(image: np.ndarray) -> int:
    """Interpolation for warping a page: bicubic keeps the strokes of small letters (a
    WhatsApp image) readable; on a big page the letters are big and bilinear is 2.5x cheaper."""
    return cv2.INTER_CUBIC if image.shape[0] * image.shape[1] < BIG_PAGE else cv2.INTER_LINEAR


def page_transform(quad: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """The 3x3 perspective matrix that shows the page in `quad` straight on, and the size
    (width, height) of that view: its longer measured edges."""
    tl, tr, br, bl = quad
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    target = np.array(
        [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32
    )
    return cv2.getPerspectiveTransform(quad, target), (width, height)


def warp_page(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The page seen straight on, sized by its longer measured edges."""
    matrix, (width, height) = page_transform(quad)
    return cv2.warpPerspective(
        image,
        matrix,
        (width, height),
        flags=resampling(image),
        borderMode=cv2.BORDER_REPLICATE,
    )


def quarter_matrix(shape: tuple[int, ...], degrees: int) -> np.ndarray:
    """The 2x3 matrix taking points of an image of `shape` to where `rotate_quarter` puts
    them (pixel edges: a box's corners stay its corners)."""
    h, w = shape[:2]
    return {
        0: np.array([[1, 0, 0], [0, 1, 0]], np.float64),
        90: np.array([[0, -1, h], [1, 0, 0]], np.float64),
        180: np.array([[-1, 0, w], [0, -1, h]], np.float64),
        270: np.array([[0, 1, 0], [-1, 0, w]], np.float64),
    }[degrees % 360]


def rotate_quarter(image: np.ndarray, degrees: int) -> np.ndarray:
    """Rotate clockwise by 0/90/180/270 degrees."""
    turns = {
        0: None,
        90: cv2.ROTATE_90_CLOCKWISE,
        180: cv2.ROTATE_180,
        270: cv2.ROTATE_90_COUNTERCLOCKWISE,
    }[degrees % 360]
    return image if turns is None else cv2.rotate(image, turns)


def skew_angle(gray: np.ndarray, limit: float = 6.0) -> float:
    """Skew in degrees (positive: text rises to the right), by projection profiles.

    Text lines give the sharpest row profile when they are horizontal; the angle whose rotated
    ink profile has the largest variance wins. Searched coarse (1°) on a 400 px binarised
    copy, then fine (0.25°) on an 800 px one.
    """
    small, _ = work_copy(gray, 800)
    coarse = _sharpest(ink_mask(work_copy(small, 400)[0]), np.arange(-limit, limit + 0.5, 1.0))
    if coarse is None:
        return 0.0
    fine = _sharpest(ink_mask(small), np.arange(coarse - 0.75, coarse + 0.8, 0.25))
    return -round(float(fine if fine is not None else coarse), 2)


def _sharpest(ink: np.ndarray, angles: np.ndarray) -> float | None:
    """The angle whose rotated ink gives the most contrasted row profile; None without ink."""
    if ink.mean() < 1:
        return None
    h, w = ink.shape
    center = (w / 2, h / 2)

    def sharpness(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D(center, angle, 1.0)
        rotated = cv2.warpAffine(ink, matrix, (w, h), flags=cv2.INTER_NEAREST)
        return float(np.var(rotated.sum(axis=1, dtype=np.float64)))

    return float(max(angles, key=sharpness))


def small_rotation(shape: tuple[int, ...], angle: float) -> np.ndarray | None:
    """The 2x3 matrix of `rotate_small` on an image of `shape`; None when it leaves the
    image as it is (under 0.2°)."""
    if abs(angle) < 0.2:
        return None
    h, w = shape[:2]
    return cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)


def rotate_small(gray: np.ndarray, angle: float) -> np.ndarray:
    """Rotate by a small angle (degrees, positive counter-clockwise), paper-white corners."""
    matrix = small_rotation(gray.shape, angle)
    if matrix is None:
        return gray
    h, w = gray.shape[:2]
    return cv2.warpAffine(
        gray,
        matrix,
        (w, h),
        flags=resampling(gray),
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=255,
    )


@dataclass(frozen=True)
class Letters:
    """The letter-sized ink blobs of a page: their median height and their boxes
    (left, top, width, height; page pixels), and the boxes of the small round marks among
    them (full stops, commas, the dots of colons). Measured once, while despeckling, and used
    to scale the page and to tell whether it is upside down."""

    height: float
    boxes: np.ndarray
    marks: np.ndarray


def find_letters(gray: np.ndarray) -> Letters | None:
    """Letters of a page (at half resolution when it is big), or None when it has no text."""
    _, stats, scale = _probe(gray)
    return _letters(stats, scale)


def _probe(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Labels and stats of a page's ink, and the scale back to the page: a big page (a
    300-dpi scan, a camera file) is labelled at half resolution, a quarter of the work,
    where its letters still measure 15 px or more."""
    if max(gray.shape[:2]) < PROBE_SIDE:
        return (*components(ink_mask(gray)), 1)
    half = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    return (*components(ink_mask(half)), 2)


def text_height(gray: np.ndarray) -> float | None:
    """Median height (px) of letter-sized ink blobs, or None on a page with no text."""
    letters = _letters(components(ink_mask(gray))[1])
    return letters.height if letters else None


def _letters(stats: np.ndarray, scale: int = 1) -> Letters | None:
    """Letter-sized blobs among labelled ones; `scale` maps their pixels to the page's."""
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    sized = (heights >= 6) & (heights <= 300)
    chosen = sized & (widths <= 3 * heights)
    if chosen.sum() < 30:
        # Small print in a photo merges into word blobs (a KTP photocopy on A4 sent by
        # WhatsApp: letters 7-8 px tall); a word is as tall as its letters.
        chosen = sized & (widths <= 15 * heights)
        if chosen.sum() < 20:
            return None
    height = float(np.median(heights[chosen]))
    size = (heights >= max(2, 0.12 * height)) & (heights <= 0.4 * height)
    size &= (widths >= max(2, 0.12 * height)) & (widths <= 0.4 * height)
    round_ = stats[1:, cv2.CC_STAT_AREA] >= 0.5 * widths * heights
    return Letters(
        height=height * scale,
        boxes=stats[1:, :4][chosen] * scale,
        marks=stats[1:, :4][size & round_] * scale,
    )


def scale_for_text(gray: np.ndarray, height: float | None = None) -> tuple[np.ndarray, float]:
    """Resize so letters are about TARGET_TEXT_HEIGHT px tall; returns the image and factor.

    WhatsApp photos (1600 px for an A4 page) have letters of ~12 px: too small. A 4000 px
    photo has ~45 px letters: only slower. Scans at 300 dpi are left alone. Pass `height`
    when it is already known (despeckling measures it).
    """
    height = height or text_height(gray)
    if height is None:
        return gray, 1.0
    factor = TARGET_TEXT_HEIGHT / height
    if 0.75 <= factor <= 1.4:
        return gray, 1.0
    factor = float(np.clip(factor, 0.5, 4.0))
    interpolation = cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA
    return cv2.resize(gray, None, fx=factor, fy=factor, interpolation=interpolation), factor


def text_bounds(gray: np.ndarray, letter_height: float | None) -> tuple[int, int, int, int] | None:
    """The part of the page that holds print, with a margin, when that is a small part.

    A KTP photocopied onto A4 and photographed fills a tenth of the picture with letters
    7 px tall; they must be enlarged 4x, which is affordable for the card, not for the page.
    Returns (left, top, right, bottom) of that part; None for a page whose print spreads
    over most of it.
    """
    if letter_height is None:
        return None
    small, scale = work_copy(gray)
    ink = ink_mask(small)
    reach = max(3, int(2 * letter_height * scale))  # joins letters, words and lines
    joined = cv2.dilate(ink, np.ones((reach, reach), np.uint8))
    stats = components(joined)[1]
    blocks = stats[1:][stats[1:, cv2.CC_STAT_AREA] >= (1.5 * reach) ** 2]  # not dust
    if len(blocks) == 0:
        return None
    left, top = blocks[:, 0].min(), blocks[:, 1].min()
    right = (blocks[:, 0] + blocks[:, 2]).max()
    bottom = (blocks[:, 1] + blocks[:, 3]).max()
    if (right - left) * (bottom - top) > CROP_AREA * small.shape[0] * small.shape[1]:
        return None
    margin = reach  # Tesseract misreads print that touches the border
    h, w = gray.shape[:2]
    return (
        max(0, int((left - margin) / scale)),
        max(0, int((top - margin) / scale)),
        min(w, int((right + margin) / scale) + 1),
        min(h, int((bottom + margin) / scale) + 1),
    )


def text_runs_vertically(gray: np.ndarray) -> bool:
    """True when the text lines run top-to-bottom (the page lies on its side).

    Lines of text make the row profile of ink spiky (line, gap, line); on a page turned by 90°
    the column profile is the spiky one. Cheap enough to run on every page, unlike OSD.
    """
    small, _ = work_copy(gray)
    ink = (
        cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
        > 0
    )
    rows = ink.sum(axis=1, dtype=np.float64)
    cols = ink.sum(axis=0, dtype=np.float64)
    if rows.mean() == 0:
        return False
    row_spike = rows.var() / rows.mean() ** 2
    col_spike = cols.var() / cols.mean() ** 2
    return col_spike > 1.5 * row_spike


def remove_specks(gray: np.ndarray, min_specks: int = 300) -> tuple[np.ndarray, Letters | None]:
    """Paint out dust: isolated ink blobs far smaller than a colon's dot.

    Scanner dust and noise make Tesseract invent punctuation ("No.KTP: -. :") and split words.
    A blob is dust when its area is under an eightieth of the squared letter height (a colon's
    dot is about a fortieth). A page with little dust is left as it is. Returns the page and
    the letters measured on the way.

    A big page is first looked at at half resolution (`_probe`), where dust still shows as a
    crowd of one- and two-pixel blobs; only a dusty one is labelled at full resolution.
    """
    labels, stats, scale = _probe(gray)
    letters = _letters(stats, scale)
    if letters is None:
        return gray, None
    if scale != 1:
        if _dust(stats, letters.height / scale).sum() < min_specks // 3:
            return gray, letters
        labels, stats = components(ink_mask(gray))
        letters = _letters(stats) or letters
    dust = _dust(stats, letters.height)
    if dust.sum() < min_specks:
        return gray, letters
    cleaned = gray.copy()
    cleaned[dust[labels]] = 255  # a lookup per pixel: far cheaper than np.isin
    return cleaned, letters


def _dust(stats: np.ndarray, letter_height: float) -> np.ndarray:
    dust = stats[:, cv2.CC_STAT_AREA] <= max(1, int(letter_height**2 / 80))
    dust[0] = False  # label 0 is the paper
    return dust
