"""Header rows cut the rows below them into columns."""

from extractors.lines import lines_from_text
from extractors.tables import find_table, header_columns

HEADERS = {
    "number": ("no",),
    "code": ("kode", "icd10"),
    "diagnosis": ("diagnosis", "diagnosa"),
    "kind": ("jenis",),
}


def test_a_header_row_names_its_columns_left_to_right():
    line = lines_from_text("Kode ICD-10     Diagnosis        Jenis")[0]
    columns = header_columns(line, HEADERS)
    assert [c.key for c in columns] == ["code", "diagnosis", "kind"]


def test_a_label_value_row_or_a_single_heading_is_no_header():
    assert header_columns(lines_from_text("Diagnosis : Kode N18.5")[0], HEADERS) is None
    assert header_columns(lines_from_text("DIAGNOSIS")[0], HEADERS) is None


def test_a_header_word_misread_by_one_letter_still_counts():
    line = lines_from_text("Kode       Diagnosls       Jenis")[0]
    assert [c.key for c in header_columns(line, HEADERS)] == ["code", "diagnosis", "kind"]


def test_rows_stop_at_the_next_label_row():
    text = "Kode    Diagnosa          Jenis\nI10     Hipertensi        Utama\nDokter : dr. Ani"
    _, rows = find_table(lines_from_text(text), HEADERS, "diagnosis")
    assert [r.text("diagnosis") for r in rows] == ["Hipertensi"]
    assert rows[0].text("kind") == "Utama"


def test_a_cell_under_a_centred_header_goes_to_its_column():
    """The diagnosis cell starts left of its centred header but overlaps it."""
    text = (
        "No    Kode ICD-10           Diagnosis                     Jenis\n"
        "1     K74.6      Sirosis hepatis dengan asites dan hematemesis    Utama\n"
    )
    _, rows = find_table(lines_from_text(text), HEADERS, "diagnosis")
    assert rows[0].text("diagnosis") == "Sirosis hepatis dengan asites dan hematemesis"
    assert (rows[0].text("code"), rows[0].text("kind")) == ("K74.6", "Utama")


def test_running_text_naming_two_columns_is_no_header():
    """faskes_letter/rujukan_form: `dengan diagnosa Status asmatikus` names `diagnosa` and
    `status` (a kind column elsewhere) in a sentence, not a table's header."""
    headers = {**HEADERS, "kind": ("jenis", "status")}
    text = "Pasien tersebut kami rujuk dengan diagnosa Status asmatikus, penanganan di IGD (J46)"
    assert header_columns(lines_from_text(text)[0], headers) is None
