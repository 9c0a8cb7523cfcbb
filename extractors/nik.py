"""NIK and KK number: find 16-digit numbers on OCR lines, tell the two apart, validate them.

Both are 16 digits starting with a kecamatan code, so only the label in front decides which is
which: a number after a KK label is a KK number and never a NIK. A NIK encodes the birth date
(day +40 for women) and a serial from 0001; a KK number encodes an issue date (no +40).
Failed checks produce a null value and a notice that names the check. Messages and logs only
ever show the masked number (`6101********0003`): a NIK is protected personal data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from extractors.confidence import evidence_of, scored_field
from extractors.digits import DIGIT_GROUP_RE, DIGIT_RUN_RE, repair_text
from extractors.labels import is_leader
from extractors.region import is_known_prefix
from models import Box, Field, Line, Notice, Word

NIK_LENGTH = 16
Anchor = Literal["nik", "kk"]

# Labels printed before a NIK on KTP, SKTM, faskes letters and BNBA-style forms.
NIK_LABELS: tuple[str, ...] = (
    "NIK",
    "N I K",
    "No. NIK",
    "No NIK",
    "Nomor NIK",
    "NIK/No. KTP",
    "No. KTP",
    "No KTP",
    "Nomor KTP",
    "Nomor Induk Kependudukan",
    "No. Induk Kependudukan",
    "No. Identitas",
    "No Identitas",
    "Nomor Identitas",
)
# Labels printed before a KK number. A number after one of these is never a NIK.
KK_LABELS: tuple[str, ...] = (
    "No. KK",
    "No KK",
    "Nomor KK",
    "No. Kartu Keluarga",
    "No Kartu Keluarga",
    "Nomor Kartu Keluarga",
    "KARTU KELUARGA No.",
    "KARTU KELUARGA Nomor",
)
# On a KK the title sits alone on its line and the number follows a bare "No." on the next.
KK_TITLE = "KARTU KELUARGA"
KK_TITLE_NUMBER_LABELS: tuple[str, ...] = ("No.", "Nomor")

# Ways a NIK is printed in groups; such a group sequence is taken out of a longer digit run
# ("6101 0145 0789 0003 0812 3456 7890" holds a NIK and a phone number).
CANONICAL_SPLITS: frozenset[tuple[int, ...]] = frozenset(
    {(4, 4, 4, 4), (2, 2, 2, 6, 4), (6, 6, 4), (6, 2, 2, 2, 4), (2, 2, 2, 2, 2, 2, 4)}
)

# Doubt (see extract_nik) when several different free-standing NIKs are on the page.
AMBIGUOUS_FACTOR = 0.8

# Letters OCR puts into labels ("NlK", "N1K", "N0. KTP"); keys keep only A-Z after this.
_LABEL_FIX = str.maketrans({"1": "I", "l": "I", "|": "I", "!": "I", "0": "O"})
_LABEL_TOKEN_RE = re.compile(r"[^\s/]+")
_MAX_LABEL_TOKENS = 6
_MAX_TITLE_KEY = 30

# Problem codes of check_nik / check_kk_number -> plain sentence (formatted with the fields).
PROBLEM_MESSAGES: dict[str, str] = {
    "length": "it has {length} digits instead of 16",
    "region": "its first 6 digits are not a known kecamatan code",
    "day": "the day field {day} is not a day (01-31, or 41-71 for women)",
    "issue_day": "the issue-day field {day} is not a day (01-31)",
    "month": "the month field {month} is not a month (01-12)",
    "date": "day {real_day} does not exist in month {month}",
    "serial": "its serial number is 0000 (serials start at 0001)",
}


class NikInfo(BaseModel):
    """What a NIK says about its holder. The century of the birth year is not encoded."""

    model_config = ConfigDict(frozen=True)

    nik: str
    prefix: str
    gender: Literal["L", "P"]
    birth_day: int
    birth_month: int
    birth_yy: int
    serial: str
    region_known: bool

    def birth_date_candidates(self) -> list[date]:
        """Valid dates for both possible centuries, earliest first."""
        out: list[date] = []
        for century in (1900, 2000):
            try:
                out.append(date(century + self.birth_yy, self.birth_month, self.birth_day))
            except ValueError:
                continue
        return out

    def birth_date(self, reference: date | None = None) -> date | None:
        """The latest candidate birth date not after `reference` (default today)."""
        ref = reference or date.today()
        past = [d for d in self.birth_date_candidates() if d <= ref]
        return past[-1] if past else None


class NikCandidate(BaseModel):
    """A 16-digit number found on a line, with the words it was read from."""

    model_config = ConfigDict(frozen=True)

    digits: str
    words: list[Word]
    confidence: float
    anchor: Anchor | None
    page: int
    line_index: int
    start: int  # offsets of the digits in Line.text (separators included)
    end: int
    repaired_chars: int = 0


def mask_nik(nik: str) -> str:
    """`6101********0003`: first and last 4 digits only, safe for messages and logs."""
    if len(nik) <= 8:
        return "*" * len(nik)
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:]


def decode_nik(nik: str) -> NikInfo | None:
    """Split a 16-digit NIK into its parts; None if it is not 16 digits."""
    if not _is_sixteen_digits(nik):
        return None
    raw_day = int(nik[6:8])
    return NikInfo(
        nik=nik,
        prefix=nik[:6],
        gender="P" if raw_day > 40 else "L",
        birth_day=raw_day - 40 if raw_day > 40 else raw_day,
        birth_month=int(nik[8:10]),
        birth_yy=int(nik[10:12]),
        serial=nik[12:],
        region_known=is_known_prefix(nik[:6]),
    )


def _days_in_month(month: int) -> int:
    """Longest month length, century unknown: February may have 29 days."""
    return 29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31


def _check_date(day: int, month: int, *, female_offset: bool) -> list[str]:
    problems: list[str] = []
    real_day = day - 40 if female_offset and day > 40 else day
    if not 1 <= real_day <= 31:
        problems.append("day" if female_offset else "issue_day")
    if not 1 <= month <= 12:
        problems.append("month")
    if not problems and real_day > _days_in_month(month):
        problems.append("date")
    return problems


def _is_sixteen_digits(digits: str) -> bool:
    return len(digits) == NIK_LENGTH and digits.isascii() and digits.isdigit()


def check_nik(digits: str) -> list[str]:
    """Problem codes of a NIK (keys of PROBLEM_MESSAGES); empty means valid."""
    if not _is_sixteen_digits(digits):
        return ["length"]
    problems = [] if is_known_prefix(digits[:6]) else ["region"]
    problems += _check_date(int(digits[6:8]), int(digits[8:10]), female_offset=True)
    if digits[12:] == "0000":
        problems.append("serial")
    return problems


def check_kk_number(digits: str) -> list[str]:
    """Problem codes of a KK number: length, region, issue date DDMMYY (no +40 rule)."""
    if not _is_sixteen_digits(digits):
        return ["length"]
    problems = [] if is_known_prefix(digits[:6]) else ["region"]
    return problems + _check_date(int(digits[6:8]), int(digits[8:10]), female_offset=False)


def describe_problems(digits: str, problems: Sequence[str]) -> str:
    """The problems as one plain sentence fragment; never contains the full number."""
    day = digits[6:8] if len(digits) >= 8 else "?"
    values = {
        "length": len(digits),
        "day": day,
        "month": digits[8:10] if len(digits) >= 10 else "?",
        "real_day": int(day) - 40 if day.isdigit() and int(day) > 40 else day,
    }
    return "; ".join(PROBLEM_MESSAGES[p].format(**values) for p in problems)


# --- finding candidates -----------------------------------------------------------------------


def _label_key(text: str) -> str:
    return re.sub(r"[^A-Z]", "", text.translate(_LABEL_FIX).upper())


_NIK_KEYS = frozenset(_label_key(label) for label in NIK_LABELS)
_KK_KEYS = frozenset(_label_key(label) for label in KK_LABELS)
_KK_TITLE_KEY = _label_key(KK_TITLE)
_KK_TITLE_NUMBER_KEYS = frozenset(_label_key(label) for label in KK_TITLE_NUMBER_LABELS)


def _anchor_of(prefix: str, previous_line: Line | None) -> Anchor | None:
    """Which label, if any, ends the text before a number (right-to-left, a few tokens)."""
    # A typewriter's dot leader between label and number (`NIK Ls... ii... :`) is no word.
    keys = [_label_key(t) for t in _LABEL_TOKEN_RE.findall(prefix) if not is_leader(t)]
    while keys and not keys[-1]:
        keys.pop()  # ":" and other punctuation between label and number
    attempts = [keys]
    if keys and len(keys[-1]) == 1:
        attempts.append(keys[:-1])  # one stray character, e.g. ":" read as "i"
    for tokens in attempts:
        for start in range(len(tokens) - 1, max(-1, len(tokens) - 1 - _MAX_LABEL_TOKENS), -1):
            key = "".join(tokens[start:])
            if key in _KK_KEYS:
                return "kk"
            if key in _NIK_KEYS:
                return "nik"
        if "".join(tokens) in _KK_TITLE_NUMBER_KEYS and previous_line is not None:
            title = _label_key(previous_line.text)
            if _KK_TITLE_KEY in title and len(title) <= _MAX_TITLE_KEY:
                return "kk"
    return None


def _windows(groups: list[re.Match[str]], run: str) -> list[tuple[int, int]]:
    """Group ranges [i, j) of a digit run that spell exactly one 16-digit number."""
    lengths = [len(g.group(0)) for g in groups]
    if sum(lengths) == NIK_LENGTH:
        return [(0, len(groups))]

    def spaced(left: int, right: int) -> bool:
        """The separator between two groups is blank (no dot or hyphen)."""
        return not run[groups[left].end() : groups[right].start()].strip()

    out: list[tuple[int, int]] = []
    for i in range(len(groups)):
        total = 0
        for j in range(i, len(groups)):
            total += lengths[j]
            if total < NIK_LENGTH:
                continue
            if total == NIK_LENGTH and (
                j == i
                or (
                    tuple(lengths[i : j + 1]) in CANONICAL_SPLITS
                    and (i == 0 or spaced(i - 1, i))
                    and (j == len(groups) - 1 or spaced(j, j + 1))
                )
            ):
                out.append((i, j + 1))
            break
    return out


def _line_layout(line: Line) -> tuple[str, list[tuple[int, int]]]:
    """The line text as Line.text builds it, and each word's (start, end) in it."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for word in line.words:
        spans.append((pos, pos + len(word.text)))
        pos += len(word.text) + 1
    return line.text, spans


