import pytest

from extractors.diagnosis import extract_diagnosis, strip_code
from extractors.icd10 import normalise_code, repair_code_slots
from extractors.lines import lines_from_text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("N18.5", "N18.5"),
        ("N185", "N18.5"),
        ("N 18.5", "N18.5"),
        ("N18,5", "N18.5"),
        ("I50", "I50"),
        ("Nl8.5", "N18.5"),
        ("C5O.9", "C50.9"),
    ],
)
def test_icd10_written_forms(text, code):
    assert normalise_code(text) == code


def test_words_are_not_codes():
    assert normalise_code("stage V on HD") is None
    assert normalise_code("G2P1A0 hamil") is None


def test_code_in_front_is_split_off():
    d = extract_diagnosis(lines_from_text("Diagnosa : N18.5 Chronic kidney disease, stage 5"))
    assert d.text.value == "Chronic kidney disease, stage 5"
    assert d.icd10.value == "N18.5"


def test_code_in_parentheses_is_split_off():
    d = extract_diagnosis(lines_from_text("Diagnosis : CKD stage V on HD rutin (N185)"))
    assert d.text.value == "CKD stage V on HD rutin"
    assert d.icd10.value == "N18.5"


def test_code_on_its_own_row():
    d = extract_diagnosis(lines_from_text("Dx : Ca mammae dextra\nKode ICD : C50.9"))
    assert d.text.value == "Ca mammae dextra"
    assert d.icd10.value == "C50.9"


def test_diagnosis_wrapped_onto_next_line():
    text = (
        "Diagnosa Utama : Stroke non hemoragik dengan\n"
        "                 hemiparese sinistra\n"
        "Demikian surat keterangan ini dibuat."
    )
    d = extract_diagnosis(lines_from_text(text))
    assert d.text.value == "Stroke non hemoragik dengan hemiparese sinistra"
    assert len(d.text.boxes) == 6


def test_next_labelled_row_is_not_a_continuation():
    text = "Diagnosa : Hipertensi\nNo. RM : 123456"
    assert extract_diagnosis(lines_from_text(text)).text.value == "Hipertensi"


def test_no_label_no_diagnosis():
    d = extract_diagnosis(lines_from_text("Surat ini dibuat untuk berobat"))
    assert d.text.value is None
    assert d.icd10.value is None


def test_strip_code_dash_form():
    assert strip_code("CHF NYHA III - I50.0") == "CHF NYHA III"


def test_strip_a_bracketed_code_whose_letter_was_read_as_a_digit():
    """faskes_letter/rujukan_form on a clean scan: `Hipertensi esensial (I10)` read `(110)`."""
    assert strip_code("Hipertensi esensial (110)") == "Hipertensi esensial"
    assert strip_code("HYPERTENSION DAN DM TIPE 2 (10)") == "HYPERTENSION DAN DM TIPE 2"  # klinik


def test_code_whose_letter_i_was_read_as_one():
    d = extract_diagnosis(lines_from_text("Diagnosa : 150.0 Congestive heart failure"))
    assert d.text.value == "Congestive heart failure"
    assert d.icd10.value == "I50.0"
    d = extract_diagnosis(lines_from_text("Diagnosa : Stroke non hemoragik (163.9)"))
    assert d.text.value == "Stroke non hemoragik"
    assert d.icd10.value == "I63.9"


def test_numbers_in_running_diagnosis_are_not_codes():
    d = extract_diagnosis(lines_from_text("Diagnosa : HD rutin 2x seminggu sejak 2019"))
    assert d.icd10.value is None
    assert d.text.value == "HD rutin 2x seminggu sejak 2019"


def test_bare_leading_code_with_i_read_as_one():
    assert repair_code_slots("148 Atrial fibrilasi dengan respon ventrikel cepat").startswith(
        "I48 Atrial"
    )
    assert repair_code_slots("2 hari demam") == "2 hari demam"


# --- Letters as real systems print them (issue 16) -------------------------------------------


def diagnosis_of(text: str) -> str | None:
    return extract_diagnosis(lines_from_text(text)).text.value


def test_label_with_words_before_its_colon_and_a_number_in_front():
    assert diagnosis_of("III. Diagnosa Sementara : Gagal ginjal kronik") == "Gagal ginjal kronik"


def test_value_on_the_line_below_its_label():
    text = "Diagnosa sementara:\nStroke non hemoragik\n\nDemikian surat ini"
    assert diagnosis_of(text) == "Stroke non hemoragik"


def test_a_label_with_a_typo_kept_from_a_real_template():
    assert diagnosis_of("Dignosa : Hipertensi esensial") == "Hipertensi esensial"


