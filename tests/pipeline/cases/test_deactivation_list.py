"""Importing the BNBA list: header spellings, Excel's lost digits, ambiguous dates, bad rows."""

from __future__ import annotations

from datetime import date, datetime
from itertools import pairwise
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import create_engine, func, select

import pipeline.cases.deactivation_list as dl
from models.tables import deactivation
from pipeline.cases.deactivation_list import candidates, import_list, lookup, near_niks
from pipeline.state import engine_for

NIK = "6101014507890003"  # a woman born 05-07-1989 (day 45 = 5 + 40)


@pytest.fixture
def engine(tmp_path: Path):
    return engine_for(f"sqlite:///{tmp_path / 'state.sqlite'}")


def test_csv_with_usual_headers_and_bad_rows(tmp_path: Path, engine):
    path = tmp_path / "bnba.csv"
    path.write_text(
        "NO;NIK;NO KK;NAMA;TGL_LAHIR;DESA/KELURAHAN;KECAMATAN;PERIODE;DESIL\n"
        f"1;{NIK};6101010101200001;Siti Aminah;07/05/1989;Sebawi;Sebawi;2026-02;7\n"
        "2;123;;RUSAK;01/01/1990;;;2026-02;7\n"
        "3;6101010101800001;;BUDI;01/01/1980;Sebawi;Sebawi;Februari 2026;8\n"
    )
    report = import_list(path, engine)
    assert report.imported == 2
    assert [row for row, _ in report.rejected] == [3]
    record = lookup(engine, NIK)
    assert record.name == "SITI AMINAH"
    # 07/05/1989 read month-first because the NIK says 5 July.
    assert record.birth_date == date(1989, 7, 5)
    assert record.deactivated_on == date(2026, 2, 1)
    assert lookup(engine, "6101010101800001").deactivated_on == date(2026, 2, 1)


@pytest.fixture(params=["openpyxl", "calamine"])
def xlsx_reader(request, monkeypatch) -> str:
    """Run an XLSX test with each reader: python-calamine when installed, openpyxl always."""
    if request.param == "calamine":
        pytest.importorskip("python_calamine")
    else:
        monkeypatch.setattr(dl, "_calamine", lambda: None)
    return request.param


def test_xlsx_typed_cells_dates_and_numbers(tmp_path: Path, engine, xlsx_reader: str):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["NIK", "NO KK", "NAMA", "TGL_LAHIR", "TGL_NONAKTIF", "DESIL", ""])
    sheet.append([NIK, "6101010101200001", "siti", datetime(1989, 7, 5), date(2026, 2, 1), 7])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["6101010101800001", None, "BUDI", "01/01/1980", "Februari 2026", 10])
    path = tmp_path / "bnba.xlsx"
    workbook.save(path)
    report = import_list(path, engine)
    assert (report.imported, report.rejected, report.warnings) == (2, [], [])
    siti = lookup(engine, NIK)
    assert (siti.name, siti.kk_number, siti.desil) == ("SITI", "6101010101200001", "7")
    assert (siti.birth_date, siti.deactivated_on) == (date(1989, 7, 5), date(2026, 2, 1))
    assert lookup(engine, "6101010101800001").desil == "10"


def test_xlsx_numeric_nik_that_lost_its_last_digit_is_flagged(
    tmp_path: Path, engine, xlsx_reader: str
):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["NIK", "NAMA", "TGL_NONAKTIF"])
    sheet.append([NIK, "SITI", "2026-01-20"])  # typed as text: fine
    sheet.append([6101010101800000, "BUDI", "2026-01-20"])  # a number: last digit lost
    path = tmp_path / "bnba.xlsx"
    workbook.save(path)
    report = import_list(path, engine)
    assert report.imported == 1
    assert "lost its last digit" in report.rejected[0][1]
    assert "6101********0000" in report.rejected[0][1]  # masked in the message


def test_reimport_replaces_the_list(tmp_path: Path, engine):
    first = tmp_path / "a.csv"
    first.write_text(f"NIK,NAMA\n{NIK},SITI\n")
    second = tmp_path / "b.csv"
    second.write_text("NIK,NAMA\n6101010101800001,BUDI\n")
    import_list(first, engine)
    import_list(second, engine)
    assert lookup(engine, NIK) is None
    assert lookup(engine, "6101010101800001") is not None


def test_missing_nik_column_is_a_clear_error(tmp_path: Path, engine):
    path = tmp_path / "x.csv"
    path.write_text("NAMA,DESA\nSITI,SEBAWI\n")
    with pytest.raises(ValueError, match="no NIK column"):
        import_list(path, engine)


