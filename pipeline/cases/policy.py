"""The decision policy: CONTRACT.md's default, or a kabupaten's YAML file."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, Field

ALL_CATEGORIES = (
    "gagal_ginjal", "kanker", "jantung", "hemofilia", "stroke", "thalassemia", "sirosis_hati",
    "igd", "icu", "dalam_tindakan",
)  # fmt: skip


class Policy(BaseModel):
    """What a submission needs. Defaults reproduce CONTRACT.md's default policy."""

    name: str = "default"
    require_sktm: bool = Field(True, description="False as in the 2026 Kemensos guidance")
    sktm_optional_when_urgent: bool = True
    require_identity: bool = True
    priority_categories: list[str] = Field(default_factory=lambda: list(ALL_CATEGORIES))
    window_months: int = Field(6, description="reactivation allowed this long after removal")
    review_confidence: float = Field(
        0.6, description="a decisive field read with less confidence goes to a reviewer"
    )
    sure_confidence: float = Field(
        0.9, description="a value read this surely is what is printed, not an OCR slip"
    )
    identified_confidence: float = Field(
        0.5, description="a document type this sure: a type absent from the files is absent"
    )
    name_match: float = Field(85.0, description="rapidfuzz ratio for the same person's name")
    other_name: float = Field(
        50.0, description="below this ratio a name is surely another person's, not a misreading"
    )


def load_policy(path: Path | None) -> Policy:
    if path is None:
        return Policy()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return Policy.model_validate(data)
