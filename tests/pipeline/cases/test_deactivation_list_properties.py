"""Properties of the list importer over generated input (issue 8 item 2).

Whatever bytes a Dinas Sosial hands over, the importer either imports (every stored NIK 16 ASCII
digits and valid, every other row reported by number) or refuses the file with a ValueError
that names it; it never crashes with anything else. The fast paths that keep a national import
quick must agree with the plain checks they shortcut.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import pipeline.cases.deactivation_list as dl
from extractors.nik import check_nik
from models.tables import deactivation
from pipeline.state import engine_for

VALID_NIKS = ("6101014507890003", "6101010101800001", "3374081205900001", "1101014107730002")
HEADERS = ("NIK", "NO KK", "NAMA", "TGL_LAHIR", "DESA", "KECAMATAN", "PERIODE", "DESIL", "ALASAN")

PROFILE = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)  # fmt: skip

# Cells that look like what lists hold, plus arbitrary text.
cell = st.one_of(
    st.sampled_from(VALID_NIKS),
    st.from_regex(r"\d{1,20}", fullmatch=True),
    st.from_regex(r"\d\.\d{1,6}[eE]\+?\d{1,4}", fullmatch=True),
    st.from_regex(r"\d{1,2}[/\-.]\d{1,2}[/\-.]\d{4}", fullmatch=True),
    st.from_regex(r"\d{4}-\d{1,2}(-\d{1,2})?", fullmatch=True),
    st.sampled_from(("Februari 2026", "12 Pebruari 2026", "05-Jul-1989", "Hj. SITI.Z", "")),
    st.text(max_size=30),
)
delimiter = st.sampled_from(",;\t|")


def _import(data: bytes, suffix: str = ".csv") -> tuple[dl.ImportReport | None, list[str]]:
    """Import the bytes into a fresh database; (report or None if refused, stored NIKs)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"list{suffix}"
        path.write_bytes(data)
        engine = engine_for(f"sqlite:///{Path(tmp) / 'state.sqlite'}")
        try:
            report = dl.import_list(path, engine)
        except ValueError as error:
            assert path.name in str(error)  # the message names the file
            report = None
        with engine.connect() as connection:
            niks = list(connection.execute(select(deactivation.c.nik)).scalars())
        engine.dispose()
        return report, niks


def _check_outcome(report: dl.ImportReport | None, niks: list[str]) -> None:
    for nik in niks:
        assert len(nik) == 16 and nik.isascii() and nik.isdigit()
        assert check_nik(nik) == []
    if report is None:
        assert niks == []
        return
    assert report.imported == len(niks) == len(set(niks))
    assert all(isinstance(row, int) and row >= 2 for row, _ in report.rejected)


@PROFILE
@given(st.binary(max_size=2000))
def test_any_bytes_import_or_give_a_clear_value_error(data: bytes) -> None:
    _check_outcome(*_import(data))


@PROFILE
@given(st.binary(max_size=500))
def test_any_bytes_named_xlsx_import_or_give_a_clear_value_error(data: bytes) -> None:
    _check_outcome(*_import(data, ".xlsx"))


@PROFILE
@given(
    delimiter,
    st.lists(st.sampled_from(HEADERS), min_size=1, max_size=9, unique=True),
    st.lists(st.lists(cell, max_size=10), max_size=25),
)
def test_list_shaped_csv_imports_only_valid_niks(
    sep: str, header: list[str], rows: list[list[str]]
) -> None:
    lines = [sep.join(header)] + [sep.join(c.replace(sep, " ") for c in row) for row in rows]
    text = "\n".join(line.replace("\r", " ").replace("\n", " ") for line in lines) + "\n"
    report, niks = _import(text.encode("utf-8", errors="replace"))
    _check_outcome(report, niks)
    if report is not None and "NIK" in header:
        # Every non-blank data row is accounted for: imported, rejected or warned as a repeat.
        repeats = sum("listed twice" in why for _, why in report.warnings)
        assert report.imported + len(report.rejected) + repeats <= len(rows)


@given(st.from_regex(r"[0-9]{16}", fullmatch=True) | st.text(max_size=20))
def test_cached_nik_check_agrees_with_check_nik(digits: str) -> None:
    assert dl.nik_problems(digits) == check_nik(digits)


@given(
    st.sampled_from(("610101", "337408", "110101", "999999", "000000", "910101")),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 9999),
)
def test_cached_nik_check_agrees_on_nik_shaped_numbers(
    prefix: str, day: int, month: int, year: int, serial: int
) -> None:
    nik = f"{prefix}{day:02d}{month:02d}{year:02d}{serial:04d}"
    assert dl.nik_problems(nik) == check_nik(nik)


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ .abcdez-'", max_size=30) | st.text(max_size=20))
def test_name_key_fast_path_agrees_with_the_full_normalisation(name: str) -> None:
    assert dl.name_key(name) == dl._name_key(name)


@given(st.dates(date(1900, 1, 1), date(2030, 12, 31)))
def test_sliced_dates_agree_with_the_patterns(day: date) -> None:
    for text in (
        f"{day.day:02d}/{day.month:02d}/{day.year}",
        f"{day.day:02d}-{day.month:02d}-{day.year}",
        f"{day.month:02d}.{day.day:02d}.{day.year}",
        day.isoformat(),
    ):
        assert dl._dates_in_text(text) == dl._dates_matched(text)
        assert day in dl._dates_in_text(text)
