from datetime import date

from extractors.doc_types import (
    faskes_letter,
    month_of_issue,
    roman_month,
    sktm,
    slashed_roman_month,
)
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
    # sktm/form_desa on a clean scan: `/IX/` read as `/1IX/`; `/1II/` stays three strokes.
    assert roman_month("474/286/KESRA/1IX/2025") == "474/286/KESRA/IX/2025"
    assert roman_month("474/286/KESRA/1II/2025") == "474/286/KESRA/III/2025"
    assert roman_month("401/060/PEM/XII1/2025") == "401/060/PEM/XII/2025"  # opensid_rtf


def test_slash_and_roman_month_read_as_exclamation_marks():
    # What Tesseract made of `/II/2026` and `/I/2026` on generated SKTMs (seed 7202).
    assert slashed_roman_month("470/277/KESRA!!I/2026")[0] == "470/277/KESRA/II/2026"
    assert slashed_roman_month("474/036/DS-OLA!!/2026")[0] == "474/036/DS-OLA/I/2026"
    assert slashed_roman_month("S-11/097/3316032002!11/2026") == ("S-11/097/3316032002/II/2026", 3)
    assert slashed_roman_month("400/123/DS/II/2026") == ("400/123/DS/II/2026", 0)


def test_repaired_letter_number_is_read_with_less_confidence():
    clean = sktm(lines_from_text("Nomor : 470/277/KESRA/II/2026")).fields["letter_number"]
    fixed = sktm(lines_from_text("Nomor : 470/277/KESRA!!I/2026")).fields["letter_number"]
    assert fixed.value == clean.value == "470/277/KESRA/II/2026"
    assert fixed.evidence.repaired == 2 and fixed.confidence <= clean.confidence


def _sktm_number(number_line: str, dated: str) -> str | None:
    lines = lines_from_text(f"DESA SUKAMAJU\n{number_line}\n" + "isi surat\n" * 12 + dated)
    return sktm(lines).fields["letter_number"].value


def test_a_roman_month_ocr_garbled_is_the_letter_dates_month():
    # sktm_zoo numbers as Tesseract read them (own set, seed 91): the slash before the month
    # lost and its strokes swapped (`277 /XI/2025`), the slash read as a stroke (`286 /I/`),
    # the month lost (`/II/`).
    got = _sktm_number("Nomor : 145/Kel-SW/ 277 IX/2025", "Sukamaju, 3 November 2025")
    assert got == "145/Kel-SW/277/XI/2025"
    got = _sktm_number("Nomor : 145/Kel-RS/ 286 11/2026", "Sukamaju, 14 Januari 2026")
    assert got == "145/Kel-RS/286/I/2026"
    got = _sktm_number("Nomor : 474/108/DS//2026", "Sukamaju, 9 Februari 2026")
    assert got == "474/108/DS/II/2026"


def test_a_small_l_read_as_a_capital_i_in_a_letter_number():
    # sktm/kelurahan_surat on WhatsApp (own set, seed 91): `145/Kel-C/ 61 /XI/2025`.
    got = _sktm_number("Nomor : 145/KeI-C/ 61 /XI/2025", "Cibunarjaya, 26 November 2025")
    assert got == "145/Kel-C/61/XI/2025"
    assert _sktm_number("Nomor : 474/12/DS-II/XI/2025", "Cibunarjaya, 26 November 2025") == (
        "474/12/DS-II/XI/2025"
    )


def test_a_roman_month_is_never_invented_nor_replaced_by_another_valid_one():
    assert month_of_issue("474/108/DS/2026", date(2026, 2, 9)) == ("474/108/DS/2026", 0)
    assert month_of_issue("400/1/DS/X/2026", date(2026, 11, 2)) == ("400/1/DS/X/2026", 0)
    assert month_of_issue("400/1/DS/1/2026", date(2026, 2, 2)) == ("400/1/DS/1/2026", 0)
    assert month_of_issue("474/108/DS//2026", None) == ("474/108/DS//2026", 0)


