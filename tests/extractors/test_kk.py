from extractors.kk import (
    SecondReading,
    choose_name,
    choose_nik,
    extract_members,
    marker_rows,
    member_rows,
    table_markers,
)
from extractors.lines import lines_from_text

KK_TEXT = """KARTU KELUARGA
No. 7308261611250925
No   Nama Lengkap            NIK                  Jenis Kelamin  Tempat Lahir  Tanggal Lahir
(1)  (2)                     (3)                  (4)            (5)           (6)
1    (RATIH NURAINI          7308264401757753     PEREMPUAN      SIKKA         04-01-1975

     KAMIDIN TOMI
2                            7308261502040914     LAKI-LAKI      BONE          15-02-2004
     RAJASA

3    AYU NASYIAH             7308264904080284     PEREMPUAN      BONE          09-04-2008
No   Status Perkawinan   Status Hubungan Dalam Keluarga   Kewarganegaraan
(11) (12)                (13)                 (14)              (15)
1    CERAI MATI          KEPALA KELUARGA      WNI
2    BELUM KAWIN         ANAK                 WNI
3    BELUM KAWIN         ANAK                 WNI
Dikeluarkan Tanggal : 16-11-2025"""


def test_marker_rows_found():
    rows = marker_rows(lines_from_text(KK_TEXT))
    assert [sorted(r.numbers)[:2] for r in rows] == [[1, 2], [11, 12]]


def test_members_from_both_tables():
    members, notices = extract_members(lines_from_text(KK_TEXT))
    assert notices == []
    assert [m.nik for m in members] == [
        "7308264401757753",
        "7308261502040914",
        "7308264904080284",
    ]
    assert [m.name for m in members] == ["RATIH NURAINI", "KAMIDIN TOMI RAJASA", "AYU NASYIAH"]
    assert [m.gender for m in members] == ["P", "L", "P"]
    assert [m.birth_date for m in members] == ["1975-01-04", "2004-02-15", "2008-04-09"]
    assert [m.relationship for m in members] == ["KEPALA KELUARGA", "ANAK", "ANAK"]


def test_no_table_no_members():
    members, notices = extract_members(lines_from_text("KARTU KELUARGA\nNo. 7308261611250925"))
    assert members == []
    assert notices == []


def _replace_word(lines: list, old: str, new: str) -> None:
    for line in lines:
        for i, word in enumerate(line.words):
            if word.text == old:
                line.words[i] = word.model_copy(update={"text": new})


def test_malformed_nik_keeps_its_row():
    lines = lines_from_text(KK_TEXT)
    # A cell rule read as a digit: 17 digits, no valid NIK on the row.
    _replace_word(lines, "7308261502040914", "17308261502040914")
    members, notices = extract_members(lines)
    assert len(members) == 3
    assert [m.nik for m in members] == ["7308264401757753", None, "7308264904080284"]
    assert [m.name for m in members] == ["RATIH NURAINI", "KAMIDIN TOMI RAJASA", "AYU NASYIAH"]
    assert members[1].relationship == "ANAK"
    assert [n.code for n in notices] == ["kk_member_nik_invalid"]


def test_second_reading_supplies_a_malformed_nik():
    lines = lines_from_text(KK_TEXT)
    _replace_word(lines, "7308261502040914", "17308261502040914")
    again = lines_from_text("7308261502040914")[0].words
    members, notices = extract_members(lines, {1: SecondReading(nik_words=again)})
    assert members[1].nik == "7308261502040914"
    assert notices == []


def test_member_rows_mark_the_nik_cells():
    rows = member_rows(lines_from_text(KK_TEXT))
    assert [r.order for r in rows] == [0, 1, 2]
    assert [r.number for r in rows] == [1, 2, 3]
    assert [len(r.nik_words) for r in rows] == [1, 1, 1]


def test_last_row_stops_before_table_two_header():
    text = KK_TEXT.replace(
        "No   Status Perkawinan",
        "\n     Status Tanggal Perkawinan\nNo   Status Perkawinan",
    )
    members, _ = extract_members(lines_from_text(text))
    assert members[-1].name == "AYU NASYIAH"


