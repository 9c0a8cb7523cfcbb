"""Pydantic records shared by every layer. Imports nothing of ours."""

from models.document import Box, Document, Line, Page, TextSource, Word
from models.extraction import DocType, Extraction, Field, Member, Notice

__all__ = [
    "Box",
    "DocType",
    "Document",
    "Extraction",
    "Field",
    "Line",
    "Member",
    "Notice",
    "Page",
    "TextSource",
    "Word",
]
