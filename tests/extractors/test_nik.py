"""NIK / KK number extraction: the hard cases OCR and real documents produce."""

from __future__ import annotations

from datetime import date

import pytest

from extractors.confidence import UNANCHORED, evidence_score
from extractors.digits import repair_text, repair_token
from extractors.lines import lines_from_text
from extractors.nik import (
    check_kk_number,
    check_nik,
    decode_nik,
    extract_kk_number,
    extract_nik,
    find_nik_candidates,
    mask_nik,
)
from models import Line, Word

NIK = "6101014507890003"  # Kab. Sambas, female (45 = 5 + 40), born 05-07-(19)89, serial 0003
KK = "6101011203080021"  # Kab. Sambas, issued 12-03-(20)08


def nik_of(text: str) -> str | None:
    field, _ = extract_nik(lines_from_text(text))
    return field.value


# --- digit repair ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("61O1", "6101"),
        ("6l01", "6101"),
        ("6l0I", "6l0I"),  # only half real digits: left alone unless next to a number
        ("l2-O2-2026", "12-02-2026"),
        ("NIK", "NIK"),
        ("SITI", "SITI"),
        ("BOS", "BOS"),
        ("NIK:61O1O145", "NIK:61010145"),
        ("12/II/2026", "12/II/2026"),  # a Roman month in a letter number stays letters
    ],
)
def test_repair_token_only_inside_mostly_digit_runs(token: str, expected: str) -> None:
    assert repair_token(token) == expected


def test_repair_text_keeps_length_and_repairs_short_group_next_to_numbers() -> None:
    text = "NIK 6101 O1 45 SITI"
    repaired = repair_text(text)
    assert repaired == "NIK 6101 01 45 SITI"
    assert len(repaired) == len(text)


# --- separators and OCR confusions ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "NIK : 6101 0145 0789 0003",
        "NIK : 61 01 01 450789 0003",
        "NIK : 6101.0145.0789.0003",
        "NIK : 6101-0145-0789-0003",
    ],
    ids=["spaces", "2-2-2-6-4", "dots", "hyphens"],
)
def test_nik_split_by_separators(text: str) -> None:
    assert nik_of(text) == NIK


def test_nik_printed_in_kemendagri_groups_without_label() -> None:
    assert nik_of("33 74 08 120590 0001") == "3374081205900001"


def test_nik_with_letter_o_inside_digits() -> None:
    field, notices = extract_nik(lines_from_text("NIK : 61O1O14507890OO3"))
    assert field.value == NIK
    assert notices == []


def test_nik_with_l_and_i_inside_digits() -> None:
    assert nik_of("NIK : 6l01 0I45 0789 0003") == NIK


def test_repaired_digits_lower_confidence() -> None:
    clean, _ = extract_nik(lines_from_text("NIK : 6101014507890003", confidence=0.9))
    repaired, _ = extract_nik(lines_from_text("NIK : 61O1014507890003", confidence=0.9))
    assert (clean.evidence.repaired, repaired.evidence.repaired) == (0, 1)
    assert evidence_score(clean.evidence) == pytest.approx(0.9)
    assert evidence_score(repaired.evidence) == pytest.approx(0.9 * 0.95)
    assert repaired.confidence <= clean.confidence


# --- numbers that are not NIKs -----------------------------------------------------------------


def test_fifteen_digits_is_not_a_nik() -> None:
    lines = lines_from_text("NIK : 610101450789000")
    assert find_nik_candidates(lines) == []
    field, notices = extract_nik(lines)
    assert field.value is None
    assert notices == []


def test_seventeen_digits_is_not_a_nik() -> None:
    assert find_nik_candidates(lines_from_text("NIK : 61010145078900031")) == []


