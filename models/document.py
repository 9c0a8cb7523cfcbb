"""What was read: a document, its pages and the words on them, each with its box.

Boxes are in pixels of the page image the words were read from (for a PDF text layer:
PDF points scaled to the 300-dpi raster), so the review screen can draw them on that image.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Box(BaseModel):
    """An axis-aligned rectangle in page-image pixels."""

    model_config = ConfigDict(frozen=True)

    left: int
    top: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height

    @property
    def center_y(self) -> float:
        return self.top + self.height / 2

    @classmethod
    def union(cls, boxes: list[Box]) -> Box:
        """The smallest box holding all of `boxes` (which must not be empty)."""
        left = min(b.left for b in boxes)
        top = min(b.top for b in boxes)
        right = max(b.right for b in boxes)
        bottom = max(b.bottom for b in boxes)
        return cls(left=left, top=top, width=right - left, height=bottom - top)


class Word(BaseModel):
    """One word as the engine read it. `confidence` is 0..1 (Tesseract's 0..100 scaled)."""

    model_config = ConfigDict(frozen=True)

    text: str
    box: Box
    confidence: float = Field(ge=0.0, le=1.0)
    page: int = 1
    block: int = 0
    line: int = 0


class Line(BaseModel):
    """Words that sit on one visual line, left to right."""

    model_config = ConfigDict(frozen=True)

    words: list[Word]
    page: int = 1

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def box(self) -> Box:
        return Box.union([w.box for w in self.words])


class TextSource(StrEnum):
    ocr = "ocr"
    pdf_text = "pdf_text"


class Page(BaseModel):
    """One page image and how its words were obtained."""

    number: int = Field(ge=1, description="1-based page number within the document")
    width: int
    height: int
    dpi: int
    rotation: int = Field(0, description="degrees clockwise applied to upright the page")
    text_source: TextSource = TextSource.ocr
    words: list[Word] = Field(default_factory=list)


class Document(BaseModel):
    """A file as received. `source` is the path exactly as given by the caller."""

    source: str
    sha256: str
    media_type: str
    size_bytes: int
    pages: list[Page] = Field(default_factory=list)
