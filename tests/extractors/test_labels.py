import pytest

from extractors.labels import continuation, find_label, find_labels, running_text
from extractors.lines import group_lines, lines_from_text
from extractors.register_number import extract_register_number
from models import Box, Line, Word


def test_label_followed_by_colon_gives_value_and_boxes():
    lines = lines_from_text("Nama Pasien : Siti Aminah")
    hit = find_label(lines, "name")
    assert hit is not None
    assert hit.label == "Nama Pasien"
    assert hit.value == "Siti Aminah"
    assert [w.text for w in hit.words] == ["Siti", "Aminah"]
    assert hit.colon


def test_short_label_inside_longer_label_does_not_fire():
    lines = lines_from_text("Nama Kepala Keluarga : BUDI SANTOSO")
    assert find_label(lines, "name") is None
    assert find_label(lines, "head_name").value == "BUDI SANTOSO"


def test_a_short_label_word_with_one_ocr_slip_before_its_colon():
    """`Tgl. Lahir :` read `Tgl. Lahi :` (the previous round's own set): a label all the same,
    as it opens its line and its colon follows."""
    hit = find_label(lines_from_text("Nama : BUDI\nTgl. Lahi : 12-03-1980"), "birth_date")
    assert hit is not None and hit.value == "12-03-1980"
    hit = find_label(lines_from_text("2. Nomer : 474/12/DS/II/2026"), "letter_number")
    assert hit is not None and hit.value == "474/12/DS/II/2026"


def test_a_short_label_word_with_a_slip_is_no_label_inside_a_line_or_without_colon():
    assert find_labels(lines_from_text("Tgl. Lahi 12-03-1980 di rumah"), "birth_date") == []
    assert find_labels(lines_from_text("Nama : BUDI Lahi : 12-03-1980"), "birth_date") == []


def test_value_stops_at_next_label_on_same_row():
    lines = lines_from_text("Desa/Kelurahan : SUKAMAJU Kabupaten/Kota : SAMBAS")
    assert find_label(lines, "village").value == "SUKAMAJU"


def test_ocr_spacing_variants_of_label():
    for text in ("No.RM : 123456", "NO RM: 123456", "No . RM : 123456"):
        hit = find_label(lines_from_text(text), "register_number")
        assert hit is not None, text
        assert hit.value == "123456"


def test_word_in_running_text_is_not_a_label():
    lines = lines_from_text("dengan nama baik keluarga")
    assert find_labels(lines, "name") == []


def test_a_value_ends_at_a_form_column_gap_or_an_unknown_label():
    hit = find_label(lines_from_text("Kecamatan : WASILE UTARA              Lembar 2"), "district")
    assert hit.value == "WASILE UTARA"
    hit = find_label(lines_from_text("Desa/Kelurahan : MAJIKO TONGONE Ket: Lembar 1"), "village")
    assert hit.value == "MAJIKO TONGONE"


def test_a_greater_label_whose_colon_ocr_lost_still_outranks_a_lesser_one():
    """`Diagnosa Dokter : -` on a two-column form, read without its colon and dash."""
    text = "Nama : BUDI        Diagnosa Awal : Lemas, mual\nTgl Lahir : 1984   Diagnosa Dokter"
    assert find_label(lines_from_text(text), "diagnosis") is None
    assert find_label(lines_from_text(text.split("\n")[0]), "diagnosis").value == "Lemas, mual"


@pytest.mark.parametrize(
    ("line", "running"),
    [
        ("Stroke non hemoragik", False),
        ("J06.9 ISPA", False),
        ("Diabetes melitus tipe 2 dengan komplikasi", False),
        ("Demikian surat keterangan ini dibuat", True),
        ("Sawahlunto, 22-01-2026", True),
        ("Sawahlunto 22 Januari 2026", True),
        ("12-34-56", False),
        ("2025/01/000123", False),
        ("Pasien saat ini dirawat di IGD.", True),
        ("-", True),
    ],
)
def test_running_text_is_told_from_a_value(line, running):
    assert running_text(line) is running


def test_value_glued_to_its_label_after_ocr_lost_the_colon():
    """`No. Rekam Medis : RM-00888121` read as `No. Rekam MedisRM-00888121`."""
    lines = lines_from_text("No. Rekam MedisRM-00888121 Tanggal Masuk: 10-09-2025")
    hit = find_labels(lines, "register_number")[0]
    assert hit.value == "RM-00888121"
    assert find_labels(lines_from_text("NO.RM123456"), "register_number")[0].value == "123456"
    # An all-capital word goes on: `NAMAKU` is no label.
    assert find_labels(lines_from_text("NAMAKU : X"), "name") == []