@pytest.mark.parametrize(
    "text",
    [
        "NIK: 6101014507890003 HP: 081234567890",
        "NIK: 6101014507890003 081234567890",
        "NIK: 6101 0145 0789 0003 0812 3456 7890",
        "NIK: 6101014507890003 HP: 0812-3456-7890",
        "NIK: 6101014507890003 Telp +62 812 3456 7890",
    ],
)
def test_phone_number_next_to_nik_is_not_merged(text: str) -> None:
    candidates = find_nik_candidates(lines_from_text(text))
    assert [c.digits for c in candidates] == [NIK]
    assert nik_of(text) == NIK


@pytest.mark.parametrize(
    "text",
    [
        "HP: 0812-3456-7890",
        "Telp: +62 812 3456 7890",
        "Telp: (0562) 391234",
        "No. Kartu BPJS : 0001234567890",
        "Tanggal: 12-02-2026",
        "No. Rawat: 2026/02/12/000123",
    ],
)
def test_phones_cards_dates_and_registers_give_no_candidate(text: str) -> None:
    assert find_nik_candidates(lines_from_text(text)) == []


# --- NIK versus KK number ----------------------------------------------------------------------


def test_kk_number_and_nik_on_the_same_page_go_to_their_own_extractor() -> None:
    lines = lines_from_text(f"No. KK : {KK}\nNama : SITI AMINAH\nNIK : {NIK}")
    nik, nik_notices = extract_nik(lines)
    kk, kk_notices = extract_kk_number(lines)
    assert (nik.value, kk.value) == (NIK, KK)
    assert nik_notices == kk_notices == []


def test_kk_anchored_number_is_never_a_nik_even_without_other_candidates() -> None:
    # KK is a valid NIK shape (day 12, month 03) but sits after "No. KK".
    field, notices = extract_nik(lines_from_text(f"Nomor Kartu Keluarga : {KK}"))
    assert field.value is None
    assert notices == []


def test_kk_number_under_kartu_keluarga_title() -> None:
    lines = lines_from_text(
        f"KARTU KELUARGA\nNo. {KK}\nNama Kepala Keluarga : BUDI\n1 BUDI {NIK} PEREMPUAN"
    )
    kk, _ = extract_kk_number(lines)
    nik, _ = extract_nik(lines)
    assert kk.value == KK
    assert nik.value == NIK  # the table row, not the title number


def test_kk_number_on_the_title_line() -> None:
    kk, _ = extract_kk_number(lines_from_text(f"KARTU KELUARGA No. {KK}"))
    assert kk.value == KK


def test_bare_no_without_kk_title_is_not_a_kk_label() -> None:
    kk, _ = extract_kk_number(lines_from_text(f"SURAT KETERANGAN\nNo. {KK}"))
    assert kk.value is None


def test_invalid_kk_number_gives_masked_notice() -> None:
    bad = "6101013203080021"  # issue day 32
    kk, notices = extract_kk_number(lines_from_text(f"No. KK : {bad}"))
    assert kk.value is None
    assert [n.code for n in notices] == ["kk_number_invalid"]
    assert "6101********0021" in notices[0].message
    assert bad not in notices[0].message
    assert check_kk_number(bad) == ["issue_day"]


def test_kk_number_has_no_plus_forty_rule() -> None:
    assert check_kk_number("6101014503080021") == ["issue_day"]
    assert check_kk_number(KK) == []


# --- decoding and validation -------------------------------------------------------------------


def test_female_nik_decodes_gender_and_birth_date() -> None:
    info = decode_nik(NIK)
    assert info is not None
    assert (info.gender, info.birth_day, info.birth_month, info.birth_yy) == ("P", 5, 7, 89)
    assert info.prefix == "610101"
    assert info.serial == "0003"
    assert info.region_known is True
    assert info.birth_date(date(2026, 2, 12)) == date(1989, 7, 5)


def test_male_nik_and_century_from_reference() -> None:
    info = decode_nik("6101010507050001")
    assert info is not None
    assert info.gender == "L"
    assert info.birth_date(date(2026, 1, 1)) == date(2005, 7, 5)
    assert info.birth_date(date(2004, 1, 1)) == date(1905, 7, 5)
    assert info.birth_date_candidates() == [date(1905, 7, 5), date(2005, 7, 5)]


