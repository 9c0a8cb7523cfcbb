"""Header rows cut the rows below them into columns."""

from extractors.lines import lines_from_text
from extractors.tables import find_table, header_columns
from models import Box, Line, Word

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


REFERRAL = {"diagnosis": ("diagnosa",), "other": ("anamnesa", "terapi")}


def _line(row: int, *words: tuple[str, int]) -> Line:
    """A line of words at given left edges (20 px a letter), to set the spaces exactly."""
    return Line(
        words=[
            Word(
                text=t,
                box=Box(left=x, top=row * 40, width=20 * len(t), height=30),
                confidence=0.95,
                page=1,
                line=row,
            )
            for t, x in words
        ]
    )


def test_two_cells_printed_close_together_are_cut_at_the_headers_middle():
    """emr_rujukan_grid's `Anamnesa | Diagnosa | Terapi` table on a photo: the therapy cell
    starts a little more than a word space after the diagnosis (`… esensial Paracetamol`)."""
    header = _line(0, ("Anamnesa", 40), ("Diagnosa", 600), ("Terapi", 1180))
    row = _line(
        1, ("Lemas", 40), ("mual", 150), ("I10", 480), ("-", 550), ("Hipertensi", 580),
        ("esensial", 790), ("Paracetamol", 972), ("3x500", 1202), ("mg", 1312),
    )  # fmt: skip
    _, rows = find_table([header, row], REFERRAL, "diagnosis")
    assert rows[0].text("diagnosis") == "I10 - Hipertensi esensial"


def test_a_rule_read_as_a_word_parts_two_cells():
    """emr_rujukan_grid on a 200-dpi scan: `Mimisan berulang dan memar | A01.0 - Demam tifoid`,
    the box's rule read between the complaints and the diagnosis."""
    text = "Anamnesa          Diagnosa\nMimisan dan memar | A01.0 - Demam tifoid"
    _, rows = find_table(lines_from_text(text), REFERRAL, "diagnosis")
    assert rows[0].text("diagnosis") == "A01.0 - Demam tifoid"
    assert rows[0].text("other") == "Mimisan dan memar"
