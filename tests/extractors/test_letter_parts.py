import pytest

from extractors.letter_parts import birth_date, letter_date
from extractors.lines import lines_from_text


def test_place_date_line_wins_over_date_in_body_text():
    lines = lines_from_text(
        "Benar telah berobat pada tanggal 08-12-2025 dengan diagnosa tersebut\n"
        "\n"
        "Sambas, 12 Pebruari 2026\n"
        "Dokter Pemeriksa,"
    )
    assert letter_date(lines).value == "2026-02-12"


def test_labelled_date_that_wraps_onto_next_line():
    lines = lines_from_text(
        "Benar telah berobat pada tanggal 08-12-2025\n"
        "Dikeluarkan di : Kaisenar\n"
        "Pada tanggal : Rabu, 10 Desember\n"
        "               2025\n"
        "Dokter-Pemeriksa,"
    )
    assert letter_date(lines).value == "2025-12-10"


def test_birth_date_and_validity_dates_are_not_the_letter_date():
    lines = lines_from_text(
        "Tgl. Lahir : 05-07-1989\nistirahat 17-10-2025 s/d 22-10-2025\nMalinau, 18-10-2025"
    )
    assert letter_date(lines).value == "2025-10-18"


def test_birth_date_wrapped():
    lines = lines_from_text("Tempat/Tgl Lahir : KONAWE, 7 Maret\n                   2005")
    assert birth_date(lines).value == "2005-03-07"


def test_birth_date_two_digit_year_is_in_the_past():
    assert birth_date(lines_from_text("Tgl. Lahir : 05-07-89")).value == "1989-07-05"


def test_a_birth_date_whose_colon_was_read_as_a_digit_glued_to_the_day():
    for text in ("Tanggal Lahir : 111 - 07 - 1963", "Tanggal Lahir 111 - 07 - 1963"):
        assert birth_date(lines_from_text(text)).value == "1963-07-11", text
    assert birth_date(lines_from_text("Tgl Lahir : 11-07-1963")).value == "1963-07-11"


def test_a_birth_date_right_after_its_label_whose_colon_was_lost():
    """faskes_letter/rujukan_form on a 200-dpi scan (own set, seed 91)."""
    lines = lines_from_text("Tgl. Lahir 24-10-1961 Jenis Kelamin : Laki-laki")
    assert birth_date(lines).value == "1961-10-24"
    assert birth_date(lines_from_text("Tgl. Lahir 11-07-1963 Jenis Kelamin : P")).value == (
        "1963-07-11"
    )


def test_a_glued_colon_before_a_month_read_with_a_letter_o():
    """sktm/form_desa, typewriter font, as Tesseract read a clean scan."""
    lines = lines_from_text("Tempat Lahir : Sijunjung\nTanggal Lahir 122 - O1 - 1979")
    assert birth_date(lines).value == "1979-01-22"


def test_a_place_date_line_of_a_village_whose_name_holds_umur():
    """sktm/pemdes_sktm: `Sumur Anyir, 1 Januari 2026` is the letter date, not an age line."""
    lines = lines_from_text("Umur : 45 Tahun 01-01-1981\nSumur Anyir, 1 Januari 2026\nKepala Desa")
    assert letter_date(lines).value == "2026-01-01"


def test_birth_date_under_its_own_label_after_a_place_of_birth_row():
    """sktm/form_desa on WhatsApp photos, read by PP-OCR: `Tempat Lahir` (a place) above
    `Tanggal Lahir` (the date); both labels name the birth."""
    lines = lines_from_text(
        "Tempat Lahir : Batu Bara\nTanggal Lahir : 03 - 10 - 1987\nAgama : Islam"
    )
    assert birth_date(lines).value == "1987-10-03"


def test_birth_date_printed_one_digit_per_box():
    """faskes_letter/identity_table read by PP-OCR: `Tgl. Lahir : |2|7| |0|7| |1|9|6|2|`."""
    lines = lines_from_text("Tgl. Lahir : | 2 | 7 | | 0 | 7 |1 | 9 |6 |2 |\nNIK : 9507026707620622")
    assert birth_date(lines).value == "1962-07-27"


@pytest.mark.parametrize(
    "text",
    [
        "No. RM/Reg  799410     Umur/Tgl Lahir  84 th / 06-12-1940",  # a cell's narrow gap
        "Umur/Tgl Lahir : 84 th / 06-12-1940",
        "TTL : Lahat, 6 Desember 1940",
    ],
)
def test_birth_date_after_an_age_or_as_ttl(text):
    """faskes_letter/emr_rujukan_grid: the age before the date in one cell, the label filling
    its ruled cell so that the value stands closer than a form's gap."""
    assert birth_date(lines_from_text(text)).value == "1940-12-06"