def test_decode_rejects_wrong_length() -> None:
    assert decode_nik("610101450789000") is None


def test_serial_0000_is_invalid_with_masked_notice() -> None:
    bad = "6101014507890000"
    field, notices = extract_nik(lines_from_text(f"NIK : {bad}"))
    assert field.value is None
    assert field.confidence == 0.0
    assert [n.code for n in notices] == ["nik_invalid"]
    assert notices[0].field == "nik"
    assert "6101********0000" in notices[0].message
    assert "serial" in notices[0].message
    assert bad not in notices[0].message


def test_unknown_region_prefix_is_invalid() -> None:
    bad = "1234564507890003"
    field, notices = extract_nik(lines_from_text(f"NIK : {bad}"))
    assert field.value is None
    assert [n.code for n in notices] == ["nik_unknown_region"]
    assert "1234********0003" in notices[0].message
    assert check_nik(bad) == ["region"]


def test_day_32_is_invalid() -> None:
    bad = "6101013207890003"
    field, notices = extract_nik(lines_from_text(f"NIK : {bad}"))
    assert field.value is None
    assert [n.code for n in notices] == ["nik_invalid"]
    assert "day field 32" in notices[0].message
    assert check_nik(bad) == ["day"]


@pytest.mark.parametrize(
    ("nik", "problems"),
    [
        (NIK, []),
        ("6101012902000001", []),  # 29 Feb: allowed, the century is unknown
        ("6101016902000001", []),  # 29 Feb, female
        ("6101013002000001", ["date"]),  # 30 Feb
        ("6101017002000001", ["date"]),  # 70 Feb = 30 Feb, female
        ("6101013104890001", ["date"]),  # 31 April
        ("6101010007890001", ["day"]),
        ("6101014007890001", ["day"]),
        ("6101017207890001", ["day"]),
        ("6101010513890001", ["month"]),
        ("6101010500890001", ["month"]),
        ("610101450789000", ["length"]),
        ("61010145078900O3", ["length"]),
        ("9999990507890000", ["region", "serial"]),
    ],
)
def test_check_nik(nik: str, problems: list[str]) -> None:
    assert check_nik(nik) == problems


def test_anchored_invalid_nik_does_not_fall_back_to_free_standing_one() -> None:
    lines = lines_from_text(f"NIK : 6101014507890000\n1 BUDI {NIK}")
    field, notices = extract_nik(lines)
    assert field.value is None
    assert [n.code for n in notices] == ["nik_invalid"]


def test_second_anchored_nik_used_when_first_is_invalid() -> None:
    lines = lines_from_text(f"NIK : 6101014507890000\nNIK : {NIK}")
    field, notices = extract_nik(lines)
    assert field.value == NIK
    assert notices == []


# --- anchoring ---------------------------------------------------------------------------------


def test_free_standing_valid_nik_without_label() -> None:
    field, notices = extract_nik(lines_from_text(f"SITI AMINAH {NIK} SAMBAS", confidence=0.9))
    assert field.value == NIK
    assert field.evidence.anchored is False
    assert evidence_score(field.evidence) == pytest.approx(0.9 * UNANCHORED)
    assert (
        field.confidence
        <= extract_nik(lines_from_text(f"NIK : {NIK}", confidence=0.9))[0].confidence
    )
    assert notices == []


def test_free_standing_invalid_number_is_ignored_silently() -> None:
    field, notices = extract_nik(lines_from_text("Nomor Antrian 1234567890123456"))
    assert field.value is None
    assert notices == []


def test_several_different_free_standing_niks_lower_confidence() -> None:
    other = "6101010505800001"
    field, _ = extract_nik(lines_from_text(f"{NIK}\n{other}", confidence=1.0))
    assert field.value == NIK
    assert evidence_score(field.evidence) == pytest.approx(UNANCHORED * 0.8)


