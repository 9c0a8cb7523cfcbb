"""Checks between fields of one document: what the NIK says against what is printed.

A NIK is never reissued to fix a wrong date (DOMAIN.md §1), so a NIK whose date digits or
gender (day + 40 for a woman) disagree with the printed birth date or Jenis Kelamin is a
warning for a reviewer, never a rejection, and neither value is changed. The agreement is also
evidence for both readings: the NIK's digits and the printed date are read independently, so
when they agree both are very likely right, and when they disagree one of them may be misread
(their confidences say so through `extractors.confidence`).
"""

from __future__ import annotations

import re
from datetime import date

from extractors.confidence import rescored
from extractors.labels import find_label
from extractors.nik import decode_nik, mask_nik
from models import Field, Line, Notice

# The first word of the value; OCR may drop a letter of the long forms.
_MALE = re.compile(r"^(?:L|LK|LAK[I1l]|PRIA|LELAKI)$|^LAKI")
_FEMALE = re.compile(r"^(?:P|PR|WANITA)$|^PEREM|^PRMP")
_GENDER_WORDS = {"L": "laki-laki", "P": "perempuan"}


def parse_gender(text: str | None) -> str | None:
    """`LAKI-LAKI`, `Laki-laki`, `L`, `PRIA` → `L`; `PEREMPUAN`, `P`, `WANITA` → `P`."""
    if not text:
        return None
    words = re.split(r"[\s\-/,.]+", text.upper().strip(" :;"))
    first = words[0] if words else ""
    if _MALE.match(first):
        return "L"
    if _FEMALE.match(first):
        return "P"
    return None


def printed_gender(lines: list[Line]) -> str | None:
    """The value after `Jenis Kelamin`, as `L` / `P`, or None when not printed or unreadable."""
    hit = find_label(lines, "gender")
    return parse_gender(hit.value) if hit else None


def nik_birth_date_notice(nik: Field, birth_date: Field) -> Notice | None:
    """A notice when the NIK's day/month/year disagree with the printed birth date."""
    if not nik.value or not birth_date.value:
        return None
    info = decode_nik(nik.value)
    if info is None:
        return None
    printed = date.fromisoformat(birth_date.value)
    if printed in info.birth_date_candidates():
        return None
    return Notice(
        code="nik_birth_date_mismatch",
        message=(
            f"NIK {mask_nik(nik.value)} encodes the birth date "
            f"{info.birth_day:02d}-{info.birth_month:02d}-..{info.birth_yy:02d}, but "
            f"{printed.isoformat()} is printed; a NIK is never reissued, a person should look"
        ),
        field="birth_date",
    )


def nik_gender_notice(nik: Field, gender: str | None) -> Notice | None:
    """A notice when the NIK's day (+40 for a woman) disagrees with the printed gender."""
    if not nik.value or gender is None:
        return None
    info = decode_nik(nik.value)
    if info is None or info.gender == gender:
        return None
    return Notice(
        code="nik_gender_mismatch",
        message=(
            f"NIK {mask_nik(nik.value)} is a {_GENDER_WORDS[info.gender]}'s NIK (birth day "
            f"{'+ 40' if info.gender == 'P' else 'without + 40'}), but "
            f"{_GENDER_WORDS[gender]} is printed; a NIK is never reissued, a person should look"
        ),
        field="nik",
    )


def cross_check(fields: dict[str, Field], lines: list[Line]) -> list[Notice]:
    """Compare the NIK with the printed birth date and gender; record the agreement in the
    evidence of both fields (in place) and return the warnings."""
    nik = fields.get("nik")
    if nik is None or not nik.value:
        return []
    born = fields.get("birth_date")
    date_notice = nik_birth_date_notice(nik, born) if born is not None else None
    gender_notice = nik_gender_notice(nik, printed_gender(lines))
    notices = [n for n in (date_notice, gender_notice) if n is not None]
    if born is not None and born.value:
        agrees = date_notice is None and gender_notice is None
        fields["nik"] = rescored(nik, "nik", agrees=agrees)
        fields["birth_date"] = rescored(born, "birth_date", agrees=date_notice is None)
    elif gender_notice is not None:
        fields["nik"] = rescored(nik, "nik", agrees=False)
    return notices
