"""Map a diagnosis (text and/or ICD-10 code) to a priority category of the default policy.

Why this shape:
- Codes decide first (`N18.5` → gagal_ginjal): a printed code is the least ambiguous
  evidence. Ranges are compared numerically, so `D6` never catches D60-D65 and I10
  (hypertension) stays out while I11 (hypertensive heart disease) is in.
- Otherwise the wording of DOMAIN.md §6, kept as data in `data/priority_terms.yaml`, is matched
  on spaCy tokens (`spacy.blank("id")`, no model): a PhraseMatcher on LOWER for terms, one on
  ORTH for short abbreviations that are also words ("SAH", "ALL", "AF"), and a Matcher for
  "Ca <organ>" and "pro <procedure>". OCR noise in long terms is caught by a rapidfuzz fallback
  that never touches 2-3 letter abbreviations.
- A mention in the scope of "riwayat"/"suspek"/"dd"/"r/o"/"keluarga"… does not count: a
  history of stroke or a suspected cancer is not what the letter asks care for. "post stroke"
  counts (sequelae still need care).
- "SH" is stroke hemoragik or sirosis hepatis; context words decide, else a reviewer does.
- Of the categories left, the one named earliest in the text wins: letters put the main
  diagnosis first, and an urgency cue after it ("... pro appendektomi cito") belongs to the
  same admission.

The spaCy pipeline is built once per process, on first use (spaCy's import ~1.5 s, then
~0.4 s for the tokenizer and matchers: the stock `id` tokenizer alone would spend 4 s compiling
16k hyphenated-word exceptions that diagnosis text never needs). A call then takes ~0.1-0.2 ms,
and repeated texts come from a cache.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml
from rapidfuzz import process
from rapidfuzz.distance import OSA

from extractors.icd10 import find_codes

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.matcher import Matcher, PhraseMatcher
    from spacy.tokens import Doc

# Confidence per kind of evidence (0..1): how often that kind alone names the category right.
CONFIDENCE = {
    "code": 0.97,
    "term": 0.9,
    "ca": 0.9,
    "suffix": 0.85,
    "cased": 0.85,
    "pro": 0.85,
    "ca_any": 0.75,
    "fuzzy": 0.7,
    "weak": 0.6,
    "conditional": 0.6,
}
NONE_CONFIDENCE = 0.85  # no priority wording at all: None is probably right
NEGATED_CONFIDENCE = 0.75  # only negated/hedged mentions: None, but a person may disagree
CONFLICT_PENALTY = 0.1  # another disease category is also named
TOKENIZER_NAME = "reaktivasi.priority_id_tokenizer.v1"


# --------------------------------------------------------------------------- ICD-10 codes


@dataclass(frozen=True)
class CodeRange:
    """Inclusive range of codes of one letter; minors as single digits 0-9."""

    letter: str
    low: tuple[int, int]
    high: tuple[int, int]

    def contains(self, letter: str, majors: tuple[int, int], minor: int | None) -> bool:
        """True when every code the parsed code can stand for lies inside the range.

        `majors` spans the possible 2-digit majors (one value, or 70-79 for `C7A`); a code
        without a minor stands for its whole 3-character group (minors 0-9).
        """
        if letter != self.letter:
            return False
        first = (majors[0], 0 if minor is None else minor)
        last = (majors[1], 9 if minor is None else minor)
        return self.low <= first and last <= self.high


_RANGE_END = re.compile(r"^([A-Z])(\d{2})(?:\.(\d))?$")


def _parse_range(spec: str) -> CodeRange:
    low_text, _, high_text = spec.upper().partition("-")
    low = _RANGE_END.match(low_text.strip())
    high = _RANGE_END.match((high_text or low_text).strip())
    if not low or not high or low.group(1) != high.group(1):
        raise ValueError(f"bad ICD-10 range {spec!r} in priority_terms.yaml")
    lo = (int(low.group(2)), int(low.group(3) or 0))
    hi = (int(high.group(2)), int(high.group(3)) if high.group(3) else 9)
    return CodeRange(low.group(1), lo, hi)


_LOOSE_CODE = re.compile(r"([A-Z])\s?(\d)([0-9A-Z])(?:\s?[.,]\s?(\d{1,4}))?")


def _parse_code(raw: str) -> tuple[str, str, tuple[int, int], int | None] | None:
    """(display, letter, majors, first minor digit) of a code as letters print it.

    `N18.5`, `N185`, `N 18.5`, `N18,5`, OCR-misread digits (`Nl8.5`) via extractors.icd10;
    ICD-10-CM forms with a letter in third place (`C7A.0`) via a looser pattern.
    """
    found = find_codes(raw) or find_codes(raw.upper())
    if found:
        code = found[0].code
        major = int(code[1:3])
        minor = int(code[4]) if len(code) > 4 else None
        return code, code[0], (major, major), minor
    m = _LOOSE_CODE.search(raw.upper())
    if not m:
        return None
    letter, tens, unit, minor = m.groups()
    if unit.isdigit():
        majors = (int(tens + unit), int(tens + unit))
    else:
        majors = (int(tens) * 10, int(tens) * 10 + 9)
    display = f"{letter}{tens}{unit}" + (f".{minor}" if minor else "")
    return display, letter, majors, int(minor[0]) if minor else None


# --------------------------------------------------------------------------- the data table


@dataclass(frozen=True)
class Table:
    ranges: dict[str, tuple[CodeRange, ...]]
    terms: dict[str, dict[str, tuple[str, ...]]]  # category -> kind -> terms
    ca_category: str
    ca_organs: tuple[str, ...]
    ca_not_organ: tuple[str, ...]
    pro_category: str
    not_procedure: tuple[str, ...]
    ambiguous: dict[str, dict[str, tuple[str, ...]]]  # "sh" -> reading -> cue words
    conditional: dict[str, dict[str, tuple[str, ...]]]  # category -> terms/codes/context
    conditional_codes: dict[str, tuple[CodeRange, ...]]  # category -> codes needing context
    neg_before: tuple[str, ...]
    neg_after: tuple[str, ...]
    breaks: frozenset[str]
    window: int
    fuzzy_min: int
    fuzzy_two_edits: int
    fuzzy_exclude: frozenset[str]


def _strs(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in (values or []))


@lru_cache(maxsize=1)
def priority_table() -> Table:
    """The YAML table, parsed once: terms are data so clinicians can extend them."""
    raw = yaml.safe_load(
        resources.files("extractors").joinpath("data/priority_terms.yaml").read_text("utf-8")
    )
    cats = raw["categories"]
    ca, pro, neg, fz = raw["ca_prefix"], raw["pro_procedure"], raw["negation"], raw["fuzzy"]
    return Table(
        ranges={c: tuple(_parse_range(s) for s in _strs(e.get("icd10"))) for c, e in cats.items()},
        terms={
            c: {k: _strs(e.get(k)) for k in ("terms", "cased", "weak")} for c, e in cats.items()
        },
        ca_category=str(ca["category"]),
        ca_organs=_strs(ca["organs"]),
        ca_not_organ=_strs(ca["not_organ"]),
        pro_category=str(pro["category"]),
        not_procedure=_strs(pro["not_procedure"]),
        ambiguous={
            str(term): {cat: _strs(words) for cat, words in readings.items()}
            for term, readings in raw["ambiguous"].items()
        },
        conditional={
            str(cat): {k: _strs(v) for k, v in entry.items()}
            for cat, entry in raw.get("conditional", {}).items()
        },
        conditional_codes={
            str(cat): tuple(_parse_range(c) for c in _strs(entry.get("codes")))
            for cat, entry in raw.get("conditional", {}).items()
        },
        neg_before=_strs(neg["before"]),
        neg_after=_strs(neg["after"]),
        breaks=frozenset(s.lower() for s in _strs(neg["breaks"])),
        window=int(neg["window"]),
        fuzzy_min=int(fz["min_length"]),
        fuzzy_two_edits=int(fz["two_edits_from"]),
        fuzzy_exclude=frozenset(s.lower() for s in _strs(fz["exclude"])),
    )


def category_for_code(code: str | None) -> str | None:
    """The category whose ICD-10 range holds `code` (first mapping code in the string)."""
    return _code_category(code, None)[0]


def _code_category(code: str | None, text: str | None) -> tuple[str | None, str, bool]:
    """(category, code as read, mapped only through context) of the first mapping code.

    Conditional codes (R18 ascites) map only when `text` names the liver.
    """
    if not code:
        return None, "", False
    table = priority_table()
    first = ""
    for part in re.split(r"[;/|]|,\s|\s(?=[A-Z]\d)", code.strip()):
        parsed = _parse_code(part)
        if parsed is None:
            continue
        display, letter, majors, minor = parsed
        first = first or display
        for category, ranges in table.ranges.items():
            if any(r.contains(letter, majors, minor) for r in ranges):
                return category, display, False
        for category, ranges in table.conditional_codes.items():
            in_range = any(r.contains(letter, majors, minor) for r in ranges)
            if in_range and text and _liver_context(text):
                return category, display, True
    return None, first, False


# --------------------------------------------------------------------------- the spaCy engine


@dataclass
class Engine:
    nlp: Language
    lower: PhraseMatcher
    orth: PhraseMatcher
    matcher: Matcher
    fuzzy_terms: dict[int, list[str]]  # token count -> lowered long terms
    fuzzy_category: dict[str, str]  # lowered long term -> category


_ENGINE: Engine | None = None
_ENGINE_LOCK = threading.Lock()
# spaCy's tokenizer and vocab mutate caches on every call; one caller at a time (~0.1 ms).
_CALL_LOCK = threading.Lock()


def _register_tokenizer() -> None:
    """A spaCy tokenizer for Indonesian diagnosis text, registered under TOKENIZER_NAME.

    The stock `id` rules minus the ~15,600 hyphenated-word exceptions ("anak-anak"), which
    cost 4 s to compile; plus splits that letters need: "Ca.mammae", "SNH+HT", "HBsAg+".
    No URL matching: it would keep "Ca.mammae" whole as if it were a host name.
    """
    import spacy
    from spacy.tokenizer import Tokenizer
    from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

    if TOKENIZER_NAME in spacy.registry.tokenizers:
        return

    @spacy.registry.tokenizers(TOKENIZER_NAME)
    def make_tokenizer() -> Any:
        def tokenizer(nlp: Language) -> Tokenizer:
            defaults = nlp.Defaults
            rules = {k: v for k, v in defaults.tokenizer_exceptions.items() if "-" not in k}
            infixes = [
                *defaults.infixes,
                r"(?<=[A-Za-z])\.(?=[A-Za-z]{2})",
                r"(?<=[A-Za-z])\+(?=[A-Za-z])",
                r"(?<=[A-Za-z])[()](?=[A-Za-z+\-])",
            ]
            suffixes = [*defaults.suffixes, r"\+"]
            return Tokenizer(
                nlp.vocab,
                rules=rules,
                prefix_search=compile_prefix_regex(defaults.prefixes).search,
                suffix_search=compile_suffix_regex(suffixes).search,
                infix_finditer=compile_infix_regex(infixes).finditer,
                token_match=defaults.token_match,
            )

        return tokenizer


def engine() -> Engine:
    """The spaCy pipeline and matchers, built once per process (thread-safe, lazy)."""
    global _ENGINE
    if _ENGINE is None:
        with _ENGINE_LOCK:
            if _ENGINE is None:
                _ENGINE = _build_engine(priority_table())
    return _ENGINE


def _build_engine(table: Table) -> Engine:
    import spacy
    from spacy.matcher import Matcher, PhraseMatcher

    _register_tokenizer()
    nlp = spacy.blank("id", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER_NAME}}})
    lower = PhraseMatcher(nlp.vocab, attr="LOWER")
    orth = PhraseMatcher(nlp.vocab, attr="ORTH")

    def add(matcher: PhraseMatcher, label: str, phrases: tuple[str, ...]) -> None:
        if phrases:
            matcher.add(label, list(nlp.tokenizer.pipe(phrases)))

    fuzzy: dict[int, list[str]] = {}
    fuzzy_category: dict[str, str] = {}
    for category, kinds in table.terms.items():
        add(lower, f"{category}|term", kinds["terms"])
        add(lower, f"{category}|weak", kinds["weak"])
        add(orth, f"{category}|cased", kinds["cased"])
        for term in kinds["terms"]:
            words = [t.lower_ for t in nlp.tokenizer(term)]
            if len(term.replace(" ", "")) >= table.fuzzy_min and all(len(w) >= 4 for w in words):
                fuzzy.setdefault(len(words), []).append(" ".join(words))
                fuzzy_category[" ".join(words)] = category
    for term, readings in table.ambiguous.items():
        add(lower, f"AMBIG|{term}", (term,))
        for reading, cues in readings.items():
            add(lower, f"CUE|{term}|{reading}", cues)
    for category, entry in table.conditional.items():
        add(lower, f"{category}|conditional", entry.get("terms", ()))
        add(lower, f"CTX|{category}", entry.get("context", ()))
    add(lower, "NEG|before", table.neg_before)
    add(lower, "NEG|after", table.neg_after)

    matcher = Matcher(nlp.vocab)
    dot = {"ORTH": ".", "OP": "?"}
    matcher.add(
        f"{table.ca_category}|ca",
        [[{"LOWER": "ca"}, dot, {"LOWER": {"IN": list(table.ca_organs)}}]],
    )
    not_organ = [*table.ca_not_organ, *table.ca_organs]
    matcher.add(
        f"{table.ca_category}|ca_any",
        [[{"ORTH": {"IN": ["Ca", "CA"]}}, dot,
          {"IS_ALPHA": True, "LENGTH": {">=": 4}, "LOWER": {"NOT_IN": not_organ}}]],
    )  # fmt: skip
    matcher.add(
        f"{table.ca_category}|suffix",
        [[{"LOWER": {"REGEX": r"^[a-z]{2,14}(karsinoma|carcinoma|sarkoma|sarcoma|blastoma)$"}}]],
    )
    matcher.add(
        f"{table.pro_category}|pro",
        [[{"LOWER": "pro"}, {"ORTH": {"IN": ["-", ":"]}, "OP": "?"},
          {"IS_ALPHA": True, "LOWER": {"NOT_IN": list(table.not_procedure)}}]],
    )  # fmt: skip
    return Engine(nlp, lower, orth, matcher, fuzzy, fuzzy_category)


# --------------------------------------------------------------------------- text analysis


@dataclass(frozen=True)
class Mention:
    start: int  # token indices in the Doc
    end: int
    category: str  # a category, or "AMBIG|sh"
    kind: str  # key of CONFIDENCE, or "ambiguous"
    text: str


@dataclass(frozen=True)
class TextResult:
    category: str | None
    confidence: float
    reason: str


def _is_break(doc: Doc, i: int, breaks: frozenset[str]) -> bool:
    token = doc[i]
    if token.lower_ in breaks or "\n" in token.text:
        return True
    # A spaced dash separates clauses ("riwayat stroke - CKD"); "post-stroke" does not.
    return token.text in ("-", "–") and i > 0 and bool(doc[i - 1].whitespace_)


def _negation(doc: Doc, mention: Mention, cues: list[tuple[str, int, int]], table: Table) -> str:
    """The cue that takes `mention` out of the diagnosis ("" when none does)."""
    for side, start, end in cues:
        if side == "before" and end <= mention.start:
            gap = list(range(end, mention.start))
            while gap and doc[gap[0]].text in (".", ":", "-"):
                gap.pop(0)  # "susp. Ca", "riwayat: stroke"
        elif side == "after" and start >= mention.end:
            gap = list(range(mention.end, start))
        else:
            continue
        if len(gap) <= table.window and not any(_is_break(doc, i, table.breaks) for i in gap):
            return doc[start:end].text
    return ""


def _keep_longest(mentions: list[Mention]) -> list[Mention]:
    """Overlapping mentions: the longest wins ("pro LC" is a procedure, not liver cirrhosis)."""
    kept: list[Mention] = []
    taken: set[int] = set()
    for m in sorted(mentions, key=lambda m: (-(m.end - m.start), m.start)):
        if not taken.intersection(range(m.start, m.end)):
            kept.append(m)
            taken.update(range(m.start, m.end))
    return sorted(kept, key=lambda m: m.start)


_FUZZY_TOKEN = re.compile(r"^[a-z0-9]+$")


def _fuzzy_mentions(doc: Doc, covered: set[int], eng: Engine, table: Table) -> list[Mention]:
    """OCR-noise fallback: n-grams of uncovered tokens one (or two) edits from a long term.

    Term words are all >= 4 letters, so tokens under 3 characters can never be part of one.
    """
    found: list[Mention] = []
    lows = [t.lower_ for t in doc]
    usable = [
        i not in covered
        and len(w) >= 3
        and w not in table.fuzzy_exclude
        and bool(_FUZZY_TOKEN.match(w))
        and sum(c.isalpha() for c in w) >= len(w) - 1
        for i, w in enumerate(lows)
    ]
    for n, choices in eng.fuzzy_terms.items():
        for i in range(len(doc) - n + 1):
            if not all(usable[i : i + n]):
                continue
            query = " ".join(lows[i : i + n])
            if len(query) - (n - 1) < table.fuzzy_min or query in table.fuzzy_exclude:
                continue
            best = process.extractOne(query, choices, scorer=OSA.distance, score_cutoff=2)
            if best is None or best[1] == 0:
                continue
            term, distance = best[0], best[1]
            limit = 2 if len(term) >= table.fuzzy_two_edits else 1
            if distance <= limit:
                category = eng.fuzzy_category[term]
                found.append(Mention(i, i + n, category, "fuzzy", doc[i : i + n].text))
    return found


def _analyse(text: str) -> TextResult:
    table = priority_table()
    eng = engine()
    with _CALL_LOCK:
        doc = eng.nlp(text)
        matches = [*eng.lower(doc), *eng.orth(doc), *eng.matcher(doc)]

    mentions: list[Mention] = []
    cues: list[tuple[str, int, int]] = []  # negation cues: (side, start, end)
    votes: dict[str, list[tuple[str, int, int]]] = {}  # ambiguous reading -> cue spans
    contexts: set[str] = set()  # categories whose conditional context is present
    covered: set[int] = set()
    strings = eng.nlp.vocab.strings
    for match_id, start, end in matches:
        label = strings[match_id]
        head, _, rest = label.partition("|")
        covered.update(range(start, end))
        if head == "NEG":
            cues.append((rest, start, end))
        elif head == "CUE":
            votes.setdefault(rest.partition("|")[2], []).append((doc[start:end].text, start, end))
        elif head == "CTX":
            contexts.add(rest)
        elif head == "AMBIG":
            mentions.append(Mention(start, end, label, "ambiguous", doc[start:end].text))
        else:
            if doc[start].text == "PSA" and end < len(doc) and doc[end].like_num:
                continue  # prostate-specific antigen "PSA 20 ng/ml", not perdarahan subarachnoid
            mentions.append(Mention(start, end, head, rest, doc[start:end].text))
    mentions.extend(_fuzzy_mentions(doc, covered, eng, table))
    mentions = [m for m in mentions if m.kind != "conditional" or m.category in contexts]
    mentions = _keep_longest(mentions)

    live: list[Mention] = []
    negated: list[tuple[Mention, str]] = []
    for m in mentions:
        cue = _negation(doc, m, cues, table)
        if cue:
            negated.append((m, cue))
        else:
            live.append(m)
    # A weak sign of a category that was itself negated ("suspek stroke dengan hemiparese")
    # does not bring it back.
    denied = {m.category for m, _ in negated if m.kind != "weak"}
    live = [m for m in live if not (m.kind in ("weak", "conditional") and m.category in denied)]

    resolved: list[Mention] = []
    unresolved: list[Mention] = []
    sh_reason, sh_words = "", 0
    for m in live:
        if m.kind != "ambiguous":
            resolved.append(m)
            continue
        reading, words = _resolve(doc, m, votes, live, cues, table)
        if reading:
            resolved.append(Mention(m.start, m.end, reading, "ambiguous", m.text))
            sh_words = len(words)
            sh_reason = f"ambiguous {m.text} resolved by " + ", ".join(f"'{w}'" for w in words)
        else:
            unresolved.append(m)

    if unresolved and (not resolved or unresolved[0].start < resolved[0].start):
        # The main (first-named) diagnosis is an undecidable "SH": a person decides.
        return TextResult(None, 0.0, f"ambiguous {unresolved[0].text}")
    if not resolved:
        if negated:
            return TextResult(None, NEGATED_CONFIDENCE, f"negated by '{negated[0][1]}'")
        return TextResult(None, NONE_CONFIDENCE, "no priority term")

    # The category named first wins; its strongest mention gives the confidence and reason
    # ("Hemiparese dextra ec SNH" is stroke on the strength of "SNH", not of the sign).
    first = resolved[0]
    scored = [
        (_mention_confidence(m, sh_words), m) for m in resolved if m.category == first.category
    ]
    confidence, winner = max(scored, key=lambda cm: (cm[0], -cm[1].start))
    reason = sh_reason if first.kind == "ambiguous" else _describe(winner)
    urgency = {table.pro_category, "igd", "icu"}
    others = {m.category for m in resolved if m.category not in urgency} - {winner.category}
    if others and winner.category not in urgency:
        confidence -= CONFLICT_PENALTY
        reason += f" (also {', '.join(sorted(others))})"
    if unresolved:
        confidence -= CONFLICT_PENALTY
        reason += f"; ambiguous {unresolved[0].text} ignored"
    return TextResult(winner.category, round(max(confidence, 0.05), 2), reason)


def _resolve(
    doc: Doc,
    mention: Mention,
    votes: dict[str, list[tuple[str, int, int]]],
    live: list[Mention],
    cues: list[tuple[str, int, int]],
    table: Table,
) -> tuple[str | None, list[str]]:
    """The reading of an ambiguous abbreviation its context supports more than the other."""
    term = mention.category.partition("|")[2]
    tally: dict[str, list[str]] = {}
    for reading in table.ambiguous[term]:
        spans = [
            (s, e, text)
            for text, s, e in votes.get(reading, [])
            if not _negation(doc, Mention(s, e, reading, "cue", text), cues, table)
        ]
        spans += [(m.start, m.end, m.text) for m in live if m.category == reading]
        tally[reading] = _distinct(spans)
    ranked = sorted(tally.items(), key=lambda kv: len(kv[1]), reverse=True)
    if not ranked or not ranked[0][1]:
        return None, []
    if len(ranked) > 1 and len(ranked[1][1]) == len(ranked[0][1]):
        return None, []  # a tie: both readings have as much support
    return ranked[0][0], ranked[0][1]


def _distinct(spans: list[tuple[int, int, str]]) -> list[str]:
    """One vote per stretch of text: "varises esofagus" is one cue, not three."""
    words: list[str] = []
    end = -1
    for s, e, text in sorted(spans, key=lambda x: (x[0], -x[1])):
        if s >= end:
            words.append(text)
            end = e
        else:
            end = max(end, e)
    return words


def _mention_confidence(m: Mention, sh_words: int) -> float:
    return _sh_confidence(sh_words) if m.kind == "ambiguous" else CONFIDENCE[m.kind]


def _sh_confidence(words: int) -> float:
    """More agreeing context words, more confidence; never as sure as a spelled-out term."""
    return min(0.6 + 0.1 * words, 0.85)


def _describe(m: Mention) -> str:
    labels = {
        "term": "term",
        "cased": "abbreviation",
        "weak": "weak sign",
        "fuzzy": "fuzzy",
        "ca": "term",
        "ca_any": "Ca before",
        "suffix": "term",
        "pro": "procedure",
        "conditional": "with liver context",
    }
    return f"{labels.get(m.kind, m.kind)} '{m.text}'"


@lru_cache(maxsize=4096)
def _text_result(text: str) -> TextResult:
    return _analyse(text)


def category_for_text(text: str | None) -> str | None:
    """The category named earliest (un-negated) in `text`, else None."""
    if not text or not text.strip():
        return None
    return _text_result(text).category


def priority_with_confidence(
    diagnosis: str | None, icd10: str | None
) -> tuple[str | None, float, str]:
    """(category, 0..1 confidence, short reason): code first, then wording.

    The confidence is for the answer given, None included: an unresolved "SH" gives
    (None, 0.0, "ambiguous SH") so that a person decides.
    """
    text_result = _text_result(diagnosis) if diagnosis and diagnosis.strip() else None
    category, code, conditional = _code_category(icd10, diagnosis)
    if category:
        confidence = CONFIDENCE["code"]
        reason = f"icd10 {code}"
        if conditional:
            confidence, reason = CONFIDENCE["conditional"], f"icd10 {code} with liver context"
        if text_result and text_result.category and text_result.category != category:
            confidence -= CONFLICT_PENALTY
            reason += f" (text says {text_result.category})"
        return category, round(confidence, 2), reason
    if text_result is None:
        if icd10 and icd10.strip():
            return None, NONE_CONFIDENCE, f"icd10 {code or icd10.strip()} not a priority code"
        return None, 0.0, "no diagnosis"
    return text_result.category, text_result.confidence, text_result.reason


def _liver_context(text: str) -> bool:
    """Whether the text names the liver, for codes like R18 (ascites) that need it."""
    eng = engine()
    with _CALL_LOCK:
        matches = eng.lower(eng.nlp(text))
    strings = eng.nlp.vocab.strings
    return any(strings[i].startswith("CTX|") for i, _, _ in matches)


def priority_category(diagnosis: str | None, icd10: str | None) -> str | None:
    """Code first, then wording. Non-priority diagnoses give None."""
    return priority_with_confidence(diagnosis, icd10)[0]