def _is_valid(candidate: NikCandidate) -> bool:
    check = check_kk_number if candidate.anchor == "kk" else check_nik
    return not check(candidate.digits)


def _line_candidates(line: Line, index: int, previous_line: Line | None) -> list[NikCandidate]:
    text, spans = _line_layout(line)
    repaired = repair_text(text)
    found: list[NikCandidate] = []
    for run in DIGIT_RUN_RE.finditer(repaired):
        groups = list(DIGIT_GROUP_RE.finditer(run.group(0)))
        for i, j in _windows(groups, run.group(0)):
            start = run.start() + groups[i].start()
            end = run.start() + groups[j - 1].end()
            words = [
                w for w, (a, b) in zip(line.words, spans, strict=True) if a < end and b > start
            ]
            # `NIK 1 6101…`: a colon read as a digit stands alone before the number.
            first = i == 0 or (i == 1 and len(groups[0].group(0)) == 1)
            anchor = _anchor_of(text[:start], previous_line) if first else None
            found.append(
                NikCandidate(
                    digits="".join(g.group(0) for g in groups[i:j]),
                    words=words,
                    confidence=sum(w.confidence for w in words) / len(words),
                    anchor=anchor,
                    page=line.page,
                    line_index=index,
                    start=start,
                    end=end,
                    repaired_chars=sum(
                        a != b for a, b in zip(text[start:end], repaired[start:end], strict=True)
                    ),
                )
            )
    return _drop_overlaps(found)


