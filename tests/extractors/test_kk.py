from extractors.kk import extract_members, marker_rows
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
