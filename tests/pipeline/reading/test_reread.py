"""The second reading of a labelled number row, with real Tesseract on a rendered page."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from extractors.doc_types import ExtractedFields
from extractors.lines import group_lines
from models import DocType, Field, Notice
from pipeline.reading.ocr import OcrOptions, ocr_image
from pipeline.reading.reread import (
    LETTER_GROUPS,
    cell_box,
    clear_rules,
    fails_validation,
    fill_unread,
    read_stacked,
    reread_members,
    reread_number_fields,
    unread_groups,
)
from tests.conftest import FONT, render_page

NARROW = "/usr/share/fonts/truetype/liberation/LiberationSansNarrow-Regular.ttf"


def test_null_nik_is_read_again_from_its_row():
    image = np.asarray(render_page(["Nama : SITI AMINAH", "NIK : 6101014507890003"]))
    lines = group_lines(ocr_image(image, OcrOptions()))
    # Pretend the first pass lost the NIK: the field is null although the row is printed.
    fields = {"nik": Field(name="nik")}
    changed, notices = reread_number_fields(fields, lines, {1: image}, OcrOptions())
    assert changed["nik"].value == "6101014507890003"
    assert changed["nik"].boxes
    assert changed["nik"].confidence < 1.0
    assert notices == []


def test_fields_already_read_are_left_alone():
    image = np.asarray(render_page(["NIK : 6101014507890003"]))
    lines = group_lines(ocr_image(image, OcrOptions()))
    fields = {"nik": Field(name="nik", value="6101014507890003", confidence=0.9)}
    changed, _ = reread_number_fields(fields, lines, {1: image}, OcrOptions())
    assert changed == {}


def test_ktp_nik_is_read_again_even_when_valid():
    image = np.asarray(render_page(["NIK : 6101014507890003"]))
    lines = group_lines(ocr_image(image, OcrOptions()))
    # A valid but unsure first reading with one digit wrong (a phone photo's glare).
    fields = {"nik": Field(name="nik", value="6101014507890008", confidence=0.3)}
    changed, _ = reread_number_fields(fields, lines, {1: image}, OcrOptions(), None, DocType.ktp)
    assert changed["nik"].value == "6101014507890003"
    unchanged, _ = reread_number_fields(fields, lines, {1: image}, OcrOptions())
    assert unchanged == {}


def test_stacked_crops_come_back_to_their_boxes():
    image = np.asarray(render_page(["SITI AMINAH", "6101014507890003", "BUDI SANTOSO"]))
    words = ocr_image(image, OcrOptions())
    cells = [cell_box([w]) for w in words]  # padded like the member cells
    again = read_stacked(image, cells, OcrOptions(psm=6), page=1)
    assert [[w.text for w in cell] for cell in again] == [[w.text] for w in words]
    for word, cell in zip(words, again, strict=True):
        assert abs(cell[0].box.left - word.box.left) <= 3
        assert abs(cell[0].box.top - word.box.top) <= 3


def _kk_page(niks: list[str], names: list[str]) -> Image.Image:
    """A small KK table 1 with its markers (LiberationSansNarrow, where `ind` reads a leading
    7 as 1) and the start of table 2."""
    image = Image.new("L", (2400, 900), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(NARROW, 34)
    columns = [120, 220, 900, 1400, 1750]
    header = ["No", "Nama Lengkap", "NIK", "Jenis Kelamin", "Tanggal Lahir"]
    for x, text in zip(columns, header, strict=True):
        draw.text((x, 80), text, fill=0, font=font)
    markers = ImageFont.truetype(FONT, 34)
    for i, x in enumerate(columns, 1):
        draw.text((x, 140), f"({i})", fill=0, font=markers)
    for row, (nik, name) in enumerate(zip(niks, names, strict=True)):
        y = 220 + row * 90
        cells = [str(row + 1), name, nik, "PEREMPUAN", "09-04-2008"]
        for x, text in zip(columns, cells, strict=True):
            draw.text((x, y), text, fill=0, font=font)
    for i, x in enumerate(columns, 11):
        draw.text((x, 560), f"({i})", fill=0, font=markers)
    return image


def test_member_rows_read_again_fix_a_garbled_nik():
    niks = ["7173044904080284", "7173045107950007"]
    names = ["YUNI ARYANI", "HILDA HANDAYANI"]
    image = np.asarray(_kk_page(niks, names))
    lines = group_lines(ocr_image(image, OcrOptions()))
    # Whatever the first reading made of row 1, make it a 17-digit run (a cell rule read as 1).
    for line in lines:
        for i, word in enumerate(line.words):
            if word.text.endswith("0284"):
                line.words[i] = word.model_copy(update={"text": "1" + niks[0]})
    members, notices = reread_members(lines, {1: image}, OcrOptions())
    assert [m.nik for m in members] == niks
    assert [m.name for m in members] == names
    assert notices == []


def test_cell_rules_are_whitened_and_text_kept():
    cell = np.asarray(render_page(["7602126908130610"], size=(900, 300)))[120:240].copy()
    text_ink = int((cell < 128).sum())
    assert text_ink > 1000
    cell[2, :] = 0  # the row's rule above
    cell[:, 5] = 0  # the column's rule on the left
    cleared = clear_rules(cell)
    assert cleared[2, :].min() == 255
    assert cleared[:, 5].min() == 255
    assert int((cleared < 128).sum()) == text_ink


def test_unsure_ktp_nik_is_read_again_and_the_surer_reading_wins():
    image = np.asarray(render_page(["NIK : 6101014507890003"]))
    lines = group_lines(ocr_image(image, OcrOptions()))
    # Valid, unsure and wrong: the second reading of the row is surer and replaces it.
    fields = {"nik": Field(name="nik", value="6101014507890008", confidence=0.5)}
    changed, _ = reread_number_fields(fields, lines, {1: image}, OcrOptions(), None, DocType.ktp)
    assert changed["nik"].value == "6101014507890003"
    assert 0.5 < changed["nik"].confidence < 1.0


def test_sure_ktp_nik_is_not_read_again():
    image = np.asarray(render_page(["NIK : 6101014507890003"]))
    lines = group_lines(ocr_image(image, OcrOptions()))
    fields = {"nik": Field(name="nik", value="6101014507890008", confidence=0.95)}
    changed, _ = reread_number_fields(fields, lines, {1: image}, OcrOptions(), None, DocType.ktp)
    assert changed == {}


def test_unsure_name_gets_its_spaces_back_but_never_other_letters_or_fewer_words():
    import numpy as np

    from models import Box, Field
    from pipeline.reading.ocr import OcrOptions
    from pipeline.reading.reread import reread_name_spacing
    from tests.conftest import render_page

    image = np.asarray(render_page(["SISKA TITIN HARTATI"], size=(1600, 300)))
    box = Box(left=190, top=140, width=700, height=70)
    run_together = Field(name="name", value="SISKATITIN HARTATI", confidence=0.5, page=1,
                         boxes=[box])  # fmt: skip
    misread = run_together.model_copy(update={"value": "SISKATITIM HARTATI"})
    sure = run_together.model_copy(update={"confidence": 0.95})
    short_words = run_together.model_copy(update={"value": "SISKA TITIN HARTATI"})
    options = OcrOptions()
    fixed = reread_name_spacing({"name": run_together}, {1: image}, options)
    assert fixed["name"].value == "SISKA TITIN HARTATI"
    assert 0.5 <= fixed["name"].confidence < 0.9
    assert reread_name_spacing({"name": misread}, {1: image}, options) == {}
    split = reread_name_spacing({"name": sure}, {1: image}, options)
    assert split["name"].value == "SISKA TITIN HARTATI"
    assert split["name"].confidence <= 0.85  # a changed name is never sure
    assert reread_name_spacing({"name": short_words}, {1: image}, options) == {}


def _letter(**values: str | None) -> ExtractedFields:
    names = ("nik", "register_number", "diagnosis", "icd10", "priority_category")
    return ExtractedFields(fields={n: Field(name=n, value=values.get(n)) for n in names})


def test_a_letter_without_register_or_diagnosis_fails_validation_unless_printed_blank():
    unread = _letter(nik="3201010101900001")
    assert unread_groups(DocType.faskes_letter, unread) == list(LETTER_GROUPS)
    assert fails_validation(DocType.faskes_letter, unread, [])
    unread.notices.append(Notice(code="field_blank", field="diagnosis", message="blank"))
    assert unread_groups(DocType.faskes_letter, unread) == [("register_number",)]
    read = _letter(nik="3201010101900001", register_number="RM-1", diagnosis="ISPA")
    assert not fails_validation(DocType.faskes_letter, read, [])
    assert unread_groups(DocType.sktm, _letter()) == []


def test_a_ktp_without_its_holders_name_or_birth_date_fails_validation():
    def ktp(**values: str | None) -> ExtractedFields:
        names = ("nik", "name", "birth_date")
        return ExtractedFields(fields={n: Field(name=n, value=values.get(n)) for n in names})

    nik = "3201014101900001"
    assert not fails_validation(DocType.ktp, ktp(nik=nik, name="SITI", birth_date="1990-01-01"), [])
    assert fails_validation(DocType.ktp, ktp(nik=nik, birth_date="1990-01-01"), [])
    assert fails_validation(DocType.ktp, ktp(nik=nik, name="SITI"), [])
    sktm = ExtractedFields(fields={"nik": Field(name="nik", value=nik), "name": Field(name="name")})
    assert not fails_validation(DocType.sktm, sktm, [])


def test_the_second_reading_fills_only_the_groups_the_first_left_unread():
    first = _letter(nik="3201010101900001", diagnosis="ISPA", priority_category="regular")
    first.notices.append(Notice(code="field_absent", field="register_number", message="none"))
    second = _letter(
        nik="3201010101900009", register_number="RM-1", diagnosis="TB", priority_category="chronic"
    )
    assert fill_unread(DocType.faskes_letter, first, second)
    values = {name: f.value for name, f in first.fields.items()}
    assert values["register_number"] == "RM-1"
    assert (values["nik"], values["diagnosis"], values["priority_category"]) == (
        "3201010101900001", "ISPA", "regular",
    )  # fmt: skip
    assert not [n for n in first.notices if n.field == "register_number"]
    assert not fill_unread(DocType.faskes_letter, _letter(), _letter())