def test_sktm_village_and_district_stop_at_the_next_level():
    fields = sktm(
        lines_from_text("Desa Way Nukak Kecamatan Karya Kabupaten Muara\nNomor : 400/1/DS/II/2026")
    ).fields
    assert fields["village"].value == "WAY NUKAK"
    assert fields["district"].value == "KARYA"


LETTER_TOP = """PUSKESMAS SUKAMAJU
SURAT KETERANGAN BEROBAT
Nama : SITI AMINAH
NIK : 6101014507890003
"""
LETTER_END = "Demikian surat keterangan ini dibuat\n"


def test_urgency_stated_about_the_patient_now_is_read_surely():
    text = (
        "RSUD SUKAMAJU\nINSTALASI GAWAT DARURAT 24 JAM\n"
        + LETTER_TOP.split("\n", 1)[1]
        + "No. RM : 0012\nDiagnosa : Fraktur femur\n"
        + "Pasien tersebut pada saat surat ini dibuat masih\ndirawat di IGD RSUD Sukamaju\n"
        + LETTER_END
    )
    field = faskes_letter(lines_from_text(text)).fields["priority_category"]
    assert field.value == "igd" and field.confidence >= 0.6  # the sentence, not the kop
    assert field.boxes == [w.box for w in lines_from_text(text)[-2].words]


def test_urgency_named_elsewhere_is_read_unsurely():
    for where in ("INSTALASI GAWAT DARURAT 24 JAM\n", "Rujukan dari IGD RSUD Sukamaju\n"):
        text = LETTER_TOP + where + "No. RM : 0012\nDiagnosa : Fraktur femur\n" + LETTER_END
        field = faskes_letter(lines_from_text(text)).fields["priority_category"]
        assert (field.value, field.confidence) == ("igd", 0.5)
    plain = faskes_letter(lines_from_text(LETTER_TOP + "Diagnosa : Hipertensi\n" + LETTER_END))
    assert plain.fields["priority_category"].value is None


def test_a_letter_number_with_a_spaced_dash_and_a_roman_month():
    got = sktm(lines_from_text("Nomor : 474/120 -Ket/Ds-2009/I/2026")).fields["letter_number"]
    assert got.value == "474/120 -Ket/Ds-2009/I/2026"


def test_a_facility_name_broken_over_two_kop_lines():
    text = "KLINIK PRATAMA ANNISA\nMEDIKA\nJl. Merdeka No. 5 Telp 0561\nSURAT KETERANGAN\n"
    assert faskes_letter(lines_from_text(text)).fields["facility_name"].value == (
        "KLINIK PRATAMA ANNISA MEDIKA"
    )


def test_the_addressee_is_not_the_facility():
    text = (
        "PEMERINTAH KABUPATEN SAMBAS\nDINAS KESEHATAN\nUPT PUSKESMAS TEBAS\nJl. Raya Tebas\n"
        "Kepada Yth.\nDirektur RSUD Sambas\ndi Tempat\nNama : SITI\n"
    )
    assert faskes_letter(lines_from_text(text)).fields["facility_name"].value == (
        "UPT PUSKESMAS TEBAS"
    )


def test_ktp_village_and_district_multi_word():
    from extractors.doc_types import ktp

    text = (
        "NIK : 3674011107630001\nNama : BUDI SANTOSO\nKel/Desa : JURANG MANGU BARAT\n"
        "Kecamatan : PONDOK AREN\nAgama : ISLAM\n"
    )
    fields = ktp(lines_from_text(text)).fields
    assert (fields["village"].value, fields["district"].value) == (
        "JURANG MANGU BARAT",
        "PONDOK AREN",
    )


