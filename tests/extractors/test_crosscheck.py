import pytest

from extractors.crosscheck import nik_birth_date_notice, nik_gender_notice, parse_gender
from extractors.doc_types import extract_fields
from extractors.lines import lines_from_text
from models import DocType, Field

NIK = "6101014507890003"  # woman, 05-07-(19)89


def test_matching_dates_give_no_notice():
    assert (
        nik_birth_date_notice(
            Field(name="nik", value=NIK), Field(name="birth_date", value="1989-07-05")
        )
        is None
    )


def test_mismatch_is_a_masked_warning():
    notice = nik_birth_date_notice(
        Field(name="nik", value=NIK), Field(name="birth_date", value="1989-07-06")
    )
    assert notice is not None
    assert notice.code == "nik_birth_date_mismatch"
    assert NIK not in notice.message
    assert "6101********0003" in notice.message


def test_missing_values_give_no_notice():
    assert nik_birth_date_notice(Field(name="nik"), Field(name="birth_date")) is None


@pytest.mark.parametrize(
    ("text", "gender"),
    [
        ("LAKI-LAKI", "L"),
        ("Laki-laki", "L"),
        ("L", "L"),
        ("PRIA", "L"),
        ("PEREMPUAN", "P"),
        ("Perempuan", "P"),
        ("P", "P"),
        ("WANITA", "P"),
        ("PEREMPUAN Gol. Darah : O", "P"),
        ("-", None),
        ("", None),
        (None, None),
    ],
)
def test_printed_gender_forms(text, gender):
    assert parse_gender(text) == gender


def test_nik_of_a_woman_with_male_printed_is_a_masked_warning():
    notice = nik_gender_notice(Field(name="nik", value=NIK), "L")
    assert notice is not None and notice.code == "nik_gender_mismatch"
    assert NIK not in notice.message and "6101********0003" in notice.message
    assert nik_gender_notice(Field(name="nik", value=NIK), "P") is None
    assert nik_gender_notice(Field(name="nik", value=NIK), None) is None


def ktp_lines(nik: str, born: str, gender: str):
    return lines_from_text(
        f"NIK : {nik}\nNama : SITI AMINAH\nTempat/Tgl Lahir : SAMBAS, {born}\n"
        f"Jenis Kelamin : {gender}      Gol. Darah : O"
    )


def test_agreeing_nik_and_printed_date_raise_both_confidences():
    agree = extract_fields(DocType.ktp, ktp_lines(NIK, "05-07-1989", "PEREMPUAN"))
    differ = extract_fields(DocType.ktp, ktp_lines(NIK, "06-07-1989", "PEREMPUAN"))
    assert agree.notices == []
    assert agree.fields["nik"].evidence.agrees is True
    assert differ.fields["nik"].evidence.agrees is False
    assert [n.code for n in differ.notices] == ["nik_birth_date_mismatch"]
    for name in ("nik", "birth_date"):
        assert agree.fields[name].confidence > differ.fields[name].confidence
    # A warning, never a rejection: both values are kept as read.
    assert differ.fields["nik"].value == NIK
    assert differ.fields["birth_date"].value == "1989-07-06"


def test_gender_mismatch_is_a_warning_on_the_document():
    result = extract_fields(DocType.ktp, ktp_lines(NIK, "05-07-1989", "LAKI-LAKI"))
    assert [n.code for n in result.notices] == ["nik_gender_mismatch"]
    assert result.fields["nik"].value == NIK
    assert result.fields["nik"].evidence.agrees is False
