from extractors.labels import find_label
from extractors.lines import group_lines
from models import Box, Word


def _word(text: str, left: int) -> Word:
    box = Box(left=left, top=100, width=20 * len(text), height=30)
    return Word(text=text, box=box, confidence=0.9, page=1)


def test_full_width_colon_of_the_second_engine_is_a_colon():
    """PP-OCR reads some colons as `：` (U+FF1A): `No. Registrasi ： 946067`."""
    words = [_word("No.", 0), _word("Registrasi", 80), _word("：", 300), _word("946067", 340)]
    lines = group_lines(words)
    assert lines[0].text == "No. Registrasi : 946067"
    assert find_label(lines, "register_number").value == "946067"
