from __future__ import annotations

import numpy as np
import pytest

from pipeline.reading.orientation import upside_down
from pipeline.reading.preprocess import find_letters, rotate_quarter, rotate_small, skew_angle
from tests.conftest import render_page

MIXED_CASE = [
    "Yang bertanda tangan di bawah ini menerangkan bahwa pasien tersebut",
    "Nama Pasien : Siti Aminah binti Abdullah, alamat Dusun Lubuk Dagang",
    "Diagnosa : gagal ginjal kronik stadium lima dengan hemodialisis rutin",
    "Demikian surat keterangan ini dibuat untuk dipergunakan sebagaimana mestinya",
]
CAPITALS = ["KARTU TANDA PENDUDUK", "PROVINSI KALIMANTAN BARAT", "KABUPATEN SAMBAS"]
CAPITALS_WITH_MARKS = [
    "NAMA : SITI AMINAH",
    "TEMPAT/TGL LAHIR : SAMBAS, 05-07-1989",
    "ALAMAT : JL. MERDEKA NO. 12",
    "KEL/DESA : DALAM KAUM",
    "KECAMATAN : SAMBAS",
]


def verdicts(lines: list[str], height: int, skew: float = 0.0) -> tuple[bool | None, ...]:
    """`upside_down` on a rendered page as it is and turned over (skew measured, as the
    pipeline does, when the page is tilted)."""
    page = np.asarray(render_page(lines, size=(2480, height)))
    if skew:
        page = rotate_small(page, skew)
    found = []
    for turn in (0, 180):
        image = rotate_quarter(page, turn)
        letters = find_letters(image)
        assert letters is not None
        found.append(upside_down(letters, skew_angle(image) if skew else 0.0))
    return tuple(found)


def test_level_mixed_case_page_tells_which_way_is_up():
    assert verdicts(MIXED_CASE, 800) == (False, True)


@pytest.mark.parametrize("skew", [1.5, -1.5, 3.0, -3.0])
def test_skewed_page_is_never_called_the_wrong_way_up(skew):
    upright, turned = verdicts(MIXED_CASE, 800, skew)
    assert upright is not True
    assert turned is not False


def test_capitals_alone_give_no_verdict():
    assert verdicts(CAPITALS, 600) == (None, None)


def test_capitals_tell_by_their_full_stops_and_colons():
    assert verdicts(CAPITALS_WITH_MARKS, 700) == (False, True)