def _drop_overlaps(found: list[NikCandidate]) -> list[NikCandidate]:
    """Of windows sharing digits, keep a valid one (else the first): digits serve one number."""
    kept: list[NikCandidate] = []
    for cand in found:
        clash = next((k for k in kept if k.start < cand.end and cand.start < k.end), None)
        if clash is None:
            kept.append(cand)
        elif not _is_valid(clash) and _is_valid(cand):
            kept[kept.index(clash)] = cand
    return kept


def find_nik_candidates(lines: list[Line]) -> list[NikCandidate]:
    """Every 16-digit number on the lines, after OCR repair and separator removal.

    Runs of 15 or 17+ digits give nothing; a longer run of groups gives a 16-digit group standing
    on its own, or a group sequence printed the way NIKs are (4-4-4-4, 2-2-2-6-4, ...).
    """
    out: list[NikCandidate] = []
    previous: Line | None = None
    for index, line in enumerate(lines):
        same_page = previous if previous is not None and previous.page == line.page else None
        out.extend(_line_candidates(line, index, same_page))
        previous = line
    return out


# --- extraction -------------------------------------------------------------------------------


def _field(
    name: str,
    candidate: NikCandidate,
    *,
    free_standing: bool,
    ambiguous: bool,
    valid: bool | None = True,
) -> Field:
    """The number as a field; its confidence comes from `extractors.confidence`. A rejected
    number is scored with `valid=None`: its confidence then says how surely OCR read the
    digits, which is what tells a misreading from a misprint."""
    evidence = evidence_of(
        candidate.words,
        anchored=not free_standing,  # a free-standing number may be someone else's NIK
        repaired=candidate.repaired_chars,
        valid=valid,
        doubt=AMBIGUOUS_FACTOR if ambiguous else 1.0,
    )
    return scored_field(
        name, candidate.digits, evidence, candidate.page, [w.box for w in candidate.words]
    )


