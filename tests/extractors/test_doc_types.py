from extractors.doc_types import roman_month, sktm
from extractors.lines import lines_from_text


def test_sktm_letterhead_with_logo_noise():
    lines = lines_from_text(
        "PEMERINTAH KABUPATEN KERINCI\n"
        "x KECAMATAN DEPATI TUJUH\n"
        "DESA KOTO PANJANG\n"
        "SURAT KETERANGAN MISKIN\n"
        "Nomor : S-11/205/1501172003/1/2026\n"
        "Nama Lengkap : GANGSA TARIHORAN\n"
        "Tempat/tanggal lahir — : MANGGARAI TIMUR, 06-12-1975\n"
        + "isi surat\n" * 12
        + "Koto Panjang, 7 Februari 2026"
    )
    fields = sktm(lines).fields
    assert fields["district"].value == "DEPATI TUJUH"
    assert fields["village"].value == "KOTO PANJANG"
    assert fields["letter_number"].value == "S-11/205/1501172003/I/2026"
    assert fields["birth_date"].value == "1975-12-06"
    assert fields["letter_date"].value == "2026-02-07"
    assert fields["name"].value == "GANGSA TARIHORAN"


def test_roman_month_only_before_the_year():
    assert roman_month("400/123/DS/11/2026") == "400/123/DS/II/2026"
    assert roman_month("400/1/DS/IV/2026") == "400/1/DS/IV/2026"
    assert roman_month("400/123/DS/13/2026") == "400/123/DS/13/2026"
