"""The `intake` flow: an inbox of submissions → documents read in parallel → decide → route.

Wiring only: every rule lives in `pipeline`. Reading a file is a task with retries (a storage
hiccup is retried, a bad file is not an error: it becomes a warning). Nothing is read twice:
extractions are kept by content hash in the state database, so a rerun after a crash picks up
where the last run stopped.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from extractors.nik import mask_nik
from models import Submission
from pipeline.config import get_settings
from pipeline.deactivation_list import candidates, import_list, lookup
from pipeline.decide import decide
from pipeline.policy import load_policy
from pipeline.route import route
from pipeline.state import engine_for
from pipeline.storage import LocalStorage
from pipeline.submissions import assemble, list_submissions, read_file


@task(name="read-submission", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def read_submission_task(
    submission_id: str, files: list[Path], inbox: Path, out: Path
) -> Submission:
    """One task per submission: Prefect's per-task bookkeeping stays small beside OCR."""
    settings = get_settings()
    engine, storage = engine_for(_state_url(out)), LocalStorage(out)
    read = [
        read_file(path, str(path.relative_to(inbox)), settings, engine, storage) for path in files
    ]
    return assemble(submission_id, read)


def _state_url(out: Path) -> str:
    settings = get_settings()
    return settings.state_url or f"sqlite:///{(out / 'state.sqlite').resolve()}"


@flow(name="intake", task_runner=ThreadPoolTaskRunner(max_workers=get_settings().concurrency))
def intake(
    inbox: Path,
    deactivation: Path,
    out: Path,
    as_of: date,
    policy_file: Path | None = None,
) -> dict[str, int]:
    """Decide every submission of `inbox`; write decisions and their outputs under `out`."""
    logger = get_run_logger()
    out.mkdir(parents=True, exist_ok=True)
    engine = engine_for(_state_url(out))
    report = import_list(deactivation, engine)
    logger.info(
        "deactivation list: %d rows imported, %d rejected", report.imported, len(report.rejected)
    )
    for row, problem in report.rejected[:20]:
        logger.warning("list row %d rejected: %s", row, problem)
    policy = load_policy(policy_file)
    found = list_submissions(inbox)
    futures = [read_submission_task.submit(sub_id, files, inbox, out) for sub_id, files in found]
    submissions: dict[str, Submission] = {f.result().id: f.result() for f in futures}
    decisions = [
        decide(
            s,
            policy,
            as_of,
            lambda nik: lookup(engine, nik),
            lambda nik, name, born: candidates(engine, nik, name, born),
        )
        for s in submissions.values()
    ]
    for d in decisions:
        logger.info(
            "%s: %s %s (NIK %s)",
            d.submission,
            d.status.value,
            ",".join(r.code.value for r in d.reasons) or "-",
            mask_nik(d.nik) if d.nik else "none",
        )
    return route(decisions, submissions, LocalStorage(out), engine)
