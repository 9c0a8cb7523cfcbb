"""A field not read is certainly missing only when printed blank or absent from a clear page."""

from __future__ import annotations

from extractors.absence import missing_notice
from extractors.doc_types import faskes_letter
from extractors.lines import lines_from_text

KOP = """PUSKESMAS SUKAMAJU
Jl. Raya Sukamaju No. 12 Kecamatan Sukamaju
SURAT KETERANGAN BEROBAT
Yang bertanda tangan di bawah ini menerangkan bahwa pasien tersebut di bawah ini
benar telah berobat di fasilitas kesehatan kami dan memerlukan perawatan lanjutan
Nama : SITI AMINAH
NIK : 6101014507890003
Tanggal Lahir : 05-07-1989
"""
END = """Demikian surat keterangan ini dibuat untuk dipergunakan sebagaimana mestinya
Sukamaju, 12 Februari 2026
Dokter pemeriksa
dr. Andi Wijaya
"""


def codes(text: str, confidence: float = 0.95) -> dict[str, str]:
    result = faskes_letter(lines_from_text(text, confidence=confidence))
    return {n.field: n.code for n in result.notices if n.code.startswith("field_")}


def test_register_label_printed_with_a_dash_is_blank():
    text = KOP + "No. RM : -\nDiagnosa : Hipertensi esensial\n" + END
    assert codes(text) == {"register_number": "field_blank"}


def test_register_absent_from_a_clear_page_is_absent():
    text = KOP + "Diagnosa : Hipertensi esensial\n" + END
    assert codes(text) == {"register_number": "field_absent"}


def test_an_unknown_register_label_is_not_called_absent():
    """`MR / Reg No` is no label we know, but its words say the number may be there."""
    text = KOP + "MR / Reg No 00-12-34\nDiagnosa : Hipertensi esensial\n" + END
    assert "register_number" not in codes(text)


def test_a_page_read_unsurely_never_calls_a_field_absent():
    text = KOP + "Diagnosa : Hipertensi esensial\n" + END
    assert codes(text, confidence=0.6) == {}


def test_diagnosis_label_with_a_typo_or_a_code_is_not_absent():
    for line in ("Dignosa Hipertensi esensial", "I10 Hipertensi esensial"):
        text = KOP + "No. RM : 00-12-34\n" + line + "\n" + END
        assert "diagnosis" not in codes(text), line


def test_diagnosis_label_with_value_on_the_next_line_is_not_blank():
    lines = lines_from_text(KOP + "Diagnosa sementara :\nGagal ginjal kronik\n" + END)
    assert missing_notice(lines, "diagnosis") is None


def test_diagnosis_printed_as_dots_is_blank():
    text = KOP + "No. RM : 00-12-34\nDiagnosa : ..........\n" + END
    assert codes(text) == {"diagnosis": "field_blank"}


def test_blank_register_whose_colon_ocr_misread_is_still_blank():
    text = KOP + 'No. Rekam Medik "-\nDx : Demam tifoid\n' + END
    assert codes(text) == {"register_number": "field_blank"}


def test_blank_after_a_colon_read_as_a_digit():
    for line in ("No. Register 1 -", "Diagnosa 1 -"):
        field = "register_number" if "Register" in line else "diagnosis"
        other = "Diagnosa : Hipertensi" if field == "register_number" else "No. RM : 0012"
        text = KOP + line + "\n" + other + "\n" + END
        assert codes(text) == {field: "field_blank"}, line


def test_the_doctors_diagnosis_printed_blank_is_blank_beside_the_complaints():
    text = KOP + "No. RM : 0012\nDiagnosa Awal : demam, mual\nDiagnosa Dokter : -\n" + END
    assert codes(text) == {"diagnosis": "field_blank"}


def test_an_empty_label_with_the_next_row_right_under_it_is_blank():
    """No room for a value OCR could have lost: the next row or numbered section follows."""
    for below in ("No. RM : 00-12-34", "IV. Tindakan yang telah diberikan :"):
        text = KOP + "III. Diagnosa Kerja :\n" + below + "\n" + END
        assert codes(text)["diagnosis"] == "field_blank", below


def test_an_empty_label_with_room_below_or_a_second_column_is_only_not_found():
    """A blank line under it (a handwritten value?), or another column on its line."""
    lines = lines_from_text(KOP + "Diagnosa :\n\n\nNo. RM : 00-12-34\n" + END)
    assert missing_notice(lines, "diagnosis", other_signs=True) is None
    lines = lines_from_text(KOP + "Diagnosa :                  Tanggal : 12-02-2026\n" + END)
    assert missing_notice(lines, "diagnosis", other_signs=True) is None
