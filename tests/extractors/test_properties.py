"""Properties of the extractors on any text (issue 8): OCR output is untrusted input.

Whatever the words — random bytes, half-labels, digit soup, look-alike letters — the
extractors never raise, a NIK or KK number is 16 digits that pass their own check or None, a
date is a real ISO date or None, and a member row's NIK obeys the same rule as the field."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors.dates import parse_date
from extractors.doc_types import extract_fields
from extractors.lines import lines_from_text
from extractors.nik import check_kk_number, check_nik
from models import DocType

LABELS = [
    "NIK", "N I K", "No. KK", "Nama", "Tgl Lahir", "Tempat/Tgl Lahir", "Diagnosa", "No. RM",
    "No. Register", "Kode ICD", ":", "Desa", "Kecamatan", "KARTU KELUARGA", "Jenis Kelamin",
    "SURAT KETERANGAN TIDAK MAMPU", "Pebruari", "Nopember", "2026",
]  # fmt: skip
OCR_NOISE = "0123456789OoIlSBZG|:.,-/ "

token = st.one_of(
    st.sampled_from(LABELS),
    st.text(alphabet=OCR_NOISE, min_size=1, max_size=24),
    st.text(min_size=1, max_size=12),
)
page_text = st.lists(
    st.lists(token, min_size=1, max_size=8).map(" ".join), min_size=0, max_size=25
).map("\n".join)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NUMBER_FIELDS = {"nik": check_nik, "kk_number": check_kk_number}
DATE_FIELDS = ("birth_date", "letter_date")


def _valid_number(name: str, value: str | None) -> bool:
    return value is None or (
        len(value) == 16 and value.isdigit() and not NUMBER_FIELDS[name](value)
    )


@FAST
@given(text=page_text, doc_type=st.sampled_from(list(DocType)))
def test_extractors_never_raise_and_keep_their_promises(text: str, doc_type: DocType):
    result = extract_fields(doc_type, lines_from_text(text))
    for name, field in result.fields.items():
        assert field.value is None or isinstance(field.value, str)
        assert 0.0 <= field.confidence <= 1.0
        if name in NUMBER_FIELDS:
            assert _valid_number(name, field.value), (name, field.value)
        if name in DATE_FIELDS and field.value is not None:
            assert date.fromisoformat(field.value).isoformat() == field.value
    for member in result.members:
        assert member.nik is None or (len(member.nik) == 16 and member.nik.isdigit())


@FAST
@given(text=st.text(max_size=80))
def test_parse_date_gives_a_real_date_or_none(text: str):
    found = parse_date(text, reference=date(2026, 3, 1))
    assert found is None or isinstance(found, date)


@FAST
@given(digits=st.text(alphabet="0123456789", min_size=16, max_size=16))
def test_a_nik_labelled_on_a_page_is_kept_only_when_valid(digits: str):
    result = extract_fields(DocType.ktp, lines_from_text(f"NIK : {digits}\nNama : SITI"))
    value = result.fields["nik"].value
    assert value is None or (value == digits and not check_nik(digits))