def test_candidates_one_digit_away_and_by_name_and_birth_date(tmp_path: Path, engine):
    path = tmp_path / "bnba.csv"
    path.write_text(
        "NIK,NAMA,TGL_LAHIR\n"
        "6101014507890008,SITI AMINAH,05/07/1989\n"
        "6101010101800001,Hj. SITI AMINAH,05/07/1989\n"
    )
    import_list(path, engine)
    found = candidates(engine, NIK, "SITI AMINAH", date(1989, 7, 5))
    niks = {record.nik: why for record, why in found}
    assert "6101014507890008" in niks
    assert niks["6101010101800001"].startswith("same name")
    swaps = sum(a != b for a, b in pairwise(NIK))
    assert len(near_niks(NIK)) == 16 * 9 + swaps  # one digit changed, or neighbours swapped


def test_medium_dates_and_long_dates_are_read(tmp_path: Path, engine):
    path = tmp_path / "bnba.csv"
    path.write_text(
        f"NIK,NAMA,TGL_LAHIR,TGL_NONAKTIF\n{NIK},SITI,05-Jul-1989,1 Pebruari 2026\n"
        "6101010101800001,BUDI,1 Januari 1980,01-Feb-2026\n"
    )
    report = import_list(path, engine)
    assert (report.imported, report.rejected, report.warnings) == (2, [], [])
    assert lookup(engine, NIK).birth_date == date(1989, 7, 5)
    assert lookup(engine, NIK).deactivated_on == date(2026, 2, 1)
    assert lookup(engine, "6101010101800001").birth_date == date(1980, 1, 1)


def test_duplicates_overlong_desil_and_blank_lines(tmp_path: Path, engine):
    path = tmp_path / "bnba.csv"
    path.write_text(
        "NIK;NAMA;DESIL\n"
        f"{NIK};SITI;7\n"
        ";;\n"
        f"{NIK};SITI LAGI;7\n"
        "6101010101800001;BUDI;DESIL 10 SANGAT MAMPU\n"
    )
    report = import_list(path, engine)
    assert report.imported == 2
    assert report.warnings[0] == (4, "NIK 6101********0003 listed twice")
    assert report.warnings[1][0] == 5 and "not a desil" in report.warnings[1][1]
    assert lookup(engine, NIK).name == "SITI"  # the first listing wins
    assert lookup(engine, "6101010101800001").desil is None


def test_scientific_notation_and_overflowing_numbers_are_rejected_not_raised(
    tmp_path: Path, engine
):
    path = tmp_path / "bnba.csv"
    path.write_text("NIK,NAMA\n6.10101E+15,SITI\n1e999,BUDI\n")
    report = import_list(path, engine)
    assert report.imported == 0
    assert [row for row, _ in report.rejected] == [2, 3]
    assert all("stored as a number" in why for _, why in report.rejected)


def _listed(url: str) -> int:
    with create_engine(url).connect() as connection:
        return connection.execute(select(func.count()).select_from(deactivation)).scalar_one()


def test_readers_see_the_old_list_until_the_new_one_is_complete(
    tmp_path: Path, engine, monkeypatch
):
    old = tmp_path / "old.csv"
    old.write_text(f"NIK,NAMA\n{NIK},SITI\n")
    import_list(old, engine)
    new = tmp_path / "new.csv"
    new.write_text("NIK,NAMA\n" + "".join(f"61010101018{n:05d},ORANG {n}\n" for n in range(1, 9)))
    url = str(engine.url)
    seen_by_reader: list[tuple[int, bool]] = []
    write = dl._Writer.write

    def write_and_look(self, rows):
        write(self, rows)
        # Another connection, mid-import: still the old list, whole.
        seen_by_reader.append((_listed(url), lookup(create_engine(url), NIK) is not None))

    monkeypatch.setattr(dl, "BATCH", 3)
    monkeypatch.setattr(dl._Writer, "write", write_and_look)
    report = import_list(new, engine)
    assert report.imported == 8
    assert seen_by_reader and set(seen_by_reader) == {(1, True)}
    assert _listed(url) == 8 and lookup(engine, NIK) is None


def test_a_file_that_breaks_mid_way_leaves_the_old_list(tmp_path: Path, engine):
    old = tmp_path / "old.csv"
    old.write_text(f"NIK,NAMA\n{NIK},SITI\n")
    import_list(old, engine)
    broken = tmp_path / "broken.csv"
    broken.write_text("NIK,NAMA\n6101010101800001,BUDI\n6101010101800002," + "A" * 200_000 + "\n")
    with pytest.raises(ValueError, match="cannot read the CSV"):
        import_list(broken, engine)
    assert lookup(engine, NIK) is not None
    assert lookup(engine, "6101010101800001") is None


def test_a_file_that_is_not_a_workbook_is_a_clear_error(tmp_path: Path, engine, xlsx_reader: str):
    path = tmp_path / "bnba.xlsx"
    path.write_bytes(b"this is not a zip file")
    with pytest.raises(ValueError, match="not a readable XLSX"):
        import_list(path, engine)


def test_one_column_file_without_delimiter_imports(tmp_path: Path, engine):
    path = tmp_path / "bnba.csv"
    path.write_text(f"NIK\n{NIK}\n")
    assert import_list(path, engine).imported == 1
