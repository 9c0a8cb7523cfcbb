"""Find the page in a photo by its text, when its edges cannot be trusted.

On floor tiles, batik, a checked cloth or before a blurred room, the sheet's outline is one
edge among many (`preprocess.find_page_quad` finds none, or a wrong one), and the whole photo
read as it is gives OCR a surface full of letter-like marks. PP-OCR's text detector sees text
lines on any background: their common direction gives the page's skew and whether it lies on
its side, and the block they form is the page's text, cropped with a margin. Which way up
the page stands is left to the chain that follows (`orientation`, OSD), as for a scan.

Stray detections on the surface (a batik motif, a tile's print, a row of a cloth's dots) are
rarely long, thin, straight and parallel to the text: lines are kept when they are several
times longer than thick, lie on light ground (a cloth's light dashes on a dark ground do
not), are not much thicker than the page's typical line, run within `ALIGN` degrees of the
common direction, and lie in blocks large beside the largest one.

`read.read_raster` asks this module first whether a photo's outline (`find_page_quad`) is the
sheet (`TextLines.fits`: the text inside it, along its edges, a blank paper rim); if not, or
when there is none, the photo is read from its text block (`text_page`). The detector runs
on the photo shrunk to `DETECT_SIDE`, and once more closer on the region of small print.
Its boxes are all the detection PP-OCR needs: `read.read_raster` carries them through the
page's turns and crops (`TextPage.boxes`) and recognises them, without detecting again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from pipeline.reading.preprocess import to_gray, work_copy

DETECT_SIDE = 1280  # px: the photo's long side as the detector sees it (letters >= ~6 px)
THRESHOLD = 0.3  # text probability of a pixel
ALIGN = 10.0  # degrees: a text line runs this close to the common direction
MIN_ELONGATION = 4.0  # length / thickness of a detection that counts as a line (a batik
# motif's ovals are 2-3 times as long as wide, and line up too)
MAX_THICKNESS = 4.0  # a line this many times thicker than the typical is not print (titles
# ~2 times the body's)
TYPICAL = 30  # percentile of the lines' thickness that is the print's: a batik's rows of
# ovals, 5 times as thick, may be half of what is detected on a page small in the frame
MIN_BLOCK_SHARE = 0.1  # a block of lines is kept if this large beside the largest (length)
NEAR_BLOCK = 12.0  # line thicknesses between a page's text and a small block printed with it
SAME_PRINT = 1.6  # a small block's lines are at most this much thicker or thinner: same print
MIN_LINES = 3  # fewer lines than this: no page found
ZOOM_BELOW = 10.0  # px: lines thinner than this to the detector are looked at again, closer
OUTSIDE = 0.05  # share of the text that may lie outside a sheet's outline that is right
SKEW_TOLERANCE = 4.0  # degrees: a sheet's edges run this close to its text (perspective)
SMOOTH = 0.12  # blank paper varies less than this share of its brightness over 5 px
SHADED_PAPER = 0.6  # paper in a shadow band or dim corner is this bright beside the rest
PAPER_SHARE = 0.85  # share of a sheet's blank parts that must look like paper
RIM_PAPER = 0.95  # share of a scan's rim as bright as its paper (scans 0.98-1, photos < 0.8)
LIGHT_GROUND = 0.6  # the ground around a line is at least this bright beside its brightest:
# print lies on light paper (a parang batik's rows of cream dashes lie on brown)


@dataclass(frozen=True)
class TextLines:
    """The text lines the detector found in a photo, photo pixels."""

    points: np.ndarray  # (4n, 2): the corners of each line's rectangle
    thickness: float  # median thickness of the lines
    direction: float  # degrees 0..180 (image y down) the lines run in
    scale: float  # the detector's view of the photo, shrunk by this
    boxes: np.ndarray  # (n, 4, 2): every text region found, as the recogniser should read it

    def inside(self, quad: np.ndarray) -> bool:
        """True when the text lies within the quadrilateral (a sheet's outline): at most
        `OUTSIDE` of the lines' corners fall out of it by more than a line's thickness."""
        contour = quad.reshape(-1, 1, 2).astype(np.float32)
        out = sum(
            cv2.pointPolygonTest(contour, (float(x), float(y)), True) < -self.thickness
            for x, y in self.points
        )
        return out <= OUTSIDE * len(self.points)

    def fits(self, quad: np.ndarray, gray: np.ndarray) -> bool:
        """True when the quadrilateral (TL, TR, BR, BL) is the sheet the text is printed
        on: the text lies inside it, runs along its edges, and its rim is blank paper. An
        outline that took a tile or a patch of cloth with the sheet runs askew to the text,
        and its rim is the tile's or the cloth's pattern."""
        if not self.inside(quad):
            return False
        corners = quad.reshape(4, 2).astype(np.float64)
        along = [corners[1] - corners[0], corners[2] - corners[3]]  # top and bottom edges
        across = [corners[3] - corners[0], corners[2] - corners[1]]
        edges = min(
            (along, 0.0), (across, 90.0), key=lambda e: _apart(_direction(e[0]), self.direction)
        )[0]
        if _apart(_direction(edges), self.direction) > SKEW_TOLERANCE:
            return False
        return _rim_is_paper(corners, gray)


def _direction(vectors: list[np.ndarray]) -> float:
    """The mean direction (degrees 0..180) of two edge vectors of a quadrilateral."""
    doubled = [2 * np.arctan2(v[1], v[0]) for v in vectors]
    return float(np.degrees(np.arctan2(np.sin(doubled).sum(), np.cos(doubled).sum())) / 2) % 180


def _rim_is_paper(corners: np.ndarray, gray: np.ndarray) -> bool:
    """True when the band just inside the quadrilateral's edges (a page's blank margin) is
    mostly smooth paper: bright beside the sheet's brightest parts and without edges."""
    small, factor = work_copy(gray, 800)
    quad = corners * factor
    centre = quad.mean(axis=0)
    outer = np.round(centre + (quad - centre) * 0.98).astype(np.int32)
    inner = np.round(centre + (quad - centre) * 0.94).astype(np.int32)
    band = np.zeros(small.shape, np.uint8)
    cv2.fillConvexPoly(band, outer, 1)
    cv2.fillConvexPoly(band, inner, 0)
    sheet = np.zeros(small.shape, np.uint8)
    cv2.fillConvexPoly(sheet, outer, 1)
    if band.sum() < 100:
        return True
    paper = float(np.percentile(small[sheet > 0], 95))
    blank = _blank_paper(small, SHADED_PAPER * paper, paper)
    return float(blank[band > 0].mean()) >= PAPER_SHARE


