"""Person names as printed: upper case, single spaces, honorifics and trailing noise removed."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from extractors.confidence import evidence_of, scored_field
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
    value = clean_name(_before_next_label(" ".join([hit.value, *(w.text for w in more or [])])))
    if value is None:
        return Field(name=name)
    tokens = set(value.split())
    candidates = [*hit.words, *(more or [])]
    words = [w for w in candidates if w.text.upper().strip(",.") in tokens] or list(hit.words)
    evidence = evidence_of(words, **hit.flags)
    return scored_field(name, value, evidence, hit.page, [w.box for w in words])


# Labels of the next column on a KK's header: on a shrunk photo OCR can run a name into
# them (`VIMAN WALUYO ECAMATAN ARSO TIMUR`). No name part resembles them.
NEXT_LABELS = ("KECAMATAN", "KELURAHAN", "KABUPATEN", "PROVINSI")


def _before_next_label(text: str) -> str:
    tokens = text.split()
    for i, token in enumerate(tokens[1:], start=1):
        word = token.upper().strip(":.,")
        if len(word) >= 7 and any(fuzz.ratio(word, label) >= 85 for label in NEXT_LABELS):
            return " ".join(tokens[:i])
    return text


def extract_name(lines: list[Line], field: str = "name") -> Field:
    """The first labelled name with a usable value."""
    for hit in find_labels(lines, field):
        more = continuation(lines, hit, max_lines=1)
        found = name_field(hit, "name" if field == "name" else field, more)
        if found.value:
            return found
    return Field(name=field)


# Titles and honorifics letters put before a name, and the patronymic after BIN/BINTI: one
# document prints "Ny. SITI AMINAH BINTI ABDULLAH", another "SITI AMINAH".
_TITLES = frozenset(
    {*HONORIFICS, "H", "HJ", "HAJI", "HAJJAH", "DR", "ALM", "ALMH", "ALMARHUM", "ALMARHUMAH"}
)
_PATRONYM = re.compile(r"\s(?:BIN|BINTI|BT|BN)\s.*$")
SAME_PERSON = 85.0  # name_similarity at or above which two names are one person


def person_key(name: str | None) -> str:
    """A name reduced to what identifies a person: upper case, letters and single spaces,
    no titles, no patronym after BIN/BINTI, no initials glued on (`MAWARDI.Z` → `MAWARDI`)."""
    text = (name or "").upper()
    text = re.sub(r"(?<=[A-Z]{2})\.[A-Z]{1,2}\b", " ", text)
    text = re.sub(r"[^A-Z ]", " ", text)
    tokens = text.split()
    while tokens and tokens[0] in _TITLES:
        tokens.pop(0)
    return _PATRONYM.sub("", " " + " ".join(tokens)).strip()


def _token_score(a: str, b: str) -> float:
    """One name part against another; an initial (`M`) stands for any part it begins."""
    if len(a) == 1 or len(b) == 1:
        return 100.0 if a[0] == b[0] else 0.0
    return fuzz.ratio(a, b)


def name_similarity(a: str | None, b: str | None) -> float:
    """0-100: how likely two printed names are the same person, forgiving what OCR and
    clerks change (one letter, spacing, titles, BIN/BINTI, `M.` for MUHAMMAD, word order)
    but not a different given name within one family (`ANI SANTOSO` / `BUDI SANTOSO`)."""
    ka, kb = person_key(a), person_key(b)
    if not ka or not kb:
        return 0.0
    joined = fuzz.ratio(ka.replace(" ", ""), kb.replace(" ", ""))
    short, long = sorted((ka.split(), kb.split()), key=len)
    if len(short) == len(long) or len(short) >= 2:
        # Every part of the shorter name must be found in the longer one.
        parts = min(max(_token_score(t, u) for u in long) for t in short)
        missing = len(long) - len(short)
        parts -= 10.0 * missing
    else:
        parts = 0.0
    return max(joined, parts)
