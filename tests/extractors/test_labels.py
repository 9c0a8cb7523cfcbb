import pytest

from extractors.labels import find_label, find_labels, running_text
from extractors.lines import lines_from_text


def test_label_followed_by_colon_gives_value_and_boxes():
    lines = lines_from_text("Nama Pasien : Siti Aminah")
    hit = find_label(lines, "name")
    assert hit is not None
    assert hit.label == "Nama Pasien"
    assert hit.value == "Siti Aminah"
    assert [w.text for w in hit.words] == ["Siti", "Aminah"]
    assert hit.colon


def test_short_label_inside_longer_label_does_not_fire():
    lines = lines_from_text("Nama Kepala Keluarga : BUDI SANTOSO")
    assert find_label(lines, "name") is None
    assert find_label(lines, "head_name").value == "BUDI SANTOSO"


def test_value_stops_at_next_label_on_same_row():
    lines = lines_from_text("Desa/Kelurahan : SUKAMAJU Kabupaten/Kota : SAMBAS")
    assert find_label(lines, "village").value == "SUKAMAJU"


def test_ocr_spacing_variants_of_label():
    for text in ("No.RM : 123456", "NO RM: 123456", "No . RM : 123456"):
        hit = find_label(lines_from_text(text), "register_number")
        assert hit is not None, text
        assert hit.value == "123456"


def test_word_in_running_text_is_not_a_label():
    lines = lines_from_text("dengan nama baik keluarga")
    assert find_labels(lines, "name") == []


def test_a_value_ends_at_a_form_column_gap_or_an_unknown_label():
    hit = find_label(lines_from_text("Kecamatan : WASILE UTARA              Lembar 2"), "district")
    assert hit.value == "WASILE UTARA"
    hit = find_label(lines_from_text("Desa/Kelurahan : MAJIKO TONGONE Ket: Lembar 1"), "village")
    assert hit.value == "MAJIKO TONGONE"


def test_a_greater_label_whose_colon_ocr_lost_still_outranks_a_lesser_one():
    """`Diagnosa Dokter : -` on a two-column form, read without its colon and dash."""
    text = "Nama : BUDI        Diagnosa Awal : Lemas, mual\nTgl Lahir : 1984   Diagnosa Dokter"
    assert find_label(lines_from_text(text), "diagnosis") is None
    assert find_label(lines_from_text(text.split("\n")[0]), "diagnosis").value == "Lemas, mual"


@pytest.mark.parametrize(
    ("line", "running"),
    [
        ("Stroke non hemoragik", False),
        ("J06.9 ISPA", False),
        ("Diabetes melitus tipe 2 dengan komplikasi", False),
        ("Demikian surat keterangan ini dibuat", True),
        ("Sawahlunto, 22-01-2026", True),
        ("Sawahlunto 22 Januari 2026", True),
        ("12-34-56", False),
        ("2025/01/000123", False),
        ("Pasien saat ini dirawat di IGD.", True),
        ("-", True),
    ],
)
def test_running_text_is_told_from_a_value(line, running):
    assert running_text(line) is running