def _blank_paper(small: np.ndarray, floor: float, paper: float) -> np.ndarray:
    """Where the image looks like blank paper: at least `floor` bright, and smooth (varying
    less than `SMOOTH` of the paper's brightness over 5 px): a cloth's print or a tile's
    grout is edged all over."""
    kernel = np.ones((5, 5), np.uint8)
    spread = cv2.dilate(small, kernel).astype(np.int16) - cv2.erode(small, kernel)
    return (small >= floor) & (spread < SMOOTH * paper)


@dataclass(frozen=True)
class TextPage:
    """The text block of a photo, straightened: `image` is the crop (same channels as the
    photo); `angle` the degrees the photo was turned counter-clockwise to make its lines
    horizontal (-90..90); `boxes` the text regions of the look that found the block (the
    closer one for small print), on `image`: what the recogniser reads."""

    image: np.ndarray
    angle: float
    lines: int
    boxes: np.ndarray  # (n, 4, 2) on `image`


def on_a_surface(gray: np.ndarray) -> bool:
    """True when the rim of the image is not paper: a photo of a page lying on something,
    not a scan (whose rim is the page itself, or the scanner's white). Paper is bright and
    smooth: a white tablecloth's checks or flowers are as bright, but edged all over."""
    small, _ = work_copy(gray, 400)
    m = max(2, int(0.03 * max(small.shape)))
    paper = float(np.percentile(small, 90))
    blank = _blank_paper(small, 0.8 * paper, paper)
    rim = np.concatenate(
        [blank[:m].ravel(), blank[-m:].ravel(), blank[:, :m].ravel(), blank[:, -m:].ravel()]
    )
    return float(rim.mean()) < RIM_PAPER


@dataclass(frozen=True)
class _Line:
    centre: np.ndarray  # x, y in detector pixels
    corners: np.ndarray  # (4, 2)
    length: float
    thickness: float
    direction: float  # degrees 0..180, image y down


def find_text_lines(image: np.ndarray) -> TextLines | None:
    """A first look at the photo's text, shrunk to `DETECT_SIDE`; None when fewer than
    `MIN_LINES` lines agree on a direction."""
    return _text_lines(image, min(1.0, DETECT_SIDE / max(image.shape[:2])))


