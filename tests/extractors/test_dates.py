"""Indonesian dates: long form with old spellings, numeric, ISO, OCR-damaged digits."""

from __future__ import annotations

from datetime import date

import pytest

from extractors.dates import MONTHS, find_dates, parse_date, parse_digit_boxes

REF = date(2026, 3, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 Februari 2026", date(2026, 2, 12)),
        ("12 Pebruari 2026", date(2026, 2, 12)),
        ("1 Nopember 2025", date(2025, 11, 1)),
        ("01 November 2025", date(2025, 11, 1)),
        ("12 Agt 2026", date(2026, 8, 12)),
        ("12 Agu 2026", date(2026, 8, 12)),
        ("12 Ags. 2026", date(2026, 8, 12)),
        ("12 AGUSTUS 2026", date(2026, 8, 12)),
        ("12 Sept. 2026", date(2026, 9, 12)),
        ("12 Peb 2026", date(2026, 2, 12)),
        ("12 Des 2025", date(2025, 12, 12)),
        ("12 Mei 2026", date(2026, 5, 12)),
        ("12 October 2025", date(2025, 10, 12)),
        ("12 May 2026", date(2026, 5, 12)),
        ("12-Feb-2026", date(2026, 2, 12)),
        ("12-Okt-2025", date(2025, 10, 12)),
        ("Kamis, 12 Februari 2026", date(2026, 2, 12)),
        ("Jum'at, 13 Februari 2026", date(2026, 2, 13)),
        ("Sambas, 12 Februari 2026", date(2026, 2, 12)),
        ("SAMBAS, 05-07-1989", date(1989, 7, 5)),
        ("12-02-2026", date(2026, 2, 12)),
        ("12/02/2026", date(2026, 2, 12)),
        ("12.02.2026", date(2026, 2, 12)),
        ("5-7-1989", date(1989, 7, 5)),
        ("2026-02-12", date(2026, 2, 12)),
        ("l2-O2-2026", date(2026, 2, 12)),
        ("I2 Februari 2O26", date(2026, 2, 12)),
        ("Tlogowungu, 29 - Ol - 2026", date(2026, 1, 29)),  # typewriter zero and one
        ("29 - O1 - 2026", date(2026, 1, 29)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text, reference=REF) == expected


def test_two_digit_year_letter_date() -> None:
    assert parse_date("12-02-26", reference=REF, kind="letter") == date(2026, 2, 12)
    # a letter may be dated up to about a year ahead
    assert parse_date("12-02-27", reference=REF, kind="letter") == date(2027, 2, 12)


def test_two_digit_year_birth_date() -> None:
    assert parse_date("05-07-89", reference=REF, kind="birth") == date(1989, 7, 5)
    assert parse_date("05-01-26", reference=REF, kind="birth") == date(2026, 1, 5)
    assert parse_date("05-07-26", reference=REF, kind="birth") == date(1926, 7, 5)


@pytest.mark.parametrize(
    "text",
    [
        "31-02-2026",
        "12-13-2026",
        "00-02-2026",
        "30 Februari 2026",
        "29-02-2025",
        "Sambas",
        "",
        "SOS Mei 2026",
        "400/12/II/2026",  # letter number with a Roman month
        "Nomor : 12 / II / 2026",
        "lO - Ol - 2026",  # no real digit in day or month
        "2026/02/12/000123",  # Khanza visit number
        "6101.0145.0789.0003",  # a NIK printed with dots
    ],
)
def test_invalid_or_non_dates_give_none(text: str) -> None:
    assert parse_date(text, reference=REF) is None


def test_day_first_never_month_first() -> None:
    assert parse_date("05/07/1989", reference=REF) == date(1989, 7, 5)
    assert parse_date("07/25/2026", reference=REF) is None


def test_29_february_leap_years() -> None:
    assert parse_date("29-02-2024", reference=REF) == date(2024, 2, 29)
    assert parse_date("29-02-00", reference=REF, kind="birth") == date(2000, 2, 29)


def test_find_dates_offsets() -> None:
    text = "Tgl 12-02-2026 s/d 15 Maret 2026"
    found = find_dates(text, reference=REF)
    assert found == [(date(2026, 2, 12), 4, 14), (date(2026, 3, 15), 19, 32)]
    assert text[19:32] == "15 Maret 2026"


def test_month_table_covers_old_spellings_and_abbreviations() -> None:
    for name, month in {"pebruari": 2, "nopember": 11, "agt": 8, "ags": 8, "agu": 8}.items():
        assert MONTHS[name] == month


def test_a_date_one_digit_per_box():
    """faskes_letter/identity_table, `Tgl. Lahir` in boxes as PP-OCR read it."""
    assert parse_digit_boxes("| 2 | 7 | | 0 | 7 |1 | 9 |6 |2 |") == date(1962, 7, 27)
    assert parse_digit_boxes("2 9 0 4 1 9 7 6") == date(1976, 4, 29)
    assert parse_digit_boxes("2 9 41976") is None  # a digit lost: no guess
    assert parse_digit_boxes("3201 0101 0101") is None
