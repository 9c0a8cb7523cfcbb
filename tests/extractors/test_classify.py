from extractors.classify import classify
from extractors.lines import lines_from_text
from models import DocType


def test_sktm_title_wins_over_shared_words():
    c = classify(
        lines_from_text(
            "PEMERINTAH KABUPATEN SAMBAS\nKECAMATAN SEBAWI\nDESA SEBAWI\n"
            "SURAT KETERANGAN TIDAK MAMPU\nNomor : 400/123/DS/II/2026\nKepala Desa"
        )
    )
    assert c.doc_type is DocType.sktm
    assert c.titled


def test_faskes_letter():
    c = classify(
        lines_from_text("RSUD SAMBAS\nSURAT KETERANGAN SAKIT\nNama Pasien : X\nDiagnosa : CKD")
    )
    assert c.doc_type is DocType.faskes_letter


def test_kk_and_ktp():
    kk = classify(
        lines_from_text(
            "KARTU KELUARGA\nNo. 6101010101200001\nNama Kepala Keluarga : BUDI\n"
            "Status Hubungan Dalam Keluarga"
        )
    )
    ktp = classify(
        lines_from_text(
            "PROVINSI KALIMANTAN BARAT\nKABUPATEN SAMBAS\nNIK : 6101014507890003\n"
            "Tempat/Tgl Lahir : SAMBAS, 05-07-1989\nKel/Desa : X\nBerlaku Hingga : SEUMUR HIDUP"
        )
    )
    assert kk.doc_type is DocType.kk
    assert ktp.doc_type is DocType.ktp


def test_title_with_ocr_error_still_counts():
    c = classify(lines_from_text("SURAT KETERANGAN BER0BAT\nPasien"))
    assert c.doc_type is DocType.faskes_letter


def test_unrelated_text_is_unknown():
    c = classify(lines_from_text("Daftar belanja: beras, minyak, gula"))
    assert c.doc_type is DocType.unknown
    assert c.confidence == 0.0


def test_title_broken_over_two_lines_by_a_crooked_scan():
    c = classify(
        lines_from_text(
            "PROVINSI JAWA TIMUR\nKABUPATEN MAGETAN\n:3520142903540880\n1 SEUMUR\nHIDUP."
        )
    )
    assert c.doc_type is DocType.ktp
    assert c.titled


def test_generic_letter_heading_marks_a_first_page():
    first = classify(
        lines_from_text(
            "KLINIK PRATAMA KELUARGA SEHAT\nSURAT KETERANGAN\nNo : 852/KP/1/2026\n"
            "Dokter pemeriksa pada Klinik Pratama dengan ini menerangkan bahwa :\nNama: DIMAS\n"
            "Diagnosa : CKD"
        )
    )
    continuation = classify(
        lines_from_text("Diagnosa : CKD stage V\nDemikian surat keterangan ini\nDokter pemeriksa")
    )
    assert first.doc_type is DocType.faskes_letter and first.titled
    assert not continuation.titled


def test_a_letter_under_a_title_we_do_not_know_is_identified_by_its_medical_words():
    """A resume headed only by the hospital, or a referral headed by its addressee."""
    c = classify(
        lines_from_text(
            "RUMAH SAKIT UMUM DAERAH SAMBAS\nKepada Yth. Dokter Spesialis Penyakit Dalam\n"
            "Nama Pasien : SITI AMINAH\nNo. RM : 00-12-34\nAnamnesa : sesak napas\n"
            "Diagnosa : Gagal jantung kongestif\nTerapi : furosemid\nDokter Pemeriksa"
        )
    )
    assert c.doc_type is DocType.faskes_letter
    assert c.confidence >= 0.5


def test_identity_rows_every_form_prints_do_not_make_a_letter_a_ktp():
    c = classify(
        lines_from_text(
            "PUSKESMAS SUKAMAJU\nSURAT KETERANGAN BEROBAT\nNama : SITI AMINAH\n"
            "Tempat/Tgl Lahir : SAMBAS, 05-07-1989\nAgama : Islam\nPekerjaan : Petani\n"
            "Status Perkawinan : Kawin\nAlamat : RT/RW 001/002 Provinsi Kalimantan Barat\n"
            "Diagnosa : CKD\nDokter Pemeriksa"
        )
    )
    assert c.doc_type is DocType.faskes_letter
    assert c.confidence >= 0.7  # was 0.56 when each identity row counted for a KTP


def test_cues_are_whole_words():
    """`SIP` (a doctor's licence) is not in `SIPIL`, `LURAH` not in `KELURAHAN`."""
    text = "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL\nKELURAHAN SUKAMAJU\nKARTU KELUARGA"
    assert classify(lines_from_text(text)).scores["faskes_letter"] == 0.0
    assert classify(lines_from_text(text)).scores["sktm"] == 0.0


def test_untitled_letter_addressed_to_the_village_head_is_a_faskes_letter():
    """A klinik's Word letter with no title, `Kepada Yth. Kepala Desa …`, for a family that is
    `tidak mampu`: the addressee's words name the reader, not the kind of letter."""
    text = (
        "KLINIK PRATAMA ANNISA MEDIKA\nNomor : 12/KL/II/2026\nKepada Yth.\nKepala Desa Sukamaju\n"
        "Lurah dan Perangkat Desa\ndi -\nTempat\nDengan hormat,\n"
        "Bersama ini kami sampaikan pasien dari keluarga tidak mampu :\nNama : SITI\n"
        "Keperluan : pengobatan lanjutan\nDiagnosa : Gagal ginjal kronik"
    )
    assert classify(lines_from_text(text)).doc_type is DocType.faskes_letter


def test_titles_of_hospital_prints():
    for title in ("RESUME MEDIS", "FORMULIR PENGANTAR RAWAT INAP", "RINGKASAN PASIEN PULANG"):
        c = classify(lines_from_text(f"RSU CAHAYA MEDIKA\n{title}\nNama : X"))
        assert (c.doc_type, c.titled) == (DocType.faskes_letter, True), title