def test_a_letter_without_kop_names_its_facility_above_the_signature():
    text = (
        "Kepada Yth.\nBapak Kepala Dinas Sosial\ndi -\nTempat\nSURAT KETERANGAN\n"
        "Nama : LALA ARYANI\nDemikian surat ini\nHormat kami,\nDokter Penanggung Jawab\n"
        "KLINIK PRATAMA RAHMAT HUSADA\ndr. Ami Salwa\n"
    )
    got = faskes_letter(lines_from_text(text)).fields["facility_name"].value
    assert got == "KLINIK PRATAMA RAHMAT HUSADA"


def test_sktm_form_prints_village_and_district_as_fields():
    text = (
        "Pemerintah Desa/Kelurahan : MAJIKO TONGONE Ket: Lembar 1\n"
        "Kecamatan : WASILE UTARA\nSURAT KETERANGAN TIDAK MAMPU\nNama : HARJAYA\n"
    )
    fields = sktm(lines_from_text(text)).fields
    assert (fields["village"].value, fields["district"].value) == ("MAJIKO TONGONE", "WASILE UTARA")


def test_sktm_village_of_a_kantor_lurah_kop():
    """sktm/word_kantor_desa for a kelurahan, as Tesseract read a clean scan."""
    text = (
        "PEMERINTAH KOTA BANDUNG\nfk KECAMATAN GEDEBAGE\nNY4 KANTOR LURAH CISARANTEN KIDUL\n"
        "SURAT KETERANGAN TIDAK MAMPU\nNama : MALIKA NASYIAH\n" + "Agama : Islam\n" * 8
    )
    assert sktm(lines_from_text(text)).fields["village"].value == "CISARANTEN KIDUL"


def test_sktm_village_misread_in_the_kop_is_spelled_as_the_letter_prints_it_most():
    """sktm/word_kantor_desa: the kop's large letters read `BARUGAF`, the body `Barugae`."""
    text = (
        "PEMERINTAH KABUPATEN BULUKUMBA\nIk KECAMATAN BULUKUMPA\nNY KANTOR KEPALA DESA BARUGAF\n"
        "SURAT KETERANGAN TIDAK MAMPU\nYang bertanda tangan di bawah ini Kepala Desa Barugae\n"
        "Orang tersebut di atas benar-benar penduduk Desa Barugae yang berdomisili di\n"
        "Barugae, 12 - 09 - 2025\nKepala Desa Barugae\n"
    )
    assert sktm(lines_from_text(text)).fields["village"].value == "BARUGAE"
    once = text.split("SURAT")[0] + "Agama : Islam\n" * 8 + "Kepala Desa Barugae\n"
    assert sktm(lines_from_text(once)).fields["village"].value == "BARUGAF"  # one against one


def test_sktm_village_from_the_opening_sentence_stops_at_its_comma():
    """sktm/form_desa on a WhatsApp photo: the form's village row unread, the opening sentence
    `… Kepala Desa Janji Raja, menerangkan …` in the top of the page names it."""
    text = (
        "Kecamatan : SIANJUR MULA MULA\nSURAT KETERANGAN TIDAK MAMPU\n"
        "Yang bertanda tangan di bawah ini Kepala Desa Janji Raja, menerangkan dengan\n"
        + "Agama : Islam\n"
        * 8
    )
    assert sktm(lines_from_text(text)).fields["village"].value == "JANJI RAJA"


def test_sktm_village_named_in_the_body_when_the_kop_was_not_read():
    """sktm/word_kantor_desa photographed on batik: the kop lost, the body names the village."""
    text = (
        "SURAT KETERANGAN TIDAK MAMPU\nNomor : 474/120 -Ket/Ds-2009/I/2026\n"
        "Yang bertanda tangan di bawah ini Lurah Loloan Barat Kecamatan Negara Kabupaten\n"
        "Orang tersebut di atas benar-benar penduduk Kelurahan Loloan Barat yang berdomisili\n"
    )
    assert sktm(lines_from_text(text)).fields["village"].value == "LOLOAN BARAT"
