"""Submissions, the deactivation list and decisions (CONTRACT.md statuses and reasons)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

from models.extraction import Extraction


class Status(StrEnum):
    ready = "ready"
    needs_correction = "needs_correction"
    needs_review = "needs_review"
    not_eligible = "not_eligible"


class ReasonCode(StrEnum):
    missing_faskes_letter = "missing_faskes_letter"
    missing_sktm = "missing_sktm"
    missing_identity = "missing_identity"
    nik_unreadable = "nik_unreadable"
    nik_mismatch = "nik_mismatch"
    register_number_missing = "register_number_missing"
    diagnosis_missing = "diagnosis_missing"
    not_in_deactivation_list = "not_in_deactivation_list"
    reactivation_window_passed = "reactivation_window_passed"
    unreadable_file = "unreadable_file"


class Priority(StrEnum):
    urgent = "urgent"
    regular = "regular"


class DeactivationRecord(BaseModel):
    """One row of the BNBA deactivation list."""

    nik: str
    kk_number: str | None = None
    name: str | None = None
    birth_date: date | None = None
    village: str | None = None
    district: str | None = None
    deactivated_on: date | None = None
    desil: str | None = None
    reason: str | None = None
    row: int | None = None


class Submission(BaseModel):
    """All files one applicant sent, read."""

    id: str
    documents: list[Extraction] = Field(default_factory=list)
    duplicates: list[str] = Field(default_factory=list, description="sources dropped by hash")


class Reason(BaseModel):
    code: ReasonCode
    message: str = Field(description="the sentence for the applicant, Bahasa Indonesia")


class Candidate(BaseModel):
    """A list entry that nearly matches the applicant: a reviewer must look."""

    nik: str
    name: str | None = None
    why: str


class Decision(BaseModel):
    submission: str
    status: Status
    reasons: list[Reason] = Field(default_factory=list)
    priority: Priority = Priority.regular
    nik: str | None = None
    priority_category: str | None = None
    review_notes: list[str] = Field(default_factory=list)
    candidates: list[Candidate] = Field(default_factory=list)
    photo_problems: list[str] = Field(default_factory=list)
    unreadable_files: list[tuple[str, str]] = Field(
        default_factory=list, description="(source, code) of files that could not be used"
    )

    def to_contract(self) -> dict:
        return {
            "submission": self.submission,
            "status": self.status.value,
            "reasons": [r.code.value for r in self.reasons],
            "priority": self.priority.value,
            "nik": self.nik,
        }
