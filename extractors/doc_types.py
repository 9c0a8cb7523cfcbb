"""One extractor per document type, each a pure function from lines to fields."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from extractors.absence import diagnosis_signs, missing_notice
from extractors.confidence import evidence_of, rescored, scored_field
from extractors.crosscheck import cross_check
from extractors.diagnosis import extract_diagnosis
from extractors.kk import extract_members
from extractors.labels import find_label
from extractors.letter_parts import birth_date, header_value, letter_date
from extractors.names import extract_name
from extractors.nik import extract_kk_number, extract_nik
from extractors.priority import category_for_text, priority_with_confidence
from extractors.register_number import extract_register_number
from models import DocType, Field, Line, Member, Notice
from models.extraction import Evidence


@dataclass
class ExtractedFields:
    fields: dict[str, Field]
    members: list[Member] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    def add(self, f: Field) -> None:
        self.fields[f.name] = f

    def note(self, notice: Notice | None) -> None:
        if notice is not None:
            self.notices.append(notice)


_FACILITY = re.compile(
    r"((?:UPT\.?\s+|UPTD\.?\s+)?(?:PUSKESMAS|RSUD|RSU|RUMAH\s+SAKIT|RS|KLINIK)\b.*)", re.IGNORECASE
)
# Letterhead lines; a logo beside the text often adds a stray OCR token before the word.
_VILLAGE = re.compile(
    r"(?:^|\s)(?:PEMERINTAH\s+)?(?:DESA|KELURAHAN|KAMPUNG|NAGARI|GAMPONG|KANTOR\s+LURAH)\s+"
    r"([A-Z].*)$",
    re.IGNORECASE,
)
_DISTRICT = re.compile(r"(?:^|\s)KECAMATAN\s+([A-Z].*)$", re.IGNORECASE)


def faskes_letter(lines: list[Line]) -> ExtractedFields:
    out = ExtractedFields(fields={})
    nik, notices = extract_nik(lines)
    out.add(nik)
    out.notices.extend(notices)
    out.add(extract_name(lines))
    out.add(birth_date(lines))
    out.add(extract_register_number(lines))
    diagnosis = extract_diagnosis(lines)
    out.add(diagnosis.text)
    out.add(diagnosis.icd10)
    if out.fields["register_number"].value is None:
        out.note(missing_notice(lines, "register_number"))
    if diagnosis.text.value is None:
        signs = diagnosis.icd10.value is not None or diagnosis_signs(lines)
        out.note(missing_notice(lines, "diagnosis", other_signs=signs, blank=diagnosis.blank))
    category, certainty, _why = priority_with_confidence(
        diagnosis.text.value, diagnosis.icd10.value
    )
    source = diagnosis.icd10 if diagnosis.icd10.value else diagnosis.text
    evidence = (source.evidence or Evidence()).model_copy(
        update={"doubt": certainty, "valid": None}
    )
    out.add(scored_field("priority_category", category, evidence, source.page, source.boxes))
    if category is None:
        out.add(_urgency_in_sentences(lines))
    facility = header_value(lines, _FACILITY, "facility_name", two_lines=True)
    out.add(facility if facility.value else _signed_facility(lines))
    out.add(letter_date(lines))
    return out


_SIGNED_FACILITY = re.compile(r"^(?:UPTD?\.?\s+)?(?:PUSKESMAS|RSUD|RSU|RUMAH\s+SAKIT|KLINIK)\b")


def _signed_facility(lines: list[Line]) -> Field:
    """A letter with no kop names its facility in capitals above the signature (`KLINIK
    PRATAMA RAHMAT HUSADA`): the last such line, found without its kop, so less sure."""
    for line in reversed(lines):
        text = line.text.strip(" ,.")
        letters = re.sub(r"[^A-Za-z]", "", text)
        if _SIGNED_FACILITY.match(text) and letters.isupper():
            evidence = evidence_of(line.words, anchored=False)
            return scored_field("facility_name", text, evidence, line.page, [line.box])
    return Field(name="facility_name")


SENTENCE_CONFIDENCE = 0.5  # urgency named outside the diagnosis: below review, never a waiver
# A sentence that says where the patient is now ("Pasien saat ini dirawat di IGD", "pasien sedang
# dalam tindakan operasi") is the facility stating the emergency: as sure as its words were read.
# Anything else naming IGD or ICU (a kop's "IGD 24 JAM", a past visit) stays unsure.
_PATIENT_NOW = re.compile(
    r"\b(?:pasien|penderita|yang\s+bersangkutan|ybs)\b.*"
    r"\b(?:saat\s+ini|sedang|masih|sekarang|pada\s+saat\s+surat\s+ini\s+dibuat)\b"
    r"|\b(?:saat\s+ini|sedang|pada\s+saat\s+surat\s+ini\s+dibuat)\b.*\b(?:pasien|penderita)\b",
    re.IGNORECASE,
)


def _urgency_in_sentences(lines: list[Line]) -> Field:
    """A priority category the letter states outside its diagnosis ("Pasien saat ini dirawat di
    IGD", "sedang dalam tindakan"): the case is fast-tracked. Only a sentence about the patient
    now (its line or the one before, a sentence wrapped) may also waive the SKTM; anything else
    is too unsure to, and a person reads the letter."""
    unsure = Field(name="priority_category")
    for before, line in zip([None, *lines], lines, strict=False):
        category = category_for_text(line.text)
        if not category:
            continue
        boxes = [w.box for w in line.words]
        if _PATIENT_NOW.search(f"{before.text if before else ''} {line.text}"):
            evidence = evidence_of(line.words, anchored=True)
            return scored_field("priority_category", category, evidence, line.page, boxes)
        if unsure.value is None:
            unsure = Field(
                name="priority_category",
                value=category,
                confidence=SENTENCE_CONFIDENCE,
                page=line.page,
                boxes=boxes,
            )
    return unsure


def sktm(lines: list[Line]) -> ExtractedFields:
    out = ExtractedFields(fields={})
    nik, notices = extract_nik(lines)
    out.add(nik)
    out.notices.extend(notices)
    out.add(extract_name(lines))
    out.add(birth_date(lines))
    for name, pattern in (("village", _VILLAGE), ("district", _DISTRICT)):
        place = _place(header_value(lines, pattern, name))
        # A form prints them as fields (`Pemerintah Desa/Kelurahan : MAJIKO TONGONE`).
        place = place if place.value else _labelled_place(lines, name)
        if name == "village" and place.value is None:
            place = _village_in_body(lines)
        out.add(_as_most_printed(place, lines))
    dated = letter_date(lines)
    out.add(_letter_number(lines, dated.value))
    out.add(dated)
    return out


def kk(lines: list[Line]) -> ExtractedFields:
    out = ExtractedFields(fields={})
    number, notices = extract_kk_number(lines)
    out.add(number)
    out.notices.extend(notices)
    out.add(extract_name(lines, "head_name"))
    out.members, member_notices = extract_members(lines)
    out.notices.extend(member_notices)
    out.add(_labelled_place(lines, "village"))
    out.add(_labelled_place(lines, "district"))
    return out


def _labelled_place(lines: list[Line], name: str) -> Field:
    """A village or district printed after its label (KK, KTP: `Kel/Desa : JURANG MANGU
    BARAT`), upper-cased."""
    hit = find_label(lines, name)
    value = re.sub(r"\s+", " ", hit.value).strip(" .,").upper() if hit else None
    if hit is None or not value:
        return Field(name=name)
    evidence = evidence_of(hit.words, anchored=hit.colon)
    return scored_field(name, value, evidence, hit.page, hit.boxes)


def ktp(lines: list[Line]) -> ExtractedFields:
    out = ExtractedFields(fields={})
    nik, notices = extract_nik(lines)
    out.add(nik)
    out.notices.extend(notices)
    out.add(extract_name(lines))
    out.add(birth_date(lines))
    out.add(_labelled_place(lines, "village"))
    out.add(_labelled_place(lines, "district"))
    return out


# A letterhead or address line may run on: `Desa Way Nukak Kecamatan Karya Kabupaten ...`.
_NEXT_LEVEL = re.compile(r"\s+(?:KECAMATAN|KEC\.|KABUPATEN|KAB\.|PROVINSI)\b.*$", re.I)


def _place(field: Field) -> Field:
    """A village or district name alone, upper-cased like the rest of the contract's names;
    a comma ends it (`Kepala Desa Janji Raja, menerangkan …` when the kop was not read)."""
    if field.value is None:
        return field
    value = _NEXT_LEVEL.sub("", field.value.split(",")[0]).strip(" ,.").upper()
    if not value:
        return Field(name=field.name)
    return field.model_copy(update={"value": value})


# The village as the body names it, when the kop was not read (a photo cut or glared at the
# top): `Kepala Desa Barugae`, `penduduk Kelurahan Loloan Barat yang …`.
_VILLAGE_IN_BODY = re.compile(
    r"(?:Kepala\s+Desa|Lurah|penduduk\s+(?:Desa|Kelurahan))\s+((?:[A-Z][A-Za-z'\-]*\s?){1,4})"
)


def _village_in_body(lines: list[Line]) -> Field:
    """The first village the body names after its head's title or `penduduk Desa`, less sure
    than a kop or a labelled row."""
    for line in lines:
        m = _VILLAGE_IN_BODY.search(line.text)
        if m is None:
            continue
        found = _place(Field(name="village", value=m.group(1)))
        if found.value:
            words = [w for w in line.words if w.text.strip(",.").upper() in found.value.split()]
            evidence = evidence_of(words or line.words, anchored=False)
            boxes = [w.box for w in words or line.words]
            return scored_field("village", found.value, evidence, line.page, boxes)
    return Field(name="village")


def _as_most_printed(field: Field, lines: list[Line]) -> Field:
    """A place an SKTM names again and again (kop, body, place-date line, signature): the
    spelling printed most often, among those a letter or two away from the one read
    (`KANTOR KEPALA DESA BARUGAF` in a large kop font, `Desa Barugae` three times below)."""
    if field.value is None:
        return field
    want = field.value.split()
    counts: dict[str, int] = {}
    for line in lines:
        tokens = re.findall(r"[A-Za-z'\-]+", line.text.upper())
        for i in range(len(tokens) - len(want) + 1):
            window = tokens[i : i + len(want)]
            if _letters_apart(window, want) <= max(1, len("".join(want)) // 6):
                spelling = " ".join(window)
                counts[spelling] = counts.get(spelling, 0) + 1
    best = max(counts, key=lambda k: (counts[k], k == field.value), default=field.value)
    if counts.get(best, 0) <= counts.get(field.value, 0):
        return field
    return field.model_copy(update={"value": best})


def _letters_apart(a: list[str], b: list[str]) -> int:
    """Letters that differ between two word lists of equal word lengths (99 otherwise)."""
    if [len(w) for w in a] != [len(w) for w in b]:
        return 99
    return sum(x != y for p, q in zip(a, b, strict=True) for x, y in zip(p, q, strict=True))


# Segments joined by slashes, or by a dash after a space as typists do (`474/120 -Ket/Ds-2009`).
_LETTER_NUMBER = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9.\-]*(?:\s*/\s*[A-Za-z0-9.\-]+|\s+-\s*[A-Za-z0-9.][A-Za-z0-9.\-]*)+"
)


# A small `l` read as a capital `I` after small letters (`Kel-C` read `KeI-C`): a code of
# capitals never follows small letters with a lone capital I.
_SMALL_L_AS_I = re.compile(r"(?<=[a-z])I(?![A-Za-z])")


def _letter_number(lines: list[Line], issued: str | None = None) -> Field:
    """The number after `Nomor :`; its Roman month settled by the letter's date (`issued`,
    ISO) when OCR lost or garbled it."""
    hit = find_label(lines, "letter_number")
    if hit is None:
        return Field(name="letter_number")
    text, repaired = slashed_roman_month(hit.value)
    text, settled = month_of_issue(text, date.fromisoformat(issued) if issued else None)
    repaired += settled
    m = _LETTER_NUMBER.match(text)
    if not m:
        return Field(name="letter_number")
    value, small_l = _SMALL_L_AS_I.subn("l", roman_month(re.sub(r"\s*/\s*", "/", m.group(0))))
    repaired += small_l
    words = [w for w in hit.words if "/" in w.text or any(c.isdigit() for c in w.text)]
    evidence = evidence_of(words or hit.words, anchored=hit.colon, repaired=repaired)
    return scored_field("letter_number", value, evidence, hit.page, hit.boxes)


_ROMAN_LOOKALIKE = re.compile(r"^[IVXl1|]+$")
# `/II/2026` read as `!!I/2026`, `!11/2026`, `!!/2026`: the slash before the month became `!`.
_SLASH_ROMAN = re.compile(r"(?<=[A-Za-z0-9.\-])[!|]([IVXl1|!]{1,4})/(\d{4})(?!\d)")
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
_ROMAN_MONTHS = frozenset(ROMAN)


def slashed_roman_month(text: str) -> tuple[str, int]:
    """Put back the slash and the Roman month OCR turned into `!`/`1`; returns the text and
    how many characters changed (a repair the confidence counts)."""
    m = _SLASH_ROMAN.search(text)
    if not m:
        return text, 0
    month = re.sub(r"[l1|!]", "I", m.group(1))
    if month not in _ROMAN_MONTHS:
        return text, 0
    fixed = f"/{month}/{m.group(2)}"
    changed = 1 + sum(a != b for a, b in zip(m.group(1), month, strict=True))
    return text[: m.start()] + fixed + text[m.end() :], changed


# The month slot before the year: after a slash, or after a space where OCR lost the slash
# (`277 IX/2025`, `286 11/2026`); empty when OCR lost the month (`DS//2026`).
_MONTH_SLOT = re.compile(
    r"(?P<sep>\s*/\s*|\s+)(?P<month>[IVXYl1|!]{0,5})\s*/\s*(?P<year>(?:19|20)\d{2})(?!\d)"
)


def month_of_issue(text: str, issued: date | None) -> tuple[str, int]:
    """An office numbers a letter in the month it issues it: a month slot that is empty or an
    OCR confusion of the letter date's month (`IX` for `XI`, `11` for `II` or for `/I`) is
    that month; another valid month is kept, and a number without a month slot gets none.
    Returns the text and how many characters changed."""
    if issued is None:
        return text, 0
    slot = next((m for m in reversed(list(_MONTH_SLOT.finditer(text))) if _is_slot(m)), None)
    want = ROMAN[issued.month - 1]
    if slot is None or not _confused(slot["month"], want):
        return text, 0
    if slot["month"] == want and "/" in slot["sep"]:
        return text, 0
    changed = 0 if slot["month"] == want else max(len(want), len(slot["month"]))
    changed += "/" not in slot["sep"]  # the slash put back
    fixed = f"/{want}/{slot['year']}"
    return text[: slot.start()] + fixed + text[slot.end() :], changed


def _is_slot(m: re.Match[str]) -> bool:
    """A month slot: after a slash, or a month-like token after a space."""
    return "/" in m["sep"] or bool(m["month"])


def _confused(read: str, want: str) -> bool:
    """`read` is `want` as OCR may garble it: lost, its strokes read as look-alikes or in
    swapped order, or one stroke more (a slash or rule read as `1`). A clean Roman month is
    only taken for another when its strokes are the same (`IX`/`XI`, `IV`/`VI`)."""
    if read in _ROMAN_MONTHS:
        return sorted(read) == sorted(want)
    strokes = re.sub(r"[l1|!]", "I", read).replace("Y", "V")
    fewer = {strokes[:i] + strokes[i + 1 :] for i, ch in enumerate(strokes) if ch == "I"}
    return not read or sorted(strokes) == sorted(want) or want in fewer


def roman_month(number: str) -> str:
    """Letter numbers put the month in Roman numerals before the year (`.../II/2026`);
    OCR reads `I` as `1` or `l` there, so that one segment is read back as Roman; a stroke
    read as one more `1` beside the month (`/1IX/`, `/XII1/`) is dropped."""
    parts = number.split("/")
    if len(parts) >= 3 and re.fullmatch(r"\d{4}", parts[-1]) and _ROMAN_LOOKALIKE.match(parts[-2]):
        candidate = re.sub(r"[l1|]", "I", parts[-2])
        if candidate not in _ROMAN_MONTHS:  # one stroke too many, read at either end
            ends = [candidate[1:]] * (parts[-2][0] in "l1|") + [candidate[:-1]] * (
                parts[-2][-1] in "l1|"
            )
            candidate = next((c for c in ends if c in _ROMAN_MONTHS), candidate)
        if candidate in _ROMAN_MONTHS:
            parts[-2] = candidate
    return "/".join(parts)


EXTRACTORS: dict[DocType, Callable[[list[Line]], ExtractedFields]] = {
    DocType.faskes_letter: faskes_letter,
    DocType.sktm: sktm,
    DocType.kk: kk,
    DocType.ktp: ktp,
}


def extract_fields(doc_type: DocType, lines: list[Line]) -> ExtractedFields:
    extractor = EXTRACTORS.get(doc_type)
    if extractor is None:
        return ExtractedFields(fields={})
    result = extractor(lines)
    result.notices.extend(cross_check(result.fields, lines))
    for name, f in result.fields.items():
        result.fields[name] = rescored(f, f"{doc_type.value}.{name}")
    return result
