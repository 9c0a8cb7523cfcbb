"""A controlled case without OCR, for the fast tests: extractions built from generated people.

One urgent submission (letter, KTP, KK) whose letter NIK was "misread" one digit off at low
confidence, decided by the real `decide` against a one-row deactivation list, and routed by
the real `route`. A page image is put in storage where the review screen looks for it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from faker import Faker
from PIL import Image
from sqlalchemy import insert

import review.tables  # noqa: F401
from models import Box, DocType, Extraction, Field, Member, Submission
from models.tables import deactivation
from pipeline.cases.deactivation_list import candidates, lookup, name_key
from pipeline.cases.decide import decide
from pipeline.cases.policy import Policy
from pipeline.cases.route import route
from pipeline.cases.submissions import store_extractions
from pipeline.state import engine_for
from pipeline.storage import LocalStorage
from review.pages import page_key

AS_OF = date(2026, 3, 1)


@dataclass
class Crafted:
    out: Path
    state_url: str
    submission: str
    nik: str
    misread: str
    letter_sha: str


def _field(name: str, value: str | None, confidence: float = 0.93, top: int = 100) -> Field:
    box = Box(left=120, top=top, width=300, height=30)
    return Field(name=name, value=value, confidence=confidence, page=1, boxes=[box])


def craft(out: Path, seed: int = 11) -> Crafted:
    fake = Faker("id_ID")
    fake.seed_instance(seed)
    name = fake.name().upper()
    nik = "3201014507890003"
    misread = nik[:13] + "5" + nik[14:]
    letter_sha, ktp_sha, kk_sha = (f"{c}" * 64 for c in "abc")
    letter = Extraction(
        source="wa-1/IMG-1.jpg",
        sha256=letter_sha,
        doc_type=DocType.faskes_letter,
        doc_type_confidence=0.9,
        fields={
            "nik": _field("nik", misread, 0.41, 100),
            "name": _field("name", name, top=150),
            "birth_date": _field("birth_date", "1989-07-05", top=200),
            "register_number": _field("register_number", "RM-00123456", top=250),
            "diagnosis": _field("diagnosis", "CKD stage V on HD rutin", top=300),
            "icd10": _field("icd10", "N18.5", top=350),
            "priority_category": _field("priority_category", "gagal_ginjal", top=400),
            "facility_name": _field("facility_name", "RSUD SAMBAS", top=450),
            "letter_date": _field("letter_date", "2026-02-12", top=500),
        },
    )
    ktp = Extraction(
        source="wa-1/IMG-2.jpg",
        sha256=ktp_sha,
        doc_type=DocType.ktp,
        doc_type_confidence=0.9,
        fields={
            "nik": _field("nik", nik),
            "name": _field("name", name, top=150),
            "birth_date": _field("birth_date", "1989-07-05", top=200),
        },
    )
    kk = Extraction(
        source="wa-1/IMG-3.jpg",
        sha256=kk_sha,
        doc_type=DocType.kk,
        doc_type_confidence=0.9,
        fields={
            "kk_number": _field("kk_number", "3201012001090004"),
            "head_name": _field("head_name", name, top=150),
            "village": _field("village", "SUKAMAJU", top=200),
            "district": _field("district", "CIBINONG", top=250),
        },
        members=[Member(nik=nik, name=name, gender="P", birth_date="1989-07-05")],
    )
    submission = Submission(id="wa-1", documents=[letter, ktp, kk])
    out.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{(out / 'state.sqlite').resolve()}"
    engine = engine_for(url)
    with engine.begin() as connection:
        connection.execute(
            insert(deactivation).values(
                nik=nik,
                name=name,
                name_key=name_key(name),
                birth_date=date(1989, 7, 5),
                district="CIBINONG",
                deactivated_on=date(2026, 1, 1),
            )
        )
    for doc in submission.documents:
        store_extractions(engine, doc.sha256 or "", [doc])
    decision = decide(
        submission,
        Policy(),
        AS_OF,
        lambda n: lookup(engine, n),
        lambda n, nm, b: candidates(engine, n, nm, b),
    )
    storage = LocalStorage(out)
    route([decision], {submission.id: submission}, storage, engine)
    buffer = io.BytesIO()
    Image.new("L", (800, 600), 255).save(buffer, "PNG")
    for doc in submission.documents:
        storage.put(page_key(doc.sha256 or "", 1), buffer.getvalue())
    return Crafted(out, url, submission.id, nik, misread, letter_sha)
