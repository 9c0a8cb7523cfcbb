"""Decide the document type from keywords printed on the page.

Scores are sums of keyword weights found in the page text (titles 5, cues 1, cues that other
papers print too 0.5 — every form has `Agama` and `Pekerjaan`). Titles are matched line by
line, fuzzily, so a title with one misread letter still counts; cues as whole words (`SIP` is
not in `SIPIL`). The confidence is the winner's share of the score mass, damped when little
evidence was found: a page titled as its type is evidence enough; without a title (a resume,
a letter headed only by its addressee), five of its cues are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise

import yaml
from rapidfuzz import fuzz

from extractors.letter_parts import without_addressee
from models import DocType, Line

TITLE_WEIGHT = 5.0
CUE_WEIGHT = 1.0
SHARED_CUE_WEIGHT = 0.5
MIN_SCORE = 3.0
UNTITLED_EVIDENCE = 5.0  # cue weight that identifies a page without its title
TITLE_MATCH = 92.0  # fuzz.ratio of a title against the start of a line


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
        entries += [(k, SHARED_CUE_WEIGHT) for k in groups.get("shared_cues", [])]
        table[DocType(name)] = tuple(entries)
    return table


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.upper()).strip()


def _title_score(title: str, lines: list[str]) -> float:
    """0..100: how well a title is printed on some line (a title stands on a line of its own
    or begins it; fuzzy so one misread letter still counts, whole-line so that "SURAT
    KETERANGAN MISKIN" is not taken for "SURAT KETERANGAN MEDIS")."""
    best = 0.0
    for line in lines:
        if title in line:
            return 100.0
        best = max(best, fuzz.ratio(title, line[: len(title) + 2]))
    # A title broken over two lines by a crooked scan ("1 SEUMUR" / "HIDUP."): exact only.
    if any(title in f"{a} {b}" for a, b in pairwise(lines)):
        return 100.0
    return best


@cache
def _whole(cue: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Z0-9]){re.escape(cue)}(?![A-Z0-9])")


def _cue_present(cue: str, text: str) -> bool:
    if _whole(cue).search(text):
        return True
    return len(cue) >= 10 and fuzz.partial_ratio(cue, text, score_cutoff=92) > 0


def classify(lines: list[Line]) -> Classification:
    texts = [normalise(line.text) for line in lines]
    # Cues of the addressee block (`Kepada Yth. Kepala Desa …`) name the reader, not the writer.
    text = "\n".join(normalise(line.text) for line in without_addressee(lines))
    scores: dict[str, float] = {}
    titled: dict[str, bool] = {}
    for doc_type, keywords in keyword_table().items():
        score = 0.0
        title_best = 0.0
        for keyword, weight in keywords:
            if weight == TITLE_WEIGHT:
                title_best = max(title_best, _title_score(keyword, texts))
            elif _cue_present(keyword, text):
                score += weight
        titled[doc_type.value] = title_best >= TITLE_MATCH
        if titled[doc_type.value]:
            score += TITLE_WEIGHT * title_best / 100
        scores[doc_type.value] = round(score, 2)
    best = max(scores, key=lambda k: scores[k])
    top = scores[best]
    if top < MIN_SCORE:
        return Classification(DocType.unknown, 0.0, scores)
    total = sum(scores.values())
    share = top / total if total else 0.0
    evidence = 1.0 if titled[best] else min(1.0, top / UNTITLED_EVIDENCE)
    doc_type = DocType(best)
    titled_page = titled[best] or (doc_type in LETTERS and _generic_heading(texts))
    return Classification(doc_type, round(share * evidence, 3), scores, titled_page)


# A letter's heading when it names no kind ("SURAT KETERANGAN" alone on its line): too
# generic to tell a faskes letter from an SKTM, but only a first page carries it, so a
# scanner PDF still splits there.
GENERIC_HEADINGS = frozenset({"SURAT KETERANGAN"})
LETTERS = frozenset({DocType.faskes_letter, DocType.sktm})


def _generic_heading(texts: list[str]) -> bool:
    return any(text.strip(" .:|-") in GENERIC_HEADINGS for text in texts)
