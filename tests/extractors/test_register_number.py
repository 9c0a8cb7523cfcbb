import pytest

from extractors.lines import lines_from_text
from extractors.register_number import clean_register_number, extract_register_number


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("No. RM", "RM-00123456"),
        ("No.RM", "00.12.34"),
        ("No. Rekam Medis", "123456"),
        ("Nomor Rekam Medis", "012345-0226"),
        ("No. Rekam Medik", "2026/02/12/000123"),
        ("No. RM/Reg", "RM.2026.00123"),
        ("No. MR", "004512"),
        ("No. Medical Record", "00-45-12"),
        ("No. CM", "778812"),
        ("No. Reg", "REG-2026-0042"),
        ("No. Register", "0042/PKM/2026"),
        ("No. Registrasi", "20260212001"),
        ("No. Rawat", "2026/02/12/000001"),
        ("No. Pendaftaran", "P-000981"),
        ("No. Index", "1234"),
    ],
)
def test_every_label_variant(label, value):
    field = extract_register_number(lines_from_text(f"{label} : {value}"))
    assert field.value == value
    assert field.boxes


def test_value_is_cut_before_following_words():
    assert clean_register_number("123456 (rawat jalan)") == "123456"
    assert clean_register_number("RM - 0012") == "RM-0012"
    assert clean_register_number("00.12.34.") == "00.12.34"


def test_too_few_digits_is_not_a_register_number():
    assert clean_register_number("belum ada") is None
    assert extract_register_number(lines_from_text("No. RM : -")).value is None


def test_nik_row_is_not_taken_for_register_number():
    lines = lines_from_text("NIK : 6101014507890003\nNama : SITI")
    assert extract_register_number(lines).value is None


def test_two_numbers_under_one_label_keep_their_printed_slash():
    """SIMPUS prints `MR / Reg No : 000123 / 26020045`: both numbers, as printed."""
    lines = lines_from_text("MR / Reg No : 431567 / 25093857 Poli / Unit Tujuan : UGD")
    assert extract_register_number(lines).value == "431567 / 25093857"
    assert clean_register_number("123456 / Rawat Jalan") == "123456"
    assert clean_register_number("2026/02/12/000123") == "2026/02/12/000123"
    assert clean_register_number("00. 12.34") == "00.12.34"


def test_dot_leader_glued_to_the_label_and_colon_read_as_one():
    """A typewritten `No. CM......: 2754.53.45` read as `NO. CM... 1 2754.53.45`."""
    assert extract_register_number(lines_from_text("NO. CM... 1 2754.53.45")).value == "2754.53.45"


def test_a_typewriter_dot_read_as_a_comma():
    """faskes_letter/typewriter_klinik on a clean scan: `1882.43.33` read as `1882.43, 33`."""
    assert extract_register_number(lines_from_text("NO. CM... 1 1882.43, 33")).value == "1882.43.33"


@pytest.mark.parametrize(
    "value", ["0 1 2 3 4 5", "| 0 | 1 | 2 | 3 | 4 | 5 |", "0|1|2|3|4|5", "[0][1][2][3][4][5]"]
)
def test_digits_printed_one_per_box(value):
    """Forms print the medical-record number in a row of boxes, one digit each."""
    assert extract_register_number(lines_from_text(f"No. RM : {value}")).value == "012345"


def test_a_number_and_words_are_not_digit_boxes():
    assert clean_register_number("1234 5 Rawat") == "1234"
    assert clean_register_number("00.12.34") == "00.12.34"


def test_a_register_number_in_running_text():
    """faskes_letter/typewriter_rm_text as Tesseract read clean scans: the label in a
    sentence, its number after it without a colon, or first on the next line."""
    cases = {
        "adalah benar pasien kami yang terdaftar dengan No. Rekam Medis 757688-0226\n"
        "dan telah menjalani pemeriksaan": "757688-0226",
        "adalah pasien Klinik Pratama Sehat (No. RM 555503) dan telah": "555503",
        "adalah pasien Klinik Pratama Mitra Keluarga Sehat (Nomor Rekam Medis\n"
        "441425-0925) dan telah menjalani pemeriksaan": "441425-0925",
    }
    for text, value in cases.items():
        field = extract_register_number(lines_from_text(text))
        assert field.value == value, text
        assert field.boxes


def test_a_register_label_in_a_sentence_without_a_number_is_none():
    text = "Nomor Rekam Medis pasien tersebut belum ada\nNama : SITI"
    assert extract_register_number(lines_from_text(text)).value is None


def test_the_record_number_wins_over_the_visit_registration():
    """faskes_letter/identity_table on a 200-dpi scan: `No. RM` and `No. Reg` both printed;
    the register number is the patient's record number, wherever the cells stand."""
    lines = lines_from_text("No. Reg : 202511257933\nNo. RM : 824824\nNama : VIKTOR")
    assert extract_register_number(lines).value == "824824"
    assert extract_register_number(lines_from_text("No. Reg : 202511257933")).value


_TOP = " " * 56  # right of the page's middle


def test_a_number_boxed_alone_at_the_top_right_is_the_register():
    """faskes_letter/emr_rujukan_grid: the record number boxed under the letterhead, `No.`
    or no label before it; found by where and what it is, doubted."""
    for printed, value in [("703156-0925", "703156-0925"), ("| No. 00695648 |", "00695648")]:
        text = f"   RSU AISYIYAH LAHAT\n{_TOP}{printed}\n   SURAT RUJUKAN\nNama : X" + "\n" * 12
        field = extract_register_number(lines_from_text(text + "Demikian"))
        assert field.value == value
        assert (field.evidence.anchored, field.evidence.unmeasured) == (False, 0.6)


def test_a_register_guessed_by_its_place_is_less_sure_than_a_labelled_one():
    """The calibrated curve gives every register read 0.986: the guess by position must show
    its doubt, under the review threshold, so a person looks."""
    text = f"   RSU AISYIYAH LAHAT\n{_TOP}703156-0925\n   SURAT RUJUKAN\nNama : X" + "\n" * 12
    alone = extract_register_number(lines_from_text(text + "Demikian"))
    labelled = extract_register_number(lines_from_text("No. RM : 703156-0925"))
    assert alone.value == labelled.value == "703156-0925"
    assert alone.confidence < 0.6 < labelled.confidence


@pytest.mark.parametrize("printed", ["445/12/RM/II/2026", "12-02-2026", "Telp. 0421522276"])
def test_a_letter_number_date_or_phone_alone_at_the_top_right_is_no_register(printed):
    text = f"   RSU AISYIYAH LAHAT\n{_TOP}{printed}\n   SURAT RUJUKAN\nNama : X" + "\n" * 12
    assert extract_register_number(lines_from_text(text + "Demikian")).value is None
