from __future__ import annotations

import numpy as np
import pytest

from pipeline.orientation import upside_down
from pipeline.preprocess import find_letters, rotate_quarter, rotate_small, skew_angle
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


def test_level_mixed_case_page_tells_which_way_is_up():
    page = np.asarray(render_page(MIXED_CASE, size=(2480, 800)))
    for turn, expected in ((0, False), (180, True)):
        letters = find_letters(rotate_quarter(page, turn))
        assert letters is not None
        assert upside_down(letters) is expected


@pytest.mark.parametrize("skew", [1.5, -1.5, 3.0, -3.0])
def test_skewed_page_is_never_called_the_wrong_way_up(skew):
    page = rotate_small(np.asarray(render_page(MIXED_CASE, size=(2480, 800))), skew)
    for turn, wrong in ((0, True), (180, False)):
        image = rotate_quarter(page, turn)
        letters = find_letters(image)
        assert letters is not None
        assert upside_down(letters, skew_angle(image)) is not wrong


def test_capitals_alone_give_no_verdict():
    page = np.asarray(render_page(CAPITALS, size=(2480, 600)))
    for turn in (0, 180):
        letters = find_letters(rotate_quarter(page, turn))
        assert letters is not None
        assert upside_down(letters) is None


def test_capitals_tell_by_their_full_stops_and_colons():
    page = np.asarray(render_page(CAPITALS_WITH_MARKS, size=(2480, 700)))
    for turn, expected in ((0, False), (180, True)):
        letters = find_letters(rotate_quarter(page, turn))
        assert letters is not None
        assert upside_down(letters) is expected
