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
