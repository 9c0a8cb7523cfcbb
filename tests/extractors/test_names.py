from extractors.lines import lines_from_text
from extractors.names import clean_name, extract_name


def test_honorific_and_trailing_noise_removed():
    assert clean_name("Ny. Siti Aminah, 45 th") == "SITI AMINAH"
    assert clean_name("TN. BUDI  SANTOSO (L)") == "BUDI SANTOSO"
    assert clean_name("An. M. Yusuf") == "M. YUSUF"


def test_apostrophe_kept():
    assert clean_name("Ma'ruf Hidayat") == "MA'RUF HIDAYAT"


def test_name_from_label_with_boxes():
    field = extract_name(lines_from_text("Nama Pasien : Ny. Siti Aminah"))
    assert field.value == "SITI AMINAH"
    assert len(field.boxes) == 2


def test_head_name_not_taken_as_patient_name():
    lines = lines_from_text("Nama Kepala Keluarga : BUDI\nNama Lengkap : ANI")
    assert extract_name(lines).value == "ANI"
