"""OCR digit repair for numbers: NIK, KK number and dates.

The KTP/KK fonts make O/0, I/l/1, S/5, B/8, Z/2 and G/6 look alike, so Tesseract often reads a
letter in the middle of a number. Repairing every letter would turn "SITI" or "BOS" into
digits, so a letter is repaired only inside a cluster that is mostly real digits. Every repair
maps one character to one character: offsets and word boundaries never move.
"""

from __future__ import annotations

import re

# Letter (as Tesseract reads it) -> the digit it stands for. Only the confusions typical of the
# KTP/KK fonts; rarer ones (D/0, b/6, T/7) cost more false repairs than they win.
OCR_DIGIT_MAP: dict[str, str] = {
    "O": "0",
    "o": "0",
    "I": "1",
    "l": "1",
    "|": "1",
    "S": "5",
    "s": "5",
    "B": "8",
    "Z": "2",
    "z": "2",
    "G": "6",
}

# Share of real digits a cluster needs before its letters are read as digits.
MIN_DIGIT_SHARE = 0.6
# A cluster with at least this many real digits needs only LENIENT_DIGIT_SHARE.
MIN_REAL_DIGITS = 3
# Share needed when the cluster has few digits but sits next to a number (a NIK group "O1").
LENIENT_DIGIT_SHARE = 0.5

_CHARS = "0-9" + re.escape("".join(OCR_DIGIT_MAP))
# A cluster: parts of digits/look-alikes joined by a single '.', '-' or '/' ("l2-O2-2026").
_CLUSTER_RE = re.compile(rf"[{_CHARS}]+(?:[.\-/][{_CHARS}]+)*")
_PART_RE = re.compile(rf"[{_CHARS}]+")
_TOKEN_RE = re.compile(r"\S+")
_TRANSLATION = str.maketrans(OCR_DIGIT_MAP)

# What may separate the groups of one printed number: spaces, or a dot/hyphen with optional
# spaces around it ("6101 0145 0789 0003", "6101.0145.0789.0003", "33 74 08 120590 0001").
SEPARATOR_PATTERN = r"(?:[ \t]*[.\-][ \t]*|[ \t]+)"
DIGIT_RUN_RE = re.compile(rf"\d+(?:{SEPARATOR_PATTERN}\d+)*")
DIGIT_GROUP_RE = re.compile(r"\d+")


def _should_repair(cluster: str, share_needed: float) -> bool:
    real = sum(c.isdigit() for c in cluster)
    letters = sum(c in OCR_DIGIT_MAP for c in cluster)
    if real == 0 or letters == 0:
        return False
    share = real / (real + letters)
    return share >= share_needed or (real >= MIN_REAL_DIGITS and share >= LENIENT_DIGIT_SHARE)


def _repair_cluster(cluster: str) -> str:
    """Translate the parts that hold a real digit; a letters-only part ("II") is kept."""

    def part(match: re.Match[str]) -> str:
        text = match.group(0)
        return text.translate(_TRANSLATION) if any(c.isdigit() for c in text) else text

    return _PART_RE.sub(part, cluster)


def repair_token(token: str, *, lenient: bool = False) -> str:
    """Repair look-alike letters inside the mostly-digit clusters of one token.

    `lenient` lowers the digit share needed to 50%, for a token sitting next to a number.
    """
    share = LENIENT_DIGIT_SHARE if lenient else MIN_DIGIT_SHARE

    def cluster(match: re.Match[str]) -> str:
        text = match.group(0)
        return _repair_cluster(text) if _should_repair(text, share) else text

    return _CLUSTER_RE.sub(cluster, token)


def _is_number(token: str) -> bool:
    core = token.strip(".,:;()")
    return len(core) >= 2 and core.isdigit()


def repair_text(text: str) -> str:
    """Repair every token of `text`; the result has the same length and the same spaces.

    A token next to a token that is already a number (after repair) is repaired leniently, so
    the groups of a split NIK ("6101 O1 45...") are read together.
    """
    spans = [(m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]
    strict = [repair_token(text[a:b]) for a, b in spans]
    numeric = [_is_number(t) for t in strict]
    out = list(text)
    for i, (a, b) in enumerate(spans):
        token = strict[i]
        near_number = (i > 0 and numeric[i - 1]) or (i + 1 < len(spans) and numeric[i + 1])
        if near_number and not numeric[i]:
            token = repair_token(token, lenient=True)
        out[a:b] = token
    return "".join(out)


def digits_only(text: str) -> str:
    """The digits of `text`, separators and everything else dropped."""
    return "".join(c for c in text if c.isdigit())
