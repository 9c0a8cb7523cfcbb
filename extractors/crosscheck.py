"""Checks between fields of one document: what the NIK says against what is printed.

A NIK is never reissued to fix a wrong date (DOMAIN.md §1), so a NIK whose date digits
disagree with the printed birth date is a warning for a reviewer, never a rejection, and
neither value is changed.
"""

from __future__ import annotations

from datetime import date

from extractors.nik import decode_nik, mask_nik
from models import Field, Notice


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