def _notice(
    field: str, what: str, candidate: NikCandidate, problems: list[str], codes: tuple[str, str]
) -> Notice:
    """`codes` = (invalid code, unknown-region code); the latter when region is the only issue."""
    code = codes[1] if problems == ["region"] else codes[0]
    message = (
        f"The {what} {mask_nik(candidate.digits)} on page {candidate.page} was not used: "
        f"{describe_problems(candidate.digits, problems)}."
    )
    rejected = _field(field, candidate, free_standing=False, ambiguous=False, valid=None)
    return Notice(code=code, message=message, field=field, rejected=rejected)


def _others(chosen: NikCandidate, candidates: list[NikCandidate]) -> list[Notice]:
    """Other valid NIKs printed on the page beside the one taken: kept as evidence (a
    family member, a guarantor — or the applicant's NIK printed twice, differently)."""
    seen = {chosen.digits}
    notices: list[Notice] = []
    for cand in candidates:
        if cand.digits in seen or check_nik(cand.digits):
            continue
        seen.add(cand.digits)
        message = (
            f"Another NIK {mask_nik(cand.digits)} is printed on page {cand.page} "
            f"beside {mask_nik(chosen.digits)}."
        )
        other = _field("nik", cand, free_standing=cand.anchor is None, ambiguous=False)
        notices.append(Notice(code="nik_other", message=message, field="nik", rejected=other))
    return notices


