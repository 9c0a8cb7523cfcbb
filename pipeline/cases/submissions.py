"""Submissions: the sub-folders of an inbox, read once and kept by content hash.

Each file's bytes are hashed and copied to `originals/<sha256>` before anything else
happens. Its extraction is stored in the state database under (sha256, pipeline version),
so the same photo sent twice — in one submission or on a rerun after a crash — is read once.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath

from sqlalchemy import Engine, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from models import Extraction, Notice, Submission
from models.tables import document
from pipeline.config import Settings
from pipeline.errors import IngestError, UnsafeFileName
from pipeline.reading.batch import SKIPPED_SUFFIXES
from pipeline.reading.extract import extract_data, failed
from pipeline.storage import Storage, UnsafeKey

PIPELINE_VERSION = "2026.12.1"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboxSubmission:
    """One submission as listed: its object keys and a fingerprint of (key, size) pairs.

    The fingerprint changes when a file is added or replaced, so a citizen who sends the
    missing document later gets a fresh decision.
    """

    id: str
    keys: tuple[str, ...]
    fingerprint: str


def list_submissions(store: Storage, prefix: str = "") -> list[InboxSubmission]:
    """Every `<prefix><submission>/...` group of documents, sorted by submission id."""
    grouped: dict[str, dict[str, int]] = {}
    for key, size in store.sizes(prefix).items():
        parts = PurePosixPath(key[len(prefix) :]).parts
        if len(parts) < 2 or any(part.startswith(".") for part in parts):
            continue
        if PurePosixPath(key).suffix.lower() in SKIPPED_SUFFIXES:
            continue
        grouped.setdefault(parts[0], {})[key] = size
    return [
        InboxSubmission(
            id=sub_id,
            keys=tuple(sorted(files)),
            fingerprint=hashlib.sha256(
                "".join(f"{k}\0{files[k]}\n" for k in sorted(files)).encode()
            ).hexdigest(),
        )
        for sub_id, files in sorted(grouped.items())
    ]


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
    inbox: Storage, key: str, source: str, settings: Settings, engine: Engine, out: Storage
) -> tuple[str, list[Extraction]]:
    """Keep the original, then extract — or reuse the stored extraction of the same bytes.

    Nothing is read or copied before it is known to be a regular file inside the inbox and
    no larger than `max_file_bytes`: a link to `/proc/self/environ` or a 4 GiB file gets a
    warning and never reaches `originals/`."""
    try:
        data = inbox.get(key, limit=settings.max_file_bytes)
    except UnsafeKey:  # `..` or a backslash in an object key: never followed
        log.warning("refused object key in submission %s", source.split("/")[0])
        notice = Notice(code=UnsafeFileName.code, message="the file name is not acceptable")
        return hashlib.sha256(key.encode()).hexdigest(), [failed(source, notice)]
    except IngestError as exc:  # a link, a FIFO, a file too large: refused before reading
        log.warning("%s: %s (%s)", source, exc.message, exc.code)
        notice = Notice(code=exc.code, message=exc.message)
        return hashlib.sha256(key.encode()).hexdigest(), [failed(source, notice)]
    sha256 = hashlib.sha256(data).hexdigest()
    original = f"originals/{sha256}"
    if not out.exists(original):
        out.put(original, data)
    cached = cached_extractions(engine, sha256)
    if cached is not None:
        return sha256, [e.model_copy(update={"source": source}) for e in cached]
    log.info("reading %s (%s…)", source, sha256[:12])
    extractions = extract_data(data, source, settings)
    store_extractions(engine, sha256, extractions)
    log.info("read %s…", sha256[:12])
    return sha256, extractions


def stored_submission(engine: Engine, submission_id: str, sha256s: list[str]) -> Submission:
    """A decided submission rebuilt from its stored extractions (for exports and review).

    The current pipeline's reading of a file wins over an older one of the same bytes;
    documents come in file-name order, the order `process` read them in.
    """
    with engine.connect() as connection:
        rows = connection.execute(
            select(document.c.sha256, document.c.pipeline_version, document.c.extractions).where(
                document.c.sha256.in_(sha256s)
            )
        ).all()
    by_hash: dict[str, list[dict]] = {}
    for sha256, version, extractions in rows:
        if sha256 not in by_hash or version == PIPELINE_VERSION:
            by_hash[sha256] = extractions
    documents = [
        Extraction.model_validate({**e, "sha256": e.get("sha256") or sha256})
        for sha256, extractions in by_hash.items()
        for e in extractions
    ]
    documents.sort(key=lambda e: (e.source, e.page))
    return Submission(id=submission_id, documents=documents)


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
