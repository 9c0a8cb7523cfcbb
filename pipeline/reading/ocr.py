"""The only module that runs Tesseract.

One Tesseract process per page, single-threaded (`OMP_THREAD_LIMIT=1`): with one process
per core that is several times faster than letting each process spawn its own threads.
The page is handed to Tesseract as an uncompressed file, which costs far less than
pytesseract's own numpy-array path (a PNG encode per call).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytesseract

from models import Box, Word

os.environ.setdefault("OMP_THREAD_LIMIT", "1")


@dataclass(frozen=True)
class OcrOptions:
    languages: str = "ind"
    psm: int = 3
    dpi: int = 300
    timeout_seconds: float = 120.0
    extra_config: str = ""

    @property
    def config(self) -> str:
        return f"--psm {self.psm} --oem 1 --dpi {self.dpi} {self.extra_config}".strip()


class OcrTimeout(Exception):
    """Tesseract took longer than the per-page timeout; the page is left empty."""


class OcrFailed(Exception):
    """Tesseract stopped on the image (killed by a signal on a malformed crop): that one
    reading is lost, not the file."""


def ocr_image(
    image: np.ndarray, options: OcrOptions, page: int = 1, cache_dir: Path | None = None
) -> list[Word]:
    """Words with boxes and 0..1 confidence from one page image.

    With `cache_dir`, results are kept by a hash of the pixels and the options, so the same
    page is never read twice (a photo sent twice, a rerun after a crash, a benchmark rerun).
    """
    cached = _cache_path(cache_dir, image, options, page) if cache_dir else None
    if cached is not None and cached.exists():
        return [Word.model_validate(w) for w in json.loads(cached.read_text())]
    with tempfile.TemporaryDirectory(prefix="reaktivasi-ocr-") as tmp:
        path = Path(tmp) / "page.pnm"
        cv2.imwrite(str(path), image)
        words = ocr_file(path, options, page)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".tmp")
        partial.write_text(json.dumps([w.model_dump() for w in words]))
        partial.replace(cached)
    return words


def _cache_path(cache_dir: Path, image: np.ndarray, options: OcrOptions, page: int) -> Path:
    digest = hashlib.sha256(np.ascontiguousarray(image).data)
    digest.update(f"{image.shape}|{options}|{page}|{tesseract_version()}".encode())
    key = digest.hexdigest()
    return cache_dir / key[:2] / f"{key}.json"


def ocr_file(path: Path, options: OcrOptions, page: int = 1) -> list[Word]:
    try:
        data = pytesseract.image_to_data(
            str(path),
            lang=options.languages,
            config=options.config,
            output_type=pytesseract.Output.DICT,
            timeout=options.timeout_seconds,
        )
    except pytesseract.TesseractError as exc:
        raise OcrFailed(f"Tesseract stopped on the image (exit status {exc.status})") from exc
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise OcrTimeout(f"OCR took longer than {options.timeout_seconds:.0f} s") from exc
        raise
    return words_from_data(data, page)


def words_from_data(data: dict[str, list], page: int) -> list[Word]:
    """Convert pytesseract's image_to_data dict into Word models (empty words dropped)."""
    words: list[Word] = []
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        conf = float(data["conf"][i])
        if not text or conf < 0:
            continue
        words.append(
            Word(
                text=text,
                box=Box(
                    left=int(data["left"][i]),
                    top=int(data["top"][i]),
                    width=int(data["width"][i]),
                    height=int(data["height"][i]),
                ),
                confidence=min(max(conf / 100.0, 0.0), 1.0),
                page=page,
                block=int(data["block_num"][i]),
                line=int(data["par_num"][i]) * 1000 + int(data["line_num"][i]),
            )
        )
    return words


@cache
def tesseract_version() -> str:
    return str(pytesseract.get_tesseract_version())


@dataclass(frozen=True)
class Orientation:
    """Clockwise rotation that makes the page upright, and Tesseract's confidence in it."""

    rotate: int
    confidence: float


def detect_orientation(image: np.ndarray, timeout_seconds: float = 30.0) -> Orientation:
    """Tesseract OSD on one page (grayscale). No text to judge by: rotate 0, confidence 0."""
    with tempfile.TemporaryDirectory(prefix="reaktivasi-osd-") as tmp:
        path = Path(tmp) / "page.pnm"
        cv2.imwrite(str(path), image)
        try:
            osd = pytesseract.image_to_osd(
                str(path),
                config="--psm 0 -c min_characters_to_try=10",
                output_type=pytesseract.Output.DICT,
                timeout=timeout_seconds,
            )
        except pytesseract.TesseractError:
            return Orientation(0, 0.0)
        except RuntimeError as exc:
            if "timeout" in str(exc).lower():
                return Orientation(0, 0.0)
            raise
    return Orientation(int(osd.get("rotate", 0)) % 360, float(osd.get("orientation_conf", 0.0)))