def test_dot_leader_read_as_letters_before_the_colon():
    """A typewriter's dot leader comes back as `Lc... coco...`, its colon as a `1`."""
    lines = lines_from_text("NO. CM Lc... coco... 1 3057.25.49")
    assert find_labels(lines, "register_number")[0].value == "3057.25.49"
    lines = lines_from_text("Dignosa ......... : R57.2 SYOK SEPTIK")
    assert find_labels(lines, "diagnosis")[0].value == "R57.2 SYOK SEPTIK"


def test_wrap_in_the_right_column_of_a_two_column_form():
    """SIMPUS prints two columns; the right column's diagnosis wraps onto a line whose left
    column holds another row (`Alamat : …`)."""
    text = (
        "NIK : 5205076109740484         Diagnosa Dokter : K70.3 - Alcoholic cirrhosis\n"
        "Alamat : Dusun Prastuti RW.                      of liver\n"
        "005, Desa Nangatumpu"
    )
    lines = lines_from_text(text)
    hit = find_label(lines, "diagnosis")
    assert [w.text for w in continuation(lines, hit)] == ["of", "liver"]
    # The left column's wrap stays with the left column.
    hit = find_label(lines, "name") or find_labels(lines_from_text(text), "village")
    assert not hit


def test_next_row_of_the_same_column_without_its_colon_is_no_wrap():
    text = "Nama          : SITI AMINAH\nAlamat          Jl. Melati 4"
    lines = lines_from_text(text)
    assert continuation(lines, find_label(lines, "name")) == []


def test_wrap_under_a_line_of_dot_leader_debris():
    """A typewriter's dot leader is drawn low: OCR gives it a line of its own between the
    value and its wrap."""
    text = (
        "Dignosa ......... : A09 GASTROENTERITIS AKUT DENGAN\n"
        "        ...........\n"
        "                    SEDANG\n"
        "Pasien tersebut benar berobat."
    )
    lines = lines_from_text(text)
    assert [w.text for w in continuation(lines, find_label(lines, "diagnosis"))] == ["SEDANG"]


def test_boxed_cell_label_over_its_value():
    """A boxed form prints `No. Rekam Medis` in one cell and the number in the cell below,
    beside another cell pair; neither has a colon."""
    text = "No. Rekam Medis          Tanggal Masuk\n   00-12-34                12-01-2026"
    hit = find_labels(lines_from_text(text), "register_number")[0]
    assert (hit.value, hit.below, hit.colon) == ("00-12-34", True, False)


def test_section_heading_over_the_diagnosis():
    """`DIAGNOSA KERJA` as a boxed section's heading, the diagnosis under it; the next
    heading (`DIAGNOSA BANDING`) is no value."""
    text = "II. DIAGNOSA KERJA\nCongestive heart failure\nDIAGNOSA BANDING\nCor pulmonale"
    assert find_label(lines_from_text(text), "diagnosis").value == "Congestive heart failure"
    # A heading in running text is no label: words follow it on its run.
    assert (
        find_labels(lines_from_text("Diagnosa kerja pasien ini\nGagal jantung"), "diagnosis") == []
    )


def test_a_label_printed_blank_with_a_rule_does_not_take_the_paragraph_under_it():
    """`Diagnosa Utama : ________` as Tesseract reads it on a clean scan (own family 4242,
    eclinic-style sick note): colon and rule lost, the label alone, the letter's paragraph
    under it. That sentence is no diagnosis (it was taken at confidence 0.01)."""
    text = (
        "No. BPJS        : 0006790482344\n"
        "Diagnosa Utama\n"
        "Berdasarkan hasil pemeriksaan, pasien tersebut perlu istirahat karena sakit"
    )
    assert [h.value for h in find_labels(lines_from_text(text), "diagnosis") if h.value] == []


def test_label_then_a_row_of_its_own_below_is_no_value():
    text = "Diagnosa Akhir :             Kode ICD\n  - Diagnosa Utama      : PPOK eksaserbasi akut"
    hits = find_labels(lines_from_text(text), "diagnosis")
    assert [(h.label, h.value) for h in hits if h.value] == [
        ("Diagnosa Utama", "PPOK eksaserbasi akut")
    ]


def test_words_with_a_slash_between_label_and_colon():
    """RSUD admission note: `Dengan Diagnosa tetap/sementara : I50.0, CHF`."""
    lines = lines_from_text("Dengan Diagnosa tetap/sementara : I50.0, Congestive heart failure")
    assert find_label(lines, "diagnosis").value == "I50.0, Congestive heart failure"


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("No. R.M : 123456", "register_number", "123456"),
        ("Nomor Registrasi : 2026020001", "register_number", "2026020001"),
        ("ID Pasien : 00123456", "register_number", "00123456"),
        ("Diagnosa Keluar : Gagal ginjal kronik", "diagnosis", "Gagal ginjal kronik"),
    ],
)
def test_label_variants_of_real_templates(text, field, value):
    assert find_label(lines_from_text(text), field).value == value


