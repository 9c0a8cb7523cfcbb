import pytest

from extractors.lines import lines_from_text
from extractors.names import SAME_PERSON, clean_name, extract_name, name_similarity, person_key


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


# Pairs of names as two documents print them: (a, b, same person?). OCR-level and clerical
# differences must pass; a different given name (a family member) must not.
NAME_PAIRS = [
    ("SITI AMINAH", "Ny. Siti Aminah", True),
    ("SITI AMINAH", "SITI AMlNAH", True),  # one letter misread
    ("SITI AMINAH", "SITI AMINA", True),  # one letter lost
    ("NUR HAYATI", "NURHAYATI", True),  # spacing
    ("MUHAMMAD  RIZKI", "MUHAMMAD RIZKI", True),
    ("TN. BUDI SANTOSO", "BUDI SANTOSO", True),
    ("AN. DEWI LESTARI", "DEWI LESTARI", True),
    ("BY. NY. RINA", "RINA", True),
    ("SITI AMINAH BINTI ABDULLAH", "SITI AMINAH", True),
    ("AHMAD FAUZI BIN YUSUF", "AHMAD FAUZI", True),
    ("MUHAMMAD RIZKI", "M. RIZKI", True),  # initial for a common first name
    ("BUDI SANTOSO", "SANTOSO BUDI", True),  # order
    ("AGUS SALIM.Z", "AGUS SALIM", True),  # patronymic initial
    ("HJ. SITI KHADIJAH", "SITI KHADIJAH", True),
    ("MUHAMAD RIZKY", "MUHAMMAD RIZKI", True),
    ("SITI AMINAH", "SITI AISYAH", False),
    ("BUDI SANTOSO", "ANI SANTOSO", False),  # same family, another member
    ("SITI AMINAH", "SITI", False),
    ("AHMAD FAUZI", "RUDI HARTONO", False),
    ("DEWI LESTARI", "DEWI SARTIKA", False),
    ("RAHMAT HIDAYAT", "RAHMAN HIDAYAT", True),  # one letter: OCR cannot tell, forgiven
    ("SRI WAHYUNI", "SRI RAHAYU", False),
    ("", "SITI AMINAH", False),
    (None, "SITI AMINAH", False),
]


@pytest.mark.parametrize(("a", "b", "same"), NAME_PAIRS)
def test_name_similarity_table(a, b, same):
    assert (name_similarity(a, b) >= SAME_PERSON) is same
    assert name_similarity(a, b) == name_similarity(b, a)


def test_person_key_drops_titles_and_patronym():
    assert person_key("Ny. Hj. Siti Aminah binti Abdullah") == "SITI AMINAH"
    assert person_key("MAWARDI.Z") == "MAWARDI"


def test_kk_head_name_stops_at_the_next_columns_label():
    from extractors.lines import lines_from_text
    from extractors.names import extract_name

    lines = lines_from_text("Nama Kepala Keluarga : VIMAN WALUYO ECAMATAN ARSO TIMUR")
    assert extract_name(lines, "head_name").value == "VIMAN WALUYO"
