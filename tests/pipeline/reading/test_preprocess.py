"""Each clean-up step on a synthetic page; before/after images land in tests/artifacts/."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pipeline.reading.ocr import OcrOptions, ocr_image
from pipeline.reading.preprocess import (
    find_page_quad,
    flatten_background,
    quarter_matrix,
    remove_rules,
    remove_specks,
    rotate_quarter,
    rotate_small,
    small_rotation,
    text_bounds,
    to_gray,
    warp_page,
)
from tests.conftest import FONT

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "preprocess"


def save(name: str, before: np.ndarray, after: np.ndarray) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if before.ndim == 3:
        before = cv2.cvtColor(before, cv2.COLOR_RGB2GRAY)
    if after.shape[0] != before.shape[0]:  # a crop: shown at the height of the original
        after = cv2.resize(
            after, None, fx=before.shape[0] / after.shape[0], fy=before.shape[0] / after.shape[0]
        )
    cv2.imwrite(str(ARTIFACTS / f"{name}.png"), np.hstack([before, after]))


def text_image(
    mode: str, background, ink, text: str = "NIK : 6101014507890003", stamp=None
) -> Image.Image:
    image = Image.new(mode, (1400, 200), background)
    draw = ImageDraw.Draw(image)
    if stamp:  # under the text: stamp ink does not hide the black print it crosses
        draw.ellipse((300, 20, 700, 190), outline=stamp, width=14)
    draw.text((60, 70), text, fill=ink, font=ImageFont.truetype(FONT, 46))
    return image


def read(gray: np.ndarray) -> str:
    return " ".join(w.text for w in ocr_image(gray, OcrOptions()))


def test_to_gray_drops_a_blue_stamp_but_keeps_black_ink():
    image = text_image("RGB", (255, 255, 255), (0, 0, 0), stamp=(40, 60, 200))
    rgb = np.asarray(image)
    gray = to_gray(rgb)
    save("to_gray_stamp", rgb, gray)
    stamp_pixel = gray[105, 300 + 3]  # on the stamp's left edge, no text there
    assert stamp_pixel > 180
    assert gray.min() < 50  # the text is still black
    assert "6101014507890003" in read(gray)


def test_flatten_background_turns_a_grey_card_white():
    page = np.full((600, 1600), 255, np.uint8)
    card = np.asarray(text_image("L", 200, 20))
    page[200:400, 100:1500] = card
    flat = flatten_background(page)
    save("flatten_grey_card", page, flat)
    assert np.median(flat[200:400, 100:1500]) > 240
    assert flat[200:400, 100:1500].min() < 60
    assert "6101014507890003" in read(flat)


def test_remove_rules_keeps_letters_and_drops_table_lines():
    image = np.asarray(text_image("L", 255, 0)).copy()
    image[30:34, :] = 0  # a horizontal rule above the text
    image[:, 40:44] = 0  # a vertical rule glued to the text's left
    cleaned = remove_rules(image)
    save("remove_rules", image, cleaned)
    assert cleaned[32, 700] == 255
    assert cleaned[100, 42] == 255
    assert "6101014507890003" in read(cleaned)


def test_remove_rules_leaves_a_page_without_lines_alone():
    image = np.asarray(text_image("L", 255, 0))
    assert np.array_equal(remove_rules(image), image)


def test_remove_specks_clears_dust_but_keeps_colons():
    text = "Nama Lengkap : WAHYU HABIBI SANTOSO PUTRA"
    image = np.asarray(text_image("L", 255, 0, text)).copy()
    rng = np.random.default_rng(3)
    dust = rng.random(image.shape) < 0.004
    image[dust] = 0
    cleaned, letters = remove_specks(image, min_specks=50)
    assert letters is not None and 30 < letters.height < 60
    save("remove_specks", image, cleaned)
    assert (cleaned[dust] == 255).mean() > 0.9
    assert text in read(cleaned)


def photo_of_card_on_brown_table() -> tuple[np.ndarray, np.ndarray]:
    """A white card on a sunlit brown table, a shadow band across its right half."""
    h, w = 3000, 4000
    photo = np.empty((h, w, 3), np.float32)
    photo[:] = (195, 145, 90)  # brown: its brightest channel is nearly paper-bright
    corners = np.array([[700, 800], [3300, 850], [3250, 2400], [650, 2350]], np.int32)
    cv2.fillConvexPoly(photo, corners, (235, 235, 232))
    xx = np.arange(w, dtype=np.float32)
    shadow = 1 - 0.3 * np.exp(-(((xx - 2600) / 450) ** 2))
    photo *= shadow[None, :, None]
    return np.clip(photo, 0, 255).astype(np.uint8), corners


def test_card_on_a_brown_table_is_found_whole_despite_a_shadow_band():
    photo, corners = photo_of_card_on_brown_table()
    quad = find_page_quad(photo)
    assert quad is not None
    assert np.abs(quad - corners).max() < 40
    save("page_quad_brown_table", photo, warp_page(to_gray(photo), quad))


def _cropped(page: np.ndarray) -> np.ndarray:
    """The page as `read_raster` cuts it to its print (`text_bounds`)."""
    bounds = text_bounds(page, 35.0)
    if bounds is None:
        return page
    left, top, right, bottom = bounds
    return page[top:bottom, left:right]


def test_text_bounds_cut_a_small_card_out_of_a_blank_page():
    page = np.full((3000, 2100), 255, np.uint8)
    card = np.asarray(text_image("L", 255, 0))  # 1400 x 200, letters ~35 px
    page[400:600, 300:1700] = card
    cropped = _cropped(page)
    save("text_bounds", page, cropped)
    assert cropped.shape[0] < 600 and cropped.shape[1] < 1800
    assert "6101014507890003" in read(cropped)


def test_text_bounds_keep_all_print_and_leave_a_full_page_alone():
    page = np.full((3000, 2100), 255, np.uint8)
    card = np.asarray(text_image("L", 255, 0))
    for top in range(200, 2800, 400):  # print from top to bottom, in two columns
        page[top : top + 200, 0:1400] = card
        page[top + 100 : top + 300, 700:2100] = np.minimum(
            page[top + 100 : top + 300, 700:2100], card
        )
    cropped = _cropped(page)
    assert (cropped < 128).sum() == (page < 128).sum()
    assert text_bounds(page, 35.0) is None


def _box_of(image: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(image < 128)  # the ink
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _moved_box(box: tuple[int, int, int, int], matrix: np.ndarray) -> tuple[float, ...]:
    left, top, right, bottom = box
    corners = np.float32([[[left, top], [right, top], [right, bottom], [left, bottom]]])
    moved = cv2.transform(corners, matrix)[0]
    return (*moved.min(axis=0), *moved.max(axis=0))


def test_the_turn_matrices_move_points_where_the_turns_move_pixels():
    """A photo's text lines are carried through the page's turns by these matrices."""
    image = np.full((300, 500), 255, np.uint8)
    image[40:90, 60:260] = 0
    for degrees in (0, 90, 180, 270):
        turned = rotate_quarter(image, degrees)
        moved = _moved_box(_box_of(image), quarter_matrix(image.shape, degrees))
        assert np.allclose(moved, _box_of(turned), atol=1)
    tilted = rotate_small(image, 4.0)
    moved = _moved_box(_box_of(image), small_rotation(image.shape, 4.0))
    assert np.allclose(moved, _box_of(tilted), atol=3)
    assert small_rotation(image.shape, 0.1) is None


def test_text_bounds_hold_the_print():
    page = np.full((2000, 1400), 255, np.uint8)
    page[300:420, 200:700] = 0
    left, top, right, bottom = text_bounds(page, 35.0)
    assert left <= 200 and top <= 300 and right >= 700 and bottom >= 420
    assert right - left < 1400 and bottom - top < 2000  # a small part: cut out
