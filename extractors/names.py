"""Person names as printed: upper case, single spaces, honorifics and trailing noise removed."""

from __future__ import annotations

import re

from extractors.labels import LabelHit, continuation, find_labels
from models import Field, Line, Word

HONORIFICS = ("TN", "NY", "NN", "AN", "BY", "SDR", "SDRI", "BPK", "BAPAK", "IBU", "NONA", "TUAN")
_HONORIFIC = re.compile(rf"^(?:(?:{'|'.join(HONORIFICS)})\.?\s+)+", re.IGNORECASE)
_ALLOWED = re.compile(r"[^A-Z.'\- ]")


def clean_name(value: str) -> str | None:
    """`Ny. Siti Aminah, 45 th (P)` → `SITI AMINAH`; None when no name is left."""
    text = re.split(r"[,(\[/|]|\d", value, maxsplit=1)[0]
    text = _HONORIFIC.sub("", text.strip().upper())
    text = _ALLOWED.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip(" .-'")
    letters = sum(ch.isalpha() for ch in text)
    return text if letters >= 2 else None


def name_field(hit: LabelHit | None, name: str = "name", more: list[Word] | None = None) -> Field:
    """The name after a label; `more` are words of a line the name wrapped onto."""
    if hit is None:
        return Field(name=name)
    value = clean_name(" ".join([hit.value, *(w.text for w in more or [])]))
    if value is None:
        return Field(name=name)
    tokens = set(value.split())
    candidates = [*hit.words, *(more or [])]
    words = [w for w in candidates if w.text.upper().strip(",.") in tokens] or list(hit.words)
    confidence = sum(w.confidence for w in words) / len(words)
    return Field(
        name=name,
        value=value,
        confidence=round(confidence * (1.0 if hit.colon else 0.9), 3),
        page=hit.page,
        boxes=[w.box for w in words],
    )


def extract_name(lines: list[Line], field: str = "name") -> Field:
    """The first labelled name with a usable value."""
    for hit in find_labels(lines, field):
        more = continuation(lines, hit, max_lines=1)
        found = name_field(hit, "name" if field == "name" else field, more)
        if found.value:
            return found
    return Field(name=field)