@pytest.mark.parametrize(
    "label",
    [
        "NIK",
        "NIK :",
        "N I K :",
        "No. NIK :",
        "No. KTP :",
        "No KTP:",
        "Nomor KTP :",
        "NIK/No. KTP :",
        "Nomor Induk Kependudukan :",
        "No. Identitas :",
        "NlK :",
        "N1K :",
        "NIK i",
        "NIK Ls... ii... :",  # a typewriter's dot leader, read as letters
        "NIK .......... 1",
    ],
)
def test_nik_label_variants_anchor_the_number(label: str) -> None:
    candidates = find_nik_candidates(lines_from_text(f"{label} {NIK}"))
    assert [(c.digits, c.anchor) for c in candidates] == [(NIK, "nik")]


def test_label_glued_to_number() -> None:
    candidates = find_nik_candidates(lines_from_text(f"NIK:{NIK}"))
    assert [(c.digits, c.anchor) for c in candidates] == [(NIK, "nik")]


@pytest.mark.parametrize(
    "label", ["No. KK :", "No KK", "Nomor KK :", "No. Kartu Keluarga :", "KARTU KELUARGA No."]
)
def test_kk_label_variants(label: str) -> None:
    candidates = find_nik_candidates(lines_from_text(f"{label} {KK}"))
    assert [(c.digits, c.anchor) for c in candidates] == [(KK, "kk")]


def test_word_ending_in_nik_is_not_a_label() -> None:
    candidates = find_nik_candidates(lines_from_text(f"Teknik {NIK}"))
    assert [c.anchor for c in candidates] == [None]


# --- boxes, pages, regions, masking ------------------------------------------------------------


def test_field_boxes_are_the_boxes_of_the_digit_words() -> None:
    lines = lines_from_text("NIK : 6101 0145 0789 0003 HP 0812", page=2)
    field, _ = extract_nik(lines)
    digit_words = lines[0].words[2:6]
    assert [w.text for w in digit_words] == ["6101", "0145", "0789", "0003"]
    assert field.boxes == [w.box for w in digit_words]
    assert field.page == 2


def test_confidence_is_mean_of_the_digit_words() -> None:
    line = lines_from_text(f"NIK : {NIK[:8]} {NIK[8:]}")[0]
    confidences = [0.2, 0.2, 0.9, 0.7]  # label words are not averaged in
    words = [
        Word(text=w.text, box=w.box, confidence=c)
        for w, c in zip(line.words, confidences, strict=True)
    ]
    field, _ = extract_nik([Line(words=words)])
    assert field.value == NIK
    assert field.evidence.ocr_mean == pytest.approx(0.8)
    assert field.evidence.ocr_min == pytest.approx(0.7)


def test_historical_papua_nik_is_accepted() -> None:
    old = "9101014507890003"  # 91.01 = Kab. Merauke before the 2022 split (now 93.01)
    field, notices = extract_nik(lines_from_text(f"NIK : {old}"))
    assert field.value == old
    assert notices == []


@pytest.mark.parametrize(
    "bad",
    ["6101014507890000", "1234564507890003", "6101013207890003", "6101017002890003"],
)
def test_notice_never_contains_the_full_number(bad: str) -> None:
    _, notices = extract_nik(lines_from_text(f"NIK : {bad}"))
    assert len(notices) == 1
    assert bad not in notices[0].message
    assert bad not in str(notices[0])
    assert mask_nik(bad) in notices[0].message


def test_mask_nik() -> None:
    assert mask_nik(NIK) == "6101********0003"
    assert mask_nik("12345678") == "********"


def test_garbled_nik_row_is_not_replaced_by_a_family_members_nik() -> None:
    text = (
        "Nama : ILYAS HIDAYANTO\n"
        "NIK : M106040609880737\n"
        "DAFTAR TANGGUNGAN KELUARGA\n"
        "1 3216224705950554 ADE SAFITRI ISTRI\n"
    )
    field, _ = extract_nik(lines_from_text(text))
    assert field.value is None  # left for the second reading of the NIK row
    assert nik_of("DAFTAR TANGGUNGAN KELUARGA\n1 3216224705950554 ADE SAFITRI ISTRI") is not None
