"""Pydantic records shared by every layer. Imports nothing of ours."""

from models.decision import (
    Candidate,
    DeactivationRecord,
    Decision,
    Priority,
    Reason,
    ReasonCode,
    Status,
    Submission,
)
from models.document import Box, Document, Line, Page, TextSource, Word
from models.extraction import DocType, Extraction, Field, Member, Notice

__all__ = [
    "Box",
    "Candidate",
    "DeactivationRecord",
    "Decision",
    "DocType",
    "Document",
    "Extraction",
    "Field",
    "Line",
    "Member",
    "Notice",
    "Page",
    "Priority",
    "Reason",
    "ReasonCode",
    "Status",
    "Submission",
    "TextSource",
    "Word",
]