def text_page(image: np.ndarray, found: TextLines) -> TextPage:
    """The photo's text block, turned so its lines run horizontally, and cropped.

    Small print (a KTP photocopied on A4, a page small in the frame) is looked at again,
    closer: the region well around what the first look found, at up to full resolution."""
    if found.thickness * found.scale < ZOOM_BELOW and found.scale < 1.0:
        lo, hi = found.points.min(axis=0), found.points.max(axis=0)
        # Grown well beyond what was found: the first look may have seen only the largest print.
        grow = (hi - lo) + 0.1 * max(image.shape[:2])
        x0, y0 = np.maximum(0, lo - grow).astype(int)
        x1, y1 = np.minimum(image.shape[1::-1], hi + grow).astype(int)
        region = image[y0:y1, x0:x1]
        closer = min(1.0, DETECT_SIDE / max(region.shape[:2]), 1.5 * ZOOM_BELOW / found.thickness)
        again = _text_lines(region, closer) if closer > 1.2 * found.scale else None
        if again is not None:
            offset = np.array([x0, y0], np.float32)
            found = replace(again, points=again.points + offset, boxes=again.boxes + offset)
    direction = found.direction
    angle = direction if direction <= 90 else direction - 180  # turn that levels the lines
    crop, matrix = _crop(image, found.points, angle, found.thickness)
    boxes = cv2.transform(found.boxes.reshape(-1, 1, 2).astype(np.float32), matrix)
    return TextPage(crop, angle, len(found.points) // 4, boxes.reshape(-1, 4, 2))


def _text_lines(image: np.ndarray, scale: float) -> TextLines | None:
    """The text lines the detector finds on the image shrunk by `scale`; None when fewer
    than `MIN_LINES` agree on a direction."""
    from pipeline.reading import ppocr  # the detector loads only for photos that need it

    probability = ppocr.text_probability(image, scale)
    sy = image.shape[0] / probability.shape[0]
    sx = image.shape[1] / probability.shape[1]
    lines = _lines((probability > THRESHOLD).astype(np.uint8))
    lines = _on_light_ground(lines, image, probability.shape)
    if lines:
        # Rows of a cloth's dots read as lines several times thicker than the page's print.
        typical = float(np.percentile([line.thickness for line in lines], TYPICAL))
        lines = [line for line in lines if line.thickness <= MAX_THICKNESS * typical]
    direction = _common_direction(lines)
    if direction is None:
        return None
    kept = [line for line in lines if _apart(line.direction, direction) <= ALIGN]
    kept = _main_blocks(kept, probability.shape)
    if len(kept) < MIN_LINES:
        return None
    points = np.concatenate([line.corners for line in kept]) * [sx, sy]
    thickness = float(np.median([line.thickness for line in kept])) * (sx + sy) / 2
    boxes = ppocr.line_corners(probability) * np.array([sx, sy], np.float32)
    return TextLines(points, thickness, direction, scale, boxes)


def _lines(mask: np.ndarray) -> list[_Line]:
    """Each detected region as a line: its minimum-area rectangle and the direction of the
    rectangle's long side."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    lines = []
    for contour in contours:
        if len(contour) < 5:
            continue
        rect = cv2.minAreaRect(contour)
        corners = cv2.boxPoints(rect)
        a, b = corners[1] - corners[0], corners[2] - corners[1]
        along, across = (a, b) if np.hypot(*a) >= np.hypot(*b) else (b, a)
        length, thickness = float(np.hypot(*along)), float(np.hypot(*across))
        if thickness < 1 or length < MIN_ELONGATION * thickness:
            continue
        direction = float(np.degrees(np.arctan2(along[1], along[0]))) % 180
        lines.append(_Line(np.asarray(rect[0]), corners, length, thickness, direction))
    return lines


def _on_light_ground(lines: list[_Line], image: np.ndarray, shape: tuple[int, ...]) -> list[_Line]:
    """The lines that lie on light ground, as print on paper does: around each line's
    rectangle (a band a line thick) the middle pixel is at least `LIGHT_GROUND` of the
    brightest there (the ground's own light, so a shadow or a reflection elsewhere, or a bold
    title's dense ink, does not matter). Rows of a cloth's light dots or dashes on a dark
    ground are detected as lines too, and on a page small in the frame their length
    outweighs the text's."""
    if not lines:
        return lines
    small = to_gray(cv2.resize(image, (shape[1], shape[0]), interpolation=cv2.INTER_AREA))
    return [line for line in lines if _ground_is_light(line, small)]


def _ground_is_light(line: _Line, small: np.ndarray) -> bool:
    pad = max(2, round(line.thickness))
    x, y, w, h = cv2.boundingRect(np.round(line.corners).astype(np.int32))
    x0, y0 = max(0, x - pad), max(0, y - pad)
    box = small[y0 : y + h + pad, x0 : x + w + pad]
    inside = np.zeros(box.shape, np.uint8)
    cv2.fillConvexPoly(inside, np.round(line.corners - [x0, y0]).astype(np.int32), 1)
    around = cv2.dilate(inside, np.ones((2 * pad + 1, 2 * pad + 1), np.uint8)) - inside
    ground, seen = box[around > 0], box[(around | inside) > 0]
    if ground.size == 0:
        return True
    return float(np.median(ground)) >= LIGHT_GROUND * float(np.percentile(seen, 95))


def _apart(a: float, b: float) -> float:
    """Degrees between two directions (0..180, same line either way)."""
    d = abs(a - b) % 180
    return min(d, 180 - d)


def _common_direction(lines: list[_Line]) -> float | None:
    """The direction most line length runs in (1° bins, smoothed over `ALIGN`)."""
    if len(lines) < MIN_LINES:
        return None
    histogram = np.zeros(180)
    for line in lines:
        histogram[int(line.direction) % 180] += line.length
    width = int(ALIGN) // 2
    window = np.ones(2 * width + 1)
    smooth = np.convolve(
        np.concatenate([histogram[-width:], histogram, histogram[:width]]), window, "valid"
    )
    peak = int(np.argmax(smooth))
    near = [line for line in lines if _apart(line.direction, peak + 0.5) <= width + 1]
    if not near:
        return None
    # The exact direction: the length-weighted mean of the lines near the peak, on the circle.
    doubled = np.radians([2 * line.direction for line in near])
    weights = [line.length for line in near]
    mean = np.arctan2(
        np.average(np.sin(doubled), weights=weights), np.average(np.cos(doubled), weights=weights)
    )
    return float(np.degrees(mean) / 2) % 180


def _main_blocks(lines: list[_Line], shape: tuple[int, int]) -> list[_Line]:
    """The lines in blocks (lines joined across a few line heights) whose total length is at
    least `MIN_BLOCK_SHARE` of the largest block's: the page, not specks on the surface."""
    if not lines:
        return []
    thickness = float(np.median([line.thickness for line in lines]))
    mask = np.zeros(shape, np.uint8)
    for line in lines:
        cv2.fillConvexPoly(mask, np.round(line.corners).astype(np.int32), 255)
    reach = max(3, int(4 * thickness)) | 1
    joined = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (reach, reach)))
    count, labels = cv2.connectedComponents(joined)
    totals = np.zeros(count)
    owner = []
    for line in lines:
        x, y = np.clip(np.round(line.centre).astype(int), 0, [shape[1] - 1, shape[0] - 1])
        owner.append(int(labels[y, x]))
        totals[owner[-1]] += line.length
    keep = totals >= MIN_BLOCK_SHARE * totals.max()
    main = [line for line, block in zip(lines, owner, strict=True) if block and keep[block]]
    for block in np.flatnonzero(~keep):
        small = [line for line, b in zip(lines, owner, strict=True) if b == block]
        if block and small and _same_sheet(small, main, thickness):
            keep[block] = True
    return [line for line, block in zip(lines, owner, strict=True) if block and keep[block]]


