import pytest

from extractors.priority import priority_category


@pytest.mark.parametrize(
    ("diagnosis", "code", "category"),
    [
        ("CKD stage V on HD rutin", None, "gagal_ginjal"),
        ("Chronic kidney disease, stage 5", "N18.5", "gagal_ginjal"),
        ("Ca mammae dextra post kemoterapi siklus 3", None, "kanker"),
        ("CHF NYHA III", None, "jantung"),
        ("Stroke non hemoragik", None, "stroke"),
        ("Thalassemia beta mayor", None, "thalassemia"),
        ("Sirosis hepatis dekompensata", None, "sirosis_hati"),
        ("Hemofilia A", None, "hemofilia"),
        ("Pasien dirawat di ICU", None, "icu"),
        ("Hipertensi", None, None),
        ("DM tipe 2", "E11.9", None),
        ("riwayat stroke, hipertensi", None, None),
        ("SH dengan asites dan varises esofagus", None, "sirosis_hati"),
        ("SH, GCS 12, afasia", None, "stroke"),
    ],
)
def test_priority_category(diagnosis, code, category):
    assert priority_category(diagnosis, code) == category
