"""What was understood: typed fields with confidence and the boxes they came from."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField

from models.document import Box


class DocType(StrEnum):
    faskes_letter = "faskes_letter"
    sktm = "sktm"
    kk = "kk"
    ktp = "ktp"
    unknown = "unknown"


# Fields that every extraction of a doc type carries (null when unread), per CONTRACT.md.
FIELDS_BY_DOC_TYPE: dict[DocType, tuple[str, ...]] = {
    DocType.faskes_letter: (
        "nik",
        "name",
        "birth_date",
        "register_number",
        "diagnosis",
        "icd10",
        "priority_category",
        "facility_name",
        "letter_date",
    ),
    DocType.sktm: (
        "nik",
        "name",
        "birth_date",
        "village",
        "district",
        "letter_number",
        "letter_date",
    ),
    DocType.kk: ("kk_number", "head_name", "village", "district"),
    DocType.ktp: ("nik", "name", "birth_date", "village", "district"),
    DocType.unknown: (),
}


class Evidence(BaseModel):
    """What a value's confidence was computed from (`extractors/confidence.py`).

    Kept beside the value so the confidence can be recomputed when a later check (the NIK's
    date against the printed birth date) adds to it, and so a benchmark can fit the mapping.
    """

    model_config = ConfigDict(frozen=True)

    ocr_mean: float = 0.0  # mean Tesseract confidence of the value's words, 0..1
    ocr_min: float = 0.0  # the weakest of those words
    anchored: bool = True  # printed after its own label (colon or label column)
    repaired: int = 0  # characters OCR repair changed (O→0, l→1)
    valid: bool | None = None  # passed the field's own check; None when it has none
    agrees: bool | None = None  # an independent reading agrees (True) or contradicts (False)
    doubt: float = 1.0  # extractor-specific doubt: fallback candidate, free-standing, reread
    # A doubt the calibration seed cannot measure (a value found by its place alone, where
    # every labelled value of the field scores as sure): scales the calibrated confidence.
    unmeasured: float = 1.0
    long_word: bool = False  # a name or village word long enough to be two run together


class Field(BaseModel):
    """One extracted value. `value` is None when the field could not be read."""

    name: str
    value: str | None = None
    confidence: float = PydanticField(0.0, ge=0.0, le=1.0)
    page: int | None = None
    boxes: list[Box] = PydanticField(default_factory=list)
    # Not part of the contract output nor of stored extractions.
    evidence: Evidence | None = PydanticField(default=None, exclude=True, repr=False)


class Member(BaseModel):
    """A row of the KK member table."""

    nik: str | None = None
    name: str | None = None
    gender: Literal["L", "P"] | None = None
    birth_date: str | None = None
    relationship: str | None = None


class Notice(BaseModel):
    """A warning a person can act on: a stable code plus a sentence.

    `rejected` keeps what was read and not used (a NIK that fails its checks, a second NIK on
    the page): evidence the decision weighs, never printed (the message masks it).
    """

    code: str
    message: str
    field: str | None = None
    rejected: Field | None = None

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class Extraction(BaseModel):
    """Everything read from one document (one file, or one document inside a PDF batch)."""

    source: str
    page: int = 1
    pages: list[int] = PydanticField(default_factory=lambda: [1])
    sha256: str | None = None
    doc_type: DocType = DocType.unknown
    doc_type_confidence: float = 0.0
    fields: dict[str, Field] = PydanticField(default_factory=dict)
    members: list[Member] = PydanticField(default_factory=list)
    warnings: list[Notice] = PydanticField(default_factory=list)

    def value(self, name: str) -> str | None:
        field = self.fields.get(name)
        return field.value if field else None

    def to_contract(self) -> dict[str, Any]:
        """The JSON line of `reaktivasi extract --jsonl` (CONTRACT.md)."""
        names = FIELDS_BY_DOC_TYPE[self.doc_type]
        fields = {n: self.value(n) for n in names}
        confidence = {
            n: round(f.confidence, 3)
            for n in names
            if (f := self.fields.get(n)) is not None and f.value is not None
        }
        return {
            "source": self.source,
            "page": self.page,
            "doc_type": self.doc_type.value,
            "fields": fields,
            "confidence": confidence,
            "members": [m.model_dump() for m in self.members],
            "warnings": [str(w) for w in self.warnings],
        }
