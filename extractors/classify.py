"""Decide the document type from keywords printed on the page.

Scores are sums of keyword weights found in the page text (titles 5, cues 1), matched
fuzzily so a title with one misread letter still counts. The confidence is the winner's
share of the score mass, damped when little evidence was found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml
from rapidfuzz import fuzz

from models import DocType, Line

TITLE_WEIGHT = 5.0
CUE_WEIGHT = 1.0
MIN_SCORE = 3.0


@dataclass(frozen=True)
class Classification:
    doc_type: DocType
    confidence: float
    scores: dict[str, float]
    titled: bool = False


@cache
def keyword_table() -> dict[DocType, tuple[tuple[str, float], ...]]:
    text = resources.files("extractors").joinpath("data/doc_types.yaml").read_text("utf-8")
    table: dict[DocType, tuple[tuple[str, float], ...]] = {}
    for name, groups in yaml.safe_load(text).items():
        entries = [(k, TITLE_WEIGHT) for k in groups.get("titles", [])]
        entries += [(k, CUE_WEIGHT) for k in groups.get("cues", [])]
        table[DocType(name)] = tuple(entries)
    return table


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.upper()).strip()


def _present(keyword: str, text: str) -> bool:
    if keyword in text:
        return True
    if len(keyword) < 8:
        return False
    return fuzz.partial_ratio(keyword, text, score_cutoff=88) > 0


def classify(lines: list[Line]) -> Classification:
    text = normalise("\n".join(line.text for line in lines))
    scores: dict[str, float] = {}
    titled: dict[str, bool] = {}
    for doc_type, keywords in keyword_table().items():
        found = [w for k, w in keywords if _present(k, text)]
        scores[doc_type.value] = sum(found)
        titled[doc_type.value] = TITLE_WEIGHT in found
    best = max(scores, key=lambda k: scores[k])
    top = scores[best]
    if top < MIN_SCORE:
        return Classification(DocType.unknown, 0.0, scores)
    total = sum(scores.values())
    share = top / total if total else 0.0
    evidence = min(1.0, top / (TITLE_WEIGHT + 3 * CUE_WEIGHT))
    return Classification(DocType(best), round(share * evidence, 3), scores, titled[best])