def test_discharge_diagnosis_outranks_the_admission_one():
    text = "Diagnosa Masuk : Obs. febris\nDiagnosa Keluar : Demam berdarah dengue"
    assert find_label(lines_from_text(text), "diagnosis").value == "Demam berdarah dengue"


def test_register_in_a_box_beside_the_title():
    """`| No. Rekam Medis |` over `| RM-00446441 |` at the top right, the title `RESUME MEDIS`
    on a line of its own between them, left: OCR keeps the box's rules as `|`."""
    words = [
        ("|", 1654, 384, 2, 66), ("No.", 1734, 395, 79, 40), ("Rekam", 1833, 395, 168, 40),
        ("Medis", 2019, 395, 145, 40), ("|", 2243, 384, 2, 66),
        ("RESUME", 239, 434, 300, 41), ("MEDIS", 560, 434, 240, 41),
        ("|", 1654, 458, 2, 66), ("RM-00446441", 1792, 470, 309, 40), ("|", 2243, 458, 2, 66),
    ]  # fmt: skip
    lines = group_lines(
        [Word(text=t, box=Box(left=x, top=y, width=w, height=h), confidence=0.9, page=1)
         for t, x, y, w, h in words]
    )  # fmt: skip
    assert extract_register_number(lines).value == "RM-00446441"


def test_paragraph_after_a_blank_label_whose_dash_was_lost_is_no_value():
    """`Diagnosa : -` read as `Diagnosa :`; the paragraph after the form, a blank line below,
    is no diagnosis (a boxed cell's value may sit that far under its label, a colon row's not)."""
    text = "      Diagnosa :\n\nSehubungan dengan diagnosa tersebut diatas, pasien dirawat"
    assert find_label(lines_from_text(text), "diagnosis") is None


def test_the_next_paragraph_under_a_label_printed_blank_is_no_value():
    """faskes_letter/eclinic_sks on a WhatsApp photo: `Diagnosa: -` with its dash lost, the
    closing sentence right under it."""
    text = "Diagnosa:\nDemikian surat keterangan ini dibuat untuk dipergunakan seperlunya."
    assert find_label(lines_from_text(text), "diagnosis") is None
    assert find_label(lines_from_text("Diagnosa sementara:\nDemam tifoid"), "diagnosis").value


def test_a_row_of_labels_over_a_row_of_values():
    """faskes_letter/identity_table: `No. RM | No. Reg | Nama Pasien | Tgl. Lahir | Jenis
    Kelamin` centred over the patient's values; the name is the cell under `Nama Pasien`, not
    the next label beside it (`Tgl. Lahir Jenis Kelamin` was read as the name)."""
    text = (
        "  No. RM     No. Reg        Nama Pasien      Tgl. Lahir    Jenis Kelamin\n"
        "904336-1225  202512105375  IRA SAFITRI     01-05-1977    Perempuan\n"
        "Alamat : Dusun Dongoran RT 13 RW 07"
    )
    lines = lines_from_text(text)
    assert find_label(lines, "name").value == "IRA SAFITRI"
    assert extract_register_number(lines).value == "904336-1225"


def test_a_label_beside_the_next_label_heads_its_cell():
    """faskes_letter/emr_rujukan_grid: `Nama Pasien   Umur/Tgl Lahir   Jenis Kelamin` over
    the values, the cells further apart than a column gap."""
    text = (
        "No. RM/Reg          Nama Pasien          Umur/Tgl Lahir\n"
        "RM-00695648         HANI SHAKILA         77 th / 18-12-1948"
    )
    assert find_label(lines_from_text(text), "name").value == "HANI SHAKILA"


def _lowered(line, dy):
    words = [w.model_copy(update={"box": w.box.model_copy(update={"top": w.box.top + dy})})
             for w in line.words]  # fmt: skip
    return Line(words=words, page=line.page)


def test_the_next_ruled_cells_first_line_is_no_wrap():
    """faskes_letter/emr_rujukan_grid: label/value pairs in ruled cells, `Alamat` centred
    beside its two-line value; the address's first line stands under the name's value,
    further from it (the rules and padding) than from its own second line."""
    text = (
        "Nama     PAIMAN KURNIAWAN        Jenis Kelamin   Laki-laki\n"
        "         Jl. Yos Sudarso No. 5\n"
        "Alamat   RT 003 RW 002, Kec. X   NIK            1234\n"
    )
    first, address, label_row = lines_from_text(text)
    ruled = [first, _lowered(address, 12), _lowered(label_row, 4)]
    assert continuation(ruled, find_label(ruled, "name")) == []
    even = [first, address, label_row]  # a wrap at the form's own leading is still one
    assert [w.text for w in continuation(even, find_label(even, "name"))][:2] == ["Jl.", "Yos"]
