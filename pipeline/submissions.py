"""Submissions: the sub-folders of an inbox, read once and kept by content hash.

Each file's bytes are hashed and copied to `originals/<sha256>` before anything else
happens. Its extraction is stored in the state database under (sha256, pipeline version),
so the same photo sent twice — in one submission or on a rerun after a crash — is read once.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from models import Extraction, Submission
from models.tables import document
from pipeline.batch import SKIPPED_SUFFIXES
from pipeline.config import Settings
from pipeline.extract import extract_file
from pipeline.storage import Storage

PIPELINE_VERSION = "2026.11.1"
log = logging.getLogger(__name__)


def list_submissions(inbox: Path) -> list[tuple[str, list[Path]]]:
    """(submission id, its files) for every immediate sub-folder of `inbox`, sorted."""
    found = []
    for folder in sorted(p for p in inbox.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = sorted(
            p
            for p in folder.rglob("*")
            if p.is_file()
            and not p.name.startswith(".")
            and p.suffix.lower() not in SKIPPED_SUFFIXES
        )
        found.append((folder.name, files))
    return found


def cached_extractions(engine: Engine, sha256: str) -> list[Extraction] | None:
    with engine.connect() as connection:
        row = connection.execute(
            select(document.c.extractions).where(
                document.c.sha256 == sha256, document.c.pipeline_version == PIPELINE_VERSION
            )
        ).first()
    return [Extraction.model_validate(e) for e in row[0]] if row else None


def store_extractions(engine: Engine, sha256: str, extractions: list[Extraction]) -> None:
    values = {
        "sha256": sha256,
        "pipeline_version": PIPELINE_VERSION,
        "extractions": [e.model_dump(mode="json") for e in extractions],
        "created_at": datetime.now(UTC),
    }
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(sqlite_insert(document).values(values).on_conflict_do_nothing())
        else:
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            connection.execute(pg_insert(document).values(values).on_conflict_do_nothing())


def read_file(
    path: Path, source: str, settings: Settings, engine: Engine, storage: Storage
) -> tuple[str, list[Extraction]]:
    """Keep the original, then extract — or reuse the stored extraction of the same bytes."""
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    key = f"originals/{sha256}"
    if not storage.exists(key):
        storage.put(key, data)
    cached = cached_extractions(engine, sha256)
    if cached is not None:
        return sha256, [e.model_copy(update={"source": source}) for e in cached]
    extractions = extract_file(path, source, settings)
    store_extractions(engine, sha256, extractions)
    return sha256, extractions


def assemble(submission_id: str, read: list[tuple[str, list[Extraction]]]) -> Submission:
    """One submission from its files' extractions; a file whose bytes repeat is dropped."""
    seen: set[str] = set()
    submission = Submission(id=submission_id)
    for sha256, extractions in read:
        if sha256 in seen:
            submission.duplicates.extend(e.source for e in extractions[:1])
            continue
        seen.add(sha256)
        submission.documents.extend(extractions)
    return submission
