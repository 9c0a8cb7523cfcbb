"""Map a diagnosis (text and/or ICD-10 code) to a priority category of the default policy.

Codes decide first (`N18.5` → gagal_ginjal); otherwise the wording of DOMAIN.md §6, kept in
`data/priority_terms.yaml`. A term preceded by "riwayat"/"suspek" does not count: a history
of stroke or a suspected cancer is not the condition the letter asks care for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

NEGATION_WINDOW = 3  # words before a term that can negate it


@dataclass(frozen=True)
class CategoryTerms:
    name: str
    codes: tuple[str, ...]
    pattern: re.Pattern[str] | None


@dataclass(frozen=True)
class PriorityTable:
    categories: tuple[CategoryTerms, ...]
    negations: tuple[str, ...]
    ambiguous: dict[str, dict[str, tuple[str, ...]]]


@cache
def priority_table() -> PriorityTable:
    raw = yaml.safe_load(
        resources.files("extractors").joinpath("data/priority_terms.yaml").read_text("utf-8")
    )
    categories: list[CategoryTerms] = []
    for name, entry in raw.items():
        if name in ("ambiguous", "negations"):
            continue
        terms = sorted((str(t) for t in entry.get("terms", [])), key=len, reverse=True)
        pattern = _terms_pattern(terms) if terms else None
        codes = tuple(str(c).upper() for c in entry.get("icd10", []))
        categories.append(CategoryTerms(name, codes, pattern))
    ambiguous = {
        str(term): {cat: tuple(words) for cat, words in cues.items()}
        for term, cues in raw.get("ambiguous", {}).items()
    }
    negations = tuple(str(n) for n in raw.get("negations", []))
    return PriorityTable(tuple(categories), negations, ambiguous)


def _term_regex(term: str) -> str:
    if term.startswith("re:"):
        return term[3:]
    return r"\s+".join(re.escape(part) for part in term.split())


def _terms_pattern(terms: list[str]) -> re.Pattern[str]:
    body = "|".join(_term_regex(t) for t in terms)
    return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])", re.IGNORECASE)


def category_for_code(code: str | None) -> str | None:
    if not code:
        return None
    code = code.upper()
    for category in priority_table().categories:
        if any(code.startswith(prefix) for prefix in category.codes):
            return category.name
    return None


def _negated(text: str, start: int, negations: tuple[str, ...]) -> bool:
    before = re.findall(r"[a-z/]+", text[:start].lower())[-NEGATION_WINDOW:]
    return any(n.rstrip(".") in before for n in negations)


def category_for_text(text: str | None) -> str | None:
    """The first category whose term appears un-negated in `text`, else None."""
    if not text:
        return None
    table = priority_table()
    found: list[tuple[int, str]] = []
    for category in table.categories:
        if category.pattern is None:
            continue
        for m in category.pattern.finditer(text):
            if not _negated(text, m.start(), table.negations):
                found.append((m.start(), category.name))
                break
    if found:
        return min(found)[1]
    return _resolve_ambiguous(text, table)


def _resolve_ambiguous(text: str, table: PriorityTable) -> str | None:
    lowered = text.lower()
    for term, cues in table.ambiguous.items():
        if not re.search(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])", lowered):
            continue
        votes = {cat: sum(w in lowered for w in words) for cat, words in cues.items()}
        best = max(votes, key=lambda c: votes[c])
        ranked = sorted(votes.values(), reverse=True)
        if ranked[0] > 0 and (len(ranked) == 1 or ranked[0] > ranked[1]):
            return best
    return None


def priority_category(diagnosis: str | None, icd10: str | None) -> str | None:
    """Code first, then wording. Non-priority diagnoses give None."""
    return category_for_code(icd10) or category_for_text(diagnosis)
