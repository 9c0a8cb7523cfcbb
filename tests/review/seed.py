"""A small state database for the review tests: generated submissions read by real OCR.

Two submissions from `fixtures.submissions`: an urgent complete one and one whose NIK is one
digit away from the list entry (a near match for a reviewer). The urgent one is then made to
need a reviewer the way a bad photo does: its letter's NIK is stored as misread by one digit,
at low confidence. Correcting that NIK back is the acceptance flow's job.

    python -m tests.review.seed --out out/review-demo   # then: reaktivasi review serve --out ...
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from faker import Faker
from sqlalchemy import Engine, select, update

import review.tables  # noqa: F401  (the review tables are created with the others)
from fixtures.submissions import SCENARIOS, make_submission, write_list
from models import DocType, Status
from models.tables import document
from pipeline.cases.deactivation_list import import_list
from pipeline.cases.decide import decide_with_list
from pipeline.cases.policy import Policy
from pipeline.cases.route import route
from pipeline.cases.submissions import assemble, list_submissions, read_file
from pipeline.config import Settings, get_settings
from pipeline.state import engine_for
from pipeline.storage import LocalStorage

SEED = 606
AS_OF = "2026-03-01"
WANTED = ("complete_urgent", "near_nik_on_list")


@dataclass
class Seeded:
    out: Path
    state_url: str
    urgent: str  # submission id of the urgent case needing review
    true_nik: str  # the NIK printed on its letter
    misread_nik: str  # what the "OCR" read instead
    near: str  # submission id of the near-match case


def one_digit_off(nik: str) -> str:
    """The NIK with one middle digit changed, as a smudged photo gives it."""
    i = 13
    return nik[:i] + str((int(nik[i]) + 3) % 10) + nik[i + 1 :]


def seed(root: Path, settings: Settings | None = None) -> Seeded:
    root.mkdir(parents=True, exist_ok=True)
    inbox, out = root / "inbox", root / "out"
    settings = settings or get_settings().model_copy(
        update={"ocr_cache_dir": root / "ocr-cache", "concurrency": 1}
    )
    fake = Faker("id_ID")
    made = []
    for index, name in enumerate(WANTED, start=1):
        scenario = next(s for s in SCENARIOS if s.name == name)
        made.append(make_submission(SEED, index, scenario, fake, inbox, scan_no=index))
    write_list(
        [{"NO": str(i), **row} for i, row in enumerate((r for m in made for r in m.list_rows), 1)],
        root / "deactivation.csv",
        root / "deactivation.xlsx",
    )
    url = f"sqlite:///{(out / 'state.sqlite').resolve()}"
    out.mkdir(parents=True, exist_ok=True)
    engine = engine_for(url)
    import_list(root / "deactivation.csv", engine)
    storage, inbox_store = LocalStorage(out), LocalStorage(inbox)
    submissions = {}
    fingerprints = {}
    for found in list_submissions(inbox_store):
        read = [read_file(inbox_store, k, k, settings, engine, storage) for k in found.keys]
        submissions[found.id] = assemble(found.id, read)
        fingerprints[found.id] = found.fingerprint

    urgent = next(m for m in made if m.scenario.name == "complete_urgent")
    near = next(m for m in made if m.scenario.name == "near_nik_on_list")
    policy = Policy()
    as_of = date.fromisoformat(AS_OF)

    def decided(submission):
        return decide_with_list(engine, submission, policy, as_of)

    clean = decided(submissions[urgent.submission])
    if clean.status is not Status.ready:
        raise RuntimeError(
            f"OCR did not read the urgent case cleanly ({clean.status}, "
            f"{[r.code for r in clean.reasons]}, {clean.review_notes}); the seed needs another "
            "draw"
        )
    misread = one_digit_off(urgent.applicant.nik)
    letter = next(
        d for d in submissions[urgent.submission].documents if d.doc_type is DocType.faskes_letter
    )
    letter.fields["nik"] = letter.fields["nik"].model_copy(
        update={"value": misread, "confidence": 0.41}
    )
    _store_misread(engine, letter.sha256, misread)
    decisions = [decided(s) for s in submissions.values()]
    route(decisions, submissions, storage, engine, fingerprints)
    result = Seeded(
        out=out,
        state_url=url,
        urgent=urgent.submission,
        true_nik=urgent.applicant.nik,
        misread_nik=misread,
        near=near.submission,
    )
    (root / "seeded.json").write_text(json.dumps({**result.__dict__, "out": str(out)}))
    return result


def _store_misread(engine: Engine, sha256: str | None, misread: str) -> None:
    with engine.begin() as connection:
        row = connection.execute(
            select(document.c.pipeline_version, document.c.extractions).where(
                document.c.sha256 == sha256
            )
        ).first()
        extractions = row.extractions
        for extraction in extractions:
            if extraction["doc_type"] == DocType.faskes_letter.value:
                extraction["fields"]["nik"]["value"] = misread
                extraction["fields"]["nik"]["confidence"] = 0.41
        connection.execute(
            update(document)
            .where(document.c.sha256 == sha256)
            .values(extractions=json.loads(json.dumps(extractions)))
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    seeded = seed(args.out)
    print(json.dumps({**seeded.__dict__, "out": str(seeded.out)}, indent=1))


if __name__ == "__main__":
    main()
