"""Diagnosis → priority category: the wording table, the generator's vocabulary, and the rules
that are easy to get subtly wrong (code-range edges, SH, negation, urgency order)."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from extractors.priority import (
    category_for_code,
    category_for_text,
    engine,
    priority_category,
    priority_with_confidence,
)
from fixtures.vocab import diagnoses

TABLE = Path(__file__).with_name("data") / "diagnoses_priority.csv"


def _table() -> list[tuple[str, str | None, str | None]]:
    with TABLE.open(encoding="utf-8", newline="") as handle:
        return [
            (r["text"], r["icd10"] or None, r["category"] or None) for r in csv.DictReader(handle)
        ]


ROWS = _table()
CATEGORIES = sorted({c or "none" for _, _, c in ROWS})


def _wrong(cases: list[tuple[str, str | None]]) -> list[tuple[str, str | None, str | None]]:
    """(text, expected, got) for the cases whose text alone maps wrong."""
    return [(t, want, got) for t, want in cases if (got := priority_category(t, None)) != want]


def test_table_is_big_enough():
    assert len(ROWS) >= 150


@pytest.mark.parametrize("expected", CATEGORIES)
def test_table(expected):
    """The table, one test per expected category (one item per row costs more pytest time
    than the matching itself); a failure lists every row that went wrong."""
    wrong = [
        (text, code, got)
        for text, code, category in ROWS
        if (category or "none") == expected and (got := priority_category(text, code)) != category
    ]
    assert wrong == []


@pytest.mark.parametrize("with_code", [True, False])
def test_generator_vocabulary(with_code):
    """Every diagnosis the fixture generator writes maps to its category, code or no code."""
    wrong = [
        (d.text, d.icd10, d.category, got)
        for d in diagnoses()
        if (got := priority_category(d.text, d.icd10 if with_code else None)) != d.category
    ]
    assert len(diagnoses()) >= 103
    assert wrong == []


def test_generator_codes_alone():
    """Codes decide on their own where the code is in a disease range."""
    for d in diagnoses():
        if d.category in (None, "igd", "icu", "dalam_tindakan"):
            assert category_for_code(d.icd10) is None, d
        else:
            assert category_for_code(d.icd10) == d.category, d


# ------------------------------------------------------------------ ICD-10 ranges


CODE_EDGES = [
    ("I10", None),  # essential hypertension is not jantung
    ("I11", "jantung"),
    ("I11.0", "jantung"),
    ("I1", None),
    ("I12.0", None),
    ("I19", None),
    ("I20.0", "jantung"),
    ("I28.9", "jantung"),
    ("I29", None),
    ("I30", "jantung"),
    ("I52.8", "jantung"),
    ("I53", None),
    ("I04", None),
    ("I05.0", "jantung"),
    ("Q20", "jantung"),
    ("Q28.9", "jantung"),
    ("Q29", None),
    ("G45.9", None),  # TIA is not stroke
    ("I59", None),
    ("I60.9", "stroke"),
    ("I63.9", "stroke"),
    ("I64", "stroke"),
    ("I65.2", None),
    ("I67.8", None),
    ("I69.4", "stroke"),
    ("D6", None),
    ("D65", None),
    ("D66", "hemofilia"),
    ("D67", "hemofilia"),
    ("D68", None),  # D68.3+ are acquired
    ("D68.0", "hemofilia"),
    ("D68.2", "hemofilia"),
    ("D68.3", None),
    ("D69.6", None),
    ("D55.0", None),
    ("D56", "thalassemia"),
    ("D56.1", "thalassemia"),
    ("D57.1", None),
    ("N16", None),
    ("N17", "gagal_ginjal"),
    ("N18.5", "gagal_ginjal"),
    ("N19", "gagal_ginjal"),
    ("N20.0", None),
    ("Z49.1", "gagal_ginjal"),
    ("Z99.2", "gagal_ginjal"),
    ("Z99.1", None),
    ("Z94.0", "gagal_ginjal"),
    ("Z94.1", None),
    ("C00.0", "kanker"),
    ("C97", "kanker"),
    ("C98", None),
    ("D00.1", "kanker"),
    ("D09.9", "kanker"),
    ("D10", None),
    ("D36.9", None),
    ("D37.0", "kanker"),
    ("D48.9", "kanker"),
    ("D49", None),
    ("Z51.0", "kanker"),
    ("Z51.1", "kanker"),
    ("Z51.2", None),
    ("K74.6", "sirosis_hati"),
    ("K70.3", "sirosis_hati"),
    ("K70.2", None),
    ("K72.9", "sirosis_hati"),
    ("K71.0", None),
    ("I85.0", "sirosis_hati"),
    ("K76.6", "sirosis_hati"),
    ("K76.0", None),
    ("R18", None),  # ascites: only with liver context
    ("E11.9", None),
    ("", None),
    (None, None),
]


def test_code_ranges():
    wrong = [(c, want, got) for c, want in CODE_EDGES if (got := category_for_code(c)) != want]
    assert wrong == []


CODE_FORMS = ["N18.5", "N185", "N 18.5", "N18,5", "Nl8.5", "n18.5", "N18.30", "I10, N18.5"]


def test_code_forms():
    assert [c for c in CODE_FORMS if category_for_code(c) != "gagal_ginjal"] == []


def test_icd10_cm_letter_in_third_place():
    assert category_for_code("C7A.0") == "kanker"


def test_code_without_text_and_text_without_code():
    assert priority_category(None, "I63.9") == "stroke"
    assert priority_category("", "N18.5") == "gagal_ginjal"
    assert priority_category("Stroke non hemoragik", None) == "stroke"
    assert priority_category(None, "I10") is None
    assert priority_category(None, None) is None


def test_code_decides_over_text():
    category, confidence, reason = priority_with_confidence("Stroke", "N18.5")
    assert category == "gagal_ginjal"
    assert reason.startswith("icd10 N18.5")
    assert confidence < priority_with_confidence("CKD", "N18.5")[1]  # text disagrees


def test_non_priority_code_falls_back_to_text():
    assert priority_category("CHF ec HHD", "I10") == "jantung"
    assert priority_category("Appendisitis akut pro appendektomi cito", "K35.8") == (
        "dalam_tindakan"
    )


def test_ascites_code_needs_liver_context():
    assert priority_category("Asites", "R18") is None
    assert priority_category("Asites ec sirosis hepatis", "R18") == "sirosis_hati"
    assert priority_category("Asites ec hepatitis B kronik", "R18") == "sirosis_hati"
    assert priority_category("Asites ec Ca ovarium", None) == "kanker"


# ------------------------------------------------------------------ SH


SH_RESOLVED = [
    ("SH dengan asites dan varises esofagus", "sirosis_hati"),
    ("SH, HBsAg (+), melena", "sirosis_hati"),
    ("SH + ikterik", "sirosis_hati"),
    ("SH, GCS 12, afasia", "stroke"),
    ("SH dengan hemiparese dextra", "stroke"),
    ("SH, CT scan kepala: perdarahan", "stroke"),
    ("SH ec hipertensi", "stroke"),
]


def test_sh_resolved():
    for text, category in SH_RESOLVED:
        got, confidence, reason = priority_with_confidence(text, None)
        assert (got, "resolved by" in reason) == (category, True), text
        assert 0.5 < confidence < 0.95


SH_UNRESOLVED = ["SH", "SH dengan hemiparese dan asites", "SH, CKD on HD"]


def test_sh_unresolved_goes_to_a_person():
    for text in SH_UNRESOLVED:
        assert priority_with_confidence(text, None) == (None, 0.0, "ambiguous SH"), text
        assert priority_category(text, None) is None


def test_sh_after_a_clear_main_diagnosis_is_ignored():
    category, _, reason = priority_with_confidence("CKD on HD, SH", None)
    assert category == "gagal_ginjal"
    assert "ambiguous SH" in reason


def test_negated_context_word_does_not_vote():
    assert priority_category("SH tanpa hemiparese, asites", None) == "sirosis_hati"


def test_sh_code_decides():
    assert priority_category("SH", "I61.9") == "stroke"
    assert priority_category("SH", "K74.6") == "sirosis_hati"


# ------------------------------------------------------------------ negation and hedging


NEGATED = [
    ("Riwayat stroke", "riwayat"),
    ("riw. stroke 2 th yll", "riw"),
    ("Suspek Ca mammae", "suspek"),
    ("Susp. Ca paru", "susp"),
    ("susp Ca colon", "susp"),
    ("Curiga keganasan", "curiga"),
    ("Massa abdomen dd limfoma", "dd"),
    ("Nyeri dada r/o ACS", "r/o"),
    ("Riwayat keluarga Ca mammae", "riwayat"),
    ("Ca mammae pada keluarga", "pada keluarga"),
    ("Sirosis hepatis disangkal", "disangkal"),
    ("CHF?", "?"),
]


def test_negated_mention_does_not_count():
    for text, cue in NEGATED:
        category, confidence, reason = priority_with_confidence(text, None)
        assert (category, reason.lower()) == (None, f"negated by '{cue}'"), text
        assert confidence > 0


STILL_COUNTS = [
    ("Riwayat stroke, CKD on HD", "gagal_ginjal"),
    ("Riwayat stroke + CHF", "jantung"),
    ("Riwayat stroke, sekarang stroke berulang", "stroke"),
    ("CHF dd/ ACS", "jantung"),
    ("Susp Ca paru dengan CKD st V", "gagal_ginjal"),
]


def test_other_un_negated_mention_still_counts():
    assert _wrong(STILL_COUNTS) == []


def test_negation_scope_covers_a_coordination():
    assert priority_category("riwayat stroke dan PJK", None) is None


def test_weak_sign_does_not_revive_a_negated_category():
    assert priority_category("Suspek stroke dengan hemiparese", None) is None


POST_STROKE = ["Post stroke", "post-stroke hemiplegi", "Post CVA", "Pasca stroke", "post stroke"]


def test_post_stroke_counts():
    assert [t for t in POST_STROKE if priority_category(t, None) != "stroke"] == []


# ------------------------------------------------------------------ urgency


URGENCY = [
    ("Appendisitis akut pro appendektomi cito", "dalam_tindakan"),
    ("Hernia inguinalis lateralis inkarserata pro herniotomi cito", "dalam_tindakan"),
    ("Ileus obstruktif pro laparotomi", "dalam_tindakan"),
    ("Fraktur femur pro ORIF", "dalam_tindakan"),
    ("Batu ureter pro URS", "dalam_tindakan"),
    ("Fraktur femur pro-OK", "dalam_tindakan"),
    ("Pneumonia pro ranap", None),
    ("Dispepsia pro rawat jalan", None),
    ("Vertigo pro rujuk", None),
    ("Hipertensi pro kontrol", None),
    ("CKD st V pro HD", "gagal_ginjal"),
    ("Pro HD cito", "gagal_ginjal"),
    ("Sepsis pro ICU", "icu"),
    ("Cedera kepala berat, triase merah", "igd"),
    ("Pasien UGD", "igd"),
    ("Pasien gawat darurat", "igd"),
    ("Rawat HCU", "icu"),
    ("NICU", "icu"),
]


def test_urgency_cues():
    assert _wrong(URGENCY) == []


def test_earliest_mention_wins():
    """The main diagnosis comes first; an urgency cue after it is about the same admission."""
    assert priority_category("CHF dirawat di ICU", None) == "jantung"
    assert priority_category("Pasien ICU dengan CHF", None) == "icu"
    assert priority_category("CKD on HD, CHF", None) == "gagal_ginjal"
    assert priority_category("CHF, CKD on HD", None) == "jantung"


def test_hypertensive_emergency_is_not_igd():
    assert priority_category("Hipertensi emergensi", None) is None


# ------------------------------------------------------------------ wording details


CA_ORGAN = ["Ca mammae", "ca cervix", "Ca. paru", "Ca.mammae", "CA SERVIKS", "Ca recti", "Ca colli"]


def test_ca_before_an_organ_is_cancer():
    assert [t for t in CA_ORGAN if priority_category(t, None) != "kanker"] == []


CA_CALCIUM = ["Hipokalsemia (Ca 6,8 mg/dL)", "Ca rendah", "Batu Ca oksalat", "Ca total 7.9"]


def test_ca_as_calcium_is_not_cancer():
    assert [t for t in CA_CALCIUM if priority_category(t, None) is not None] == []


SPELLINGS = [
    ("hemodialisa", "gagal_ginjal"),
    ("hemodialisis", "gagal_ginjal"),
    ("haemodialysis", "gagal_ginjal"),
    ("talasemia", "thalassemia"),
    ("thalasemia", "thalassemia"),
    ("thalassaemia", "thalassemia"),
    ("sirosis", "sirosis_hati"),
    ("cirrhosis", "sirosis_hati"),
    ("leukemia", "kanker"),
    ("leukimia", "kanker"),
    ("leukaemia", "kanker"),
    ("karsinoma", "kanker"),
    ("carcinoma", "kanker"),
]


def test_spelling_variants():
    assert _wrong(SPELLINGS) == []


OCR_NOISE = [
    ("Thalassemla beta mayor", "thalassemia"),  # OCR: i → l
    ("Sirosls hepatis", "sirosis_hati"),
    ("Hemodlalisa rutin", "gagal_ginjal"),
    ("Kardiomiopatl dilatasi", "jantung"),
    ("Hemofllia A", "hemofilia"),
    ("Stroek iskemik", "stroke"),  # swapped letters in a two-word term
    ("Gagal jatung kongestif", "jantung"),
]


def test_ocr_noise_in_long_terms():
    for text, category in OCR_NOISE:
        got, confidence, reason = priority_with_confidence(text, None)
        assert (got, reason.split()[0]) == (category, "fuzzy"), text
        assert confidence < 0.9


NOT_FUZZY = ["CDK", "CHD", "SNK", "Hematoma subdural", "Lipoma", "Mioma uteri", "Psikosis"]


def test_no_fuzzy_on_abbreviations_or_near_real_words():
    assert [t for t in NOT_FUZZY if priority_category(t, None) is not None] == []


NON_PRIORITY = [
    "Hipertensi",
    "HT st II",
    "DM tipe 2",
    "ISPA",
    "Dispepsia",
    "TB paru on OAT",
    "Diare akut",
    "Demam tifoid",
    "Asma bronkial",
    "PPOK",
    "Katarak senilis",
    "OA genu",
    "Vertigo",
    "Gastritis",
    "Anemia",
    "TIA",
    "PSA 15 ng/mL",
    "Tumor mammae",
]


def test_non_priority():
    assert [t for t in NON_PRIORITY if priority_category(t, None) is not None] == []


def test_case_sensitive_abbreviations():
    assert priority_category("SAH", None) == "stroke"
    assert priority_category("sah", None) is None  # Indonesian "valid"
    assert priority_category("ALL", None) == "kanker"
    assert priority_category("all", None) is None


# ------------------------------------------------------------------ API and speed


def test_priority_with_confidence_shape():
    for text, code, _ in ROWS:
        category, confidence, reason = priority_with_confidence(text, code)
        assert category == priority_category(text, code)
        assert 0.0 <= confidence <= 1.0
        assert reason and len(reason) < 120
    assert priority_with_confidence(None, None) == (None, 0.0, "no diagnosis")
    assert priority_with_confidence("CKD stage V", None)[2] == "term 'CKD'"
    assert priority_with_confidence(None, "N18.5") == ("gagal_ginjal", 0.97, "icd10 N18.5")


def test_category_for_text():
    assert category_for_text("CKD on HD") == "gagal_ginjal"
    assert category_for_text("") is None
    assert category_for_text(None) is None


def test_pipeline_built_once_and_fast():
    assert engine() is engine()
    texts = [f"{text} {i}" for i, (text, _, _) in enumerate(ROWS)]  # defeat the result cache
    start = time.perf_counter()
    for text in texts:
        category_for_text(text)
    per_call = (time.perf_counter() - start) / len(texts)
    assert per_call < 0.005  # typically ~0.1-0.2 ms; a rebuilt pipeline would take 0.5 s