def test_the_doctors_diagnosis_wins_over_the_first_impression():
    text = "Diagnosa Awal : demam, mual, lemas\nDiagnosa Dokter : Demam tifoid"
    assert diagnosis_of(text) == "Demam tifoid"
    text = "Keluhan : sesak napas\nDiagnosa : Gagal jantung kongestif"
    assert diagnosis_of(text) == "Gagal jantung kongestif"


def test_a_secondary_diagnosis_is_not_the_diagnosis():
    text = "Diagnosa Sekunder : Hipertensi\nDiagnosa Utama : Ca mammae"
    assert diagnosis_of(text) == "Ca mammae"


def test_diagnosis_table_of_a_hospital_system():
    """`Kode ICD-10 | Diagnosis | Jenis`: the `Utama` row, not the header word `Jenis`."""
    text = (
        "Kode ICD-10     Diagnosis                              Jenis\n"
        "I10             Hipertensi esensial                    Sekunder\n"
        "N18.5           Chronic kidney disease stage 5         Utama\n"
        "\n\nDemikian surat keterangan ini"
    )
    result = extract_diagnosis(lines_from_text(text))
    assert (result.text.value, result.icd10.value) == ("Chronic kidney disease stage 5", "N18.5")


@pytest.mark.parametrize(
    ("code", "cell", "blank"),
    [("-", "-", True), ("", "............", True), ("", "________", True), ("-", "", True),
     ("", "", False)],
)  # fmt: skip
def test_a_blank_main_row_is_no_diagnosis_never_the_secondary_row_nor_the_header(code, cell, blank):
    """The doctor left the `Utama` row empty: no diagnosis, whatever the other rows say; a
    dash or dots in it is printed blank (certain), a row with nothing only not found."""
    text = (
        "No   Kode ICD-10     Diagnosis                              Jenis\n"
        f"1    {code:<15}{cell:<39}Utama\n"
        "2    I10             Hipertensi esensial                    Sekunder\n"
        "\n\nDemikian surat keterangan ini"
    )
    result = extract_diagnosis(lines_from_text(text))
    assert result.text.value is None
    assert result.blank == blank


def test_a_main_row_whose_code_and_words_run_together_is_read_not_blank():
    """`R50.9 Febris hari ke-3` read as one cell under the code header: its dash is no blank."""
    text = (
        "No   Kode ICD-10     Diagnosis                              Jenis\n"
        "1    R50.9 Febris hari ke-3                                 Utama\n"
        "2    M54.5           Low back pain                          Sekunder\n"
    )
    result = extract_diagnosis(lines_from_text(text))
    assert (result.text.value, result.icd10.value, result.blank) == (
        "Febris hari ke-3",
        "R50.9",
        False,
    )


def test_diagnosis_table_without_a_kind_column_takes_its_first_row():
    text = "No   Diagnosa                    Kode ICD\n1    Stroke infark               I63.9\n"
    result = extract_diagnosis(lines_from_text(text))
    assert (result.text.value, result.icd10.value) == ("Stroke infark", "I63.9")


def test_a_diagnosis_without_a_label_is_found_by_its_who_code():
    text = "Pasien tersebut di atas\nN18.5 Chronic kidney disease stage 5\nDemikian"
    result = extract_diagnosis(lines_from_text(text))
    assert (result.text.value, result.icd10.value) == ("Chronic kidney disease stage 5", "N18.5")
    assert (
        result.text.confidence
        < extract_diagnosis(
            lines_from_text("Diagnosa : N18.5 Chronic kidney disease stage 5")
        ).text.confidence
    )


def test_a_letter_and_two_digits_that_are_no_who_code_are_no_diagnosis():
    text = "Pasien tersebut di atas\nBlok A10 Perumahan Griya Asri\nDemikian"
    assert extract_diagnosis(lines_from_text(text)).text.value is None


def test_a_column_header_after_a_label_is_no_value():
    """Khanza's resume: `Diagnosa Akhir : Kode ICD` heads a list; the Utama row follows."""
    text = (
        "Diagnosa Akhir : Kode ICD\n- Diagnosa Utama : Diabetes melitus tipe 2 (E11.9)\n"
        "- Diagnosa Sekunder : Dermatitis kontak alergi (L23.9)"
    )
    result = extract_diagnosis(lines_from_text(text))
    assert (result.text.value, result.icd10.value) == ("Diabetes melitus tipe 2", "E11.9")


def test_words_in_brackets_between_label_and_colon():
    result = extract_diagnosis(lines_from_text("Diagnosa (ICD-10) : L23.9 - Dermatitis kontak"))
    assert (result.text.value, result.icd10.value) == ("Dermatitis kontak", "L23.9")