def extract_nik(lines: list[Line]) -> tuple[Field, list[Notice]]:
    """The NIK of a document: a label-anchored number first, else a free-standing valid one.

    Confidence (`extractors.confidence`) from the OCR word confidences, the repaired characters,
    no label, and a doubt of 0.8 if several different free-standing NIKs were found. An
    anchored NIK that fails its checks, or a NIK row garbled beyond a candidate, gives a null
    value (and for the former a notice): the free-standing ones are not tried instead, they are
    usually family members. No candidate: null value, no notice.
    """
    candidates = find_nik_candidates(lines)
    kk_numbers = {c.digits for c in candidates if c.anchor == "kk"}
    anchored = [c for c in candidates if c.anchor == "nik"]
    if anchored:
        for cand in anchored:
            if not check_nik(cand.digits):
                others = _others(cand, anchored)
                return _field("nik", cand, free_standing=False, ambiguous=False), others
        first = anchored[0]
        codes = ("nik_invalid", "nik_unknown_region")
        return Field(name="nik"), [_notice("nik", "NIK", first, check_nik(first.digits), codes)]

    if any(region.anchor == "nik" for region in number_regions(lines)):
        # The NIK row is there but OCR garbled it beyond a candidate (`NIK : M10604...`):
        # a free-standing NIK would be a family member's. Null, so the row is read again.
        return Field(name="nik"), []
    free = [
        c for c in candidates if c.anchor is None and c.digits not in kk_numbers
        and not check_nik(c.digits)
    ]  # fmt: skip
    if not free:
        return Field(name="nik"), []
    ambiguous = len({c.digits for c in free}) > 1
    best = free[0]
    return _field("nik", best, free_standing=True, ambiguous=ambiguous), _others(best, free)


def extract_kk_number(lines: list[Line]) -> tuple[Field, list[Notice]]:
    """The KK number: only a number after a KK label (or "No." under the KARTU KELUARGA title).

    Confidence from the OCR word confidences and the repaired characters. A labelled number that
    fails its checks gives a null value and a notice; no labelled number, null and no notice.
    """
    anchored = [c for c in find_nik_candidates(lines) if c.anchor == "kk"]
    for cand in anchored:
        if not check_kk_number(cand.digits):
            return _field("kk_number", cand, free_standing=False, ambiguous=False), []
    if not anchored:
        return Field(name="kk_number"), []
    first = anchored[0]
    codes = ("kk_number_invalid", "kk_number_unknown_region")
    problems = check_kk_number(first.digits)
    return Field(name="kk_number"), [_notice("kk_number", "KK number", first, problems, codes)]


class NumberRegion(BaseModel):
    """Where a labelled NIK or KK number is printed: the words after the label."""

    model_config = ConfigDict(frozen=True)

    anchor: Anchor
    line_index: int
    page: int
    label_words: list[Word]
    value_box: Box


def number_regions(lines: list[Line]) -> list[NumberRegion]:
    """Labelled number rows, whatever OCR made of the digits (too few, merged, letters).

    When OCR drops or garbles digits there is no 16-digit candidate; the region lets the
    pipeline read that one row again, more carefully, instead of giving up on the field.
    """
    regions: list[NumberRegion] = []
    for index, line in enumerate(lines):
        previous = lines[index - 1] if index and lines[index - 1].page == line.page else None
        for cut in range(1, min(len(line.words), _MAX_LABEL_TOKENS + 1)):
            prefix = " ".join(w.text for w in line.words[:cut])
            rest = line.words[cut:]
            anchor = _anchor_of(prefix + " ", previous)
            if anchor is None or not rest:
                continue
            # The label may end inside a word (":9103..." or "NIK:9103..."): keep that word.
            if sum(ch.isdigit() for ch in line.words[cut - 1].text) >= 4:
                rest = line.words[cut - 1 :]
            digits = sum(ch.isdigit() for w in rest for ch in w.text)
            if digits < 8:
                continue
            regions.append(
                NumberRegion(
                    anchor=anchor,
                    line_index=index,
                    page=line.page,
                    label_words=line.words[: len(line.words) - len(rest)],
                    value_box=Box.union([w.box for w in rest]),
                )
            )
            break
    return regions
