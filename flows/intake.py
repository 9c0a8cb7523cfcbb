"""The `intake` flow: an inbox of submissions → documents read in parallel → decide → route.

Wiring only: every rule lives in `pipeline`. Reading a submission is a task with retries (a
storage hiccup is retried, a bad file is not an error: it becomes a warning). Nothing is read
twice: extractions are kept by content hash + pipeline version in the state database, so a
rerun after a crash picks up where the last run stopped. Inbox and output are locations — a
folder or `s3://bucket/prefix` — so the same flow serves a scanner folder and a bucket.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path, PurePosixPath

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.concurrency.sync import concurrency
from prefect.settings import get_current_settings
from prefect.task_runners import ThreadPoolTaskRunner
from sqlalchemy import Engine

from extractors.nik import mask_nik
from models import Submission
from pipeline.cases.corrections import apply_corrections, stored_corrections
from pipeline.cases.deactivation_list import import_list
from pipeline.cases.decide import decide_with_list
from pipeline.cases.policy import load_policy
from pipeline.cases.route import decided_by_people, record, route, status_counts
from pipeline.cases.submissions import InboxSubmission, assemble, list_submissions, read_file
from pipeline.config import get_settings
from pipeline.state import engine_for, state_url
from pipeline.storage import open_location

OCR_LIMIT = "ocr"  # the global concurrency limit `reaktivasi deploy` creates: slots = all cores


@contextmanager
def ocr_slot() -> Iterator[None]:
    """Hold one slot of the global `ocr` limit while a file is read, so machines sharing a
    Prefect server never run more Tesseracts than the cores counted in the limit.

    Only against a real server: in ephemeral mode (`reaktivasi process`) there is one machine,
    the task runner already bounds it, and a missing limit would only log a warning per file.
    A server without the limit does not block either (Prefect skips a missing limit).
    """
    if not get_current_settings().api.url:
        yield
        return
    with concurrency(OCR_LIMIT, occupy=1, strict=False):
        yield


@task(name="read-submission", retries=3, retry_delay_seconds=[2, 10, 30], cache_policy=NO_CACHE)
def read_submission_task(found: InboxSubmission, inbox: str, out: str) -> Submission:
    """One task per submission: Prefect's per-task bookkeeping stays small beside OCR."""
    settings = get_settings()
    inbox_store, prefix = open_location(inbox, settings)
    out_store, _ = open_location(out, settings)
    engine = engine_for(state_url(out, settings))
    read = []
    for key in found.keys:
        with ocr_slot():
            read.append(
                read_file(inbox_store, key, key[len(prefix) :], settings, engine, out_store)
            )
    return assemble(found.id, read)


@task(name="import-list", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def import_list_task(deactivation: str, engine: Engine) -> None:
    """Replace the deactivation list from a file or an S3 object."""
    logger = get_run_logger()
    if deactivation.startswith("s3://"):
        store, key = open_location(deactivation, get_settings())
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / PurePosixPath(key.rstrip("/")).name
            path.write_bytes(store.get(key.rstrip("/")))
            report = import_list(path, engine)
    else:
        report = import_list(Path(deactivation), engine)
    logger.info(
        "deactivation list: %d rows imported, %d rejected", report.imported, len(report.rejected)
    )
    for row, problem in report.rejected[:20]:
        logger.warning("list row %d rejected: %s", row, problem)


@flow(name="intake", task_runner=ThreadPoolTaskRunner(max_workers=get_settings().concurrency))
def intake(
    inbox: str,
    out: str,
    as_of: date,
    deactivation: str | None = None,
    policy_file: Path | None = None,
    only: list[str] | None = None,
    publish: bool = True,
) -> dict[str, int]:
    """Decide the submissions of `inbox` (all, or those named in `only`); outputs go to `out`.

    Without `deactivation` the list already in the state database is used. `publish=False`
    only records the decisions: `dispatch` fans a batch out over many runs and publishes once.
    """
    logger = get_run_logger()
    settings = get_settings()
    engine = engine_for(state_url(out, settings))
    if deactivation:
        import_list_task(deactivation, engine)
    policy = load_policy(policy_file)
    inbox_store, prefix = open_location(inbox, settings)
    found = [s for s in list_submissions(inbox_store, prefix) if only is None or s.id in only]
    futures = [read_submission_task.submit(s, inbox, out) for s in found]
    submissions = {}
    for s, future in zip(found, futures, strict=True):
        try:
            submissions[s.id] = future.result()
        except Exception as exc:  # one submission never takes the batch down
            logger.error(
                "%s could not be read (%s); it is left undecided and read again next run",
                s.id,
                type(exc).__name__,
            )
    fingerprints = {s.id: s.fingerprint for s in found}
    kept = decided_by_people(engine, fingerprints)
    fixes = stored_corrections(engine, submissions)
    decisions = [
        decide_with_list(engine, apply_corrections(s, fixes.get(s.id, [])), policy, as_of)
        for s in submissions.values()
        if s.id not in kept
    ]
    for d in decisions:
        logger.info(
            "%s: %s %s (NIK %s)",
            d.submission,
            d.status.value,
            ",".join(r.code.value for r in d.reasons) or "-",
            mask_nik(d.nik) if d.nik else "none",
        )
    if not publish:
        record(decisions, submissions, engine, fingerprints)
        return status_counts(decisions)
    out_store, _ = open_location(out, settings)
    return route(decisions, submissions, out_store, engine, fingerprints)