def test_a_code_in_its_own_column_on_the_diagnosis_row():
    text = "- Diagnosa Utama : Diabetes melitus tipe 2                          (E11.9)"
    result = extract_diagnosis(lines_from_text(text))
    assert (result.text.value, result.icd10.value) == ("Diabetes melitus tipe 2", "E11.9")


def test_running_text_below_an_empty_label_is_doubted_a_value_is_not():
    """The label's dash may be lost and the line below be body text: a person looks. A short
    line that reads as a value (`J06.9 ISPA`) is how the template prints it."""
    body = "Diagnosa :\nPasien tersebut memerlukan perawatan lanjutan.\n"
    assert extract_diagnosis(lines_from_text(body)).text.confidence < 0.5
    for value in ("Stroke non hemoragik", "J06.9 ISPA"):
        below = extract_diagnosis(lines_from_text(f"Diagnosa sementara:\n{value}\n\nDemikian"))
        inline = extract_diagnosis(lines_from_text(f"Diagnosa : {value}"))
        assert below.text.value == inline.text.value
        assert below.text.confidence >= 0.9 <= inline.text.confidence


def test_label_without_its_colon_before_a_code():
    """`Dengan Diagnosa tetap/sementara : E11.9, DM…` with the colon lost: the code line is
    found without its label, and the label's words stay out of the diagnosis."""
    d = extract_diagnosis(
        lines_from_text("Dengan Diagnosa tetap/sementara E11.9, DM tipe 2 tidak terkontrol")
    )
    assert d.text.value == "DM tipe 2 tidak terkontrol"
    assert d.icd10.value == "E11.9"


def test_code_letter_read_as_a_digit_before_a_dash():
    """`I10 - Hipertensi esensial` read `110 - …`; `Q21.1 - …` read `021.1 - …` (Q or O?)."""
    d = extract_diagnosis(lines_from_text("Diagnosa Kerja : 110 - Hipertensi esensial"))
    assert (d.text.value, d.icd10.value) == ("Hipertensi esensial", "I10")
    d = extract_diagnosis(lines_from_text("Diagnosa Kerja : 021.1 - Atrial septal defect"))
    assert (d.text.value, d.icd10.value) == ("Atrial septal defect", None)


def test_a_diagnosis_stated_in_a_sentence():
    """faskes_letter/rujukan_form as Tesseract read a clean scan: no label, the diagnosis in
    running text, wrapping onto the next line; its code kept apart."""
    text = (
        "Anamnesa : Perut membesar dan mata kuning\n"
        "Pasien tersebut kami rujuk dengan diagnosa Demam tifoid (A01.0) untuk\n"
        "mendapatkan penanganan lebih lanjut.\nTerapi : 02 3 Ipm, IVFD RL\n"
    )
    found = extract_diagnosis(lines_from_text(text))
    assert (found.text.value, found.icd10.value) == ("Demam tifoid", "A01.0")
    wrapped = (
        "Pasien tersebut kami rujuk dengan diagnosa Sirosis hepatis dengan asites dan\n"
        "hematemesis melena untuk mendapatkan penanganan lebih lanjut.\n"
    )
    found = extract_diagnosis(lines_from_text(wrapped))
    assert found.text.value == "Sirosis hepatis dengan asites dan hematemesis melena"


def test_a_sentence_pointing_back_to_a_diagnosis_is_none():
    """`Sehubungan dengan diagnosa tersebut diatas` names no diagnosis (a blank label above)."""
    text = (
        "Diagnosa : -\nSehubungan dengan diagnosa tersebut diatas, pasien membutuhkan "
        "perawatan rawat inap agar dapat mendapatkan pengobatan yang optimal.\n"
    )
    assert extract_diagnosis(lines_from_text(text)).text.value is None


@pytest.mark.parametrize(
    ("head", "therapy"),
    [("    Anamnesa                      Diagnosa                     Terapi", "Amlodipin 1x10 mg"),
     ("    Anamnesa                      Diagnosa", "")],
)  # fmt: skip
def test_diagnosis_under_its_header_on_a_referral_form(head, therapy):
    """faskes_letter/emr_rujukan_grid: `Anamnesa | Diagnosa | Terapi` over the row, a long
    diagnosis wrapping in its cell; the header beside (`Terapi`) was read as the diagnosis,
    and the paragraph and the signature under the table are no part of it."""
    text = (
        f"{head}\n\n"
        f"Bengkak pada kedua kaki       E11.9 - Diabetes melitus       {therapy}\n"
        "                              tipe 2 tidak terkontrol\n\n"
        "Atas bantuannya kami ucapkan terima kasih.\n"
        "                                                   Banggai, 10 Februari 2026"
    )
    result = extract_diagnosis(lines_from_text(text))
    assert result.text.value == "Diabetes melitus tipe 2 tidak terkontrol"
    assert result.icd10.value == "E11.9"