def test_choose_nik_prefers_printed_birth_date_then_kk_region_then_confidence():
    right, wrong = "7308264904080284", "7308264904090284"  # month 08 vs 09
    assert choose_nik([(wrong, 0.9), (right, 0.5)], "P", "2008-04-09") == (right, 0.5)
    same_date = "1173044805932851", "7173044805932851"
    chosen, _ = choose_nik([(same_date[0], 0.9), (same_date[1], 0.5)], "P", "1993-05-08", "717304")
    assert chosen == same_date[1]
    assert choose_nik([(wrong, 0.4), (right, 0.8)]) == (right, 0.8)
    assert choose_nik([("17308261502040914", 0.9)]) == (None, 0.0)


def _words(text: str, confidence: float) -> list:
    return lines_from_text(text, confidence=confidence)[0].words


def test_choose_name_takes_the_spaced_reading_of_the_same_letters():
    assert choose_name(_words("YUNIARYANI", 0.8), _words("YUNI ARYANI", 0.89)) == "YUNI ARYANI"
    assert choose_name(_words("VICKY QORI", 0.9), _words("VICKY GORI", 0.6)) == "VICKY QORI"
    assert choose_name(_words("AYU NASYIAH", 0.9), []) == "AYU NASYIAH"
    assert choose_name([], _words("AYU NASYIAH", 0.9)) == "AYU NASYIAH"


def test_the_last_rows_second_line_is_not_table_twos_header():
    """A WhatsApp KK read by PP-OCR: the last member's second line (`TARIHORAN SEKOLAH`, no
    digits) sits close under its row, the header of table 2 further down. Taken into that
    header, it ended table 1 above the row's NIK, and the member was lost."""
    last_row = (
        "3    AYU NASYIAH             7308264904080284     PEREMPUAN      BONE          09-04-2008"
    )
    text = KK_TEXT.replace(last_row, last_row + "\n     TARIHORAN SEKOLAH\n")
    lines = lines_from_text(text)
    index = next(i for i, line in enumerate(lines) if line.text.startswith("TARIHORAN"))
    line = lines[index]
    lifted = [
        w.model_copy(update={"box": w.box.model_copy(update={"top": w.box.top - 25})})
        for w in line.words
    ]
    lines[index] = line.model_copy(update={"words": lifted})
    members, _ = extract_members(lines)
    assert [m.nik for m in members][-1] == "7308264904080284"


def test_a_marker_row_with_bent_brackets_and_junk_is_found():
    """A landscape KK on granite sent by WhatsApp (7-px letters, own family seed 7272): PP-OCR
    read table 1's markers as `(1) (2 (3) (4] 060 t`. Only table 2's markers were found, its
    header taken for table 1's, and none of the six members was returned."""
    text = KK_TEXT.replace(
        "(1)  (2)                     (3)                  (4)            (5)           (6)",
        "(1)  (2                      (3)                  (4]            060           t",
    )
    lines = lines_from_text(text)
    assert [sorted(r.numbers)[:2] for r in marker_rows(lines)] == [[1, 2], [11, 12]]
    members, _ = extract_members(lines)
    assert len(members) == 3
    assert members[0].nik == "7308264401757753"


def test_table_ones_header_stands_in_for_markers_not_read():
    """Another landscape KK on granite at WhatsApp size (own family seed 7373): table 1's
    markers came back as `m 2 周 (4) 功 (38)`, nothing a marker row; its column header line
    was read, and the markers sit under its words."""
    text = KK_TEXT.replace(
        "(1)  (2)                     (3)                  (4)            (5)           (6)",
        "m    2                       周                   (4)            功            (38)",
    )
    lines = lines_from_text(text)
    assert [sorted(r.numbers)[:2] for r in marker_rows(lines)] == [[11, 12]]
    assert [sorted(r.numbers)[:2] for r in table_markers(lines)] == [[1, 2], [11, 12]]
    members, _ = extract_members(lines)
    assert [m.nik for m in members] == [
        "7308264401757753",
        "7308261502040914",
        "7308264904080284",
    ]
    assert [m.relationship for m in members] == ["KEPALA KELUARGA", "ANAK", "ANAK"]