def _same_sheet(block: list[_Line], main: list[_Line], thickness: float) -> bool:
    """A small block printed with the page (a letter's signature block and its date, set
    apart from the body by a blank stretch): lines as thick as the page's, standing within
    the page's width and a few lines above or below its text."""
    if not main:
        return False
    corners = np.concatenate([line.corners for line in main])
    (left, top), (right, bottom) = corners.min(axis=0), corners.max(axis=0)
    reach = NEAR_BLOCK * thickness
    for line in block:
        x, y = line.centre
        if not (left <= x <= right and top - reach <= y <= bottom + reach):
            return False
        if not 1 / SAME_PRINT <= line.thickness / thickness <= SAME_PRINT:
            return False
    return True


def _crop(
    image: np.ndarray, points: np.ndarray, angle: float, thickness: float
) -> tuple[np.ndarray, np.ndarray]:
    """The image turned by `angle` (counter-clockwise, canvas grown to fit) and cropped to
    the points' box plus a margin of two line heights and 2% of the photo; and the 2x3
    matrix taking photo pixels to the crop's."""
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += nw / 2 - w / 2
    matrix[1, 2] += nh / 2 - h / 2
    moved = cv2.transform(points[None].astype(np.float32), matrix)[0]
    margin = 2 * thickness + 0.02 * max(h, w)
    x0, y0 = np.maximum(0, moved.min(axis=0) - margin).astype(int)
    x1, y1 = np.minimum([nw, nh], moved.max(axis=0) + margin).astype(int)
    # Only the crop is warped: shift the transform so the crop's corner is the origin.
    matrix[:, 2] -= [x0, y0]
    crop = cv2.warpAffine(
        image,
        matrix,
        (int(x1 - x0), int(y1 - y0)),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return crop, matrix
