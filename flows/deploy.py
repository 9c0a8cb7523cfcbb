"""Many machines through Prefect's own distribution: a deployment, a work pool, a dispatcher.

`deploy` registers `intake` on a *process* work pool: every machine runs
`prefect worker start --pool reaktivasi --type process --limit 1` in the project's venv and
picks up flow runs from the shared Prefect server. No images: by default the deployment names
the flow by module path (`flows.intake.intake`), which every machine already has installed;
`source` (a checkout path or a git URL) makes the workers load the flow from there instead.

`dispatch` is a flow run on the operator's machine. It imports the deactivation list once, lists
the inbox, creates one `intake` sub-flow run per chunk of submissions with `run_deployment`
(each run records its decisions and publishes nothing), waits for them, then publishes once
from the decision table. A submission is in exactly one chunk, so it is decided by exactly one
run; a document shared across chunks is read once because extractions are kept by content
hash in the state database, which every machine must share (`REAKTIVASI_STATE_URL`).

The global concurrency limit `ocr` (slots = the cores of all machines) is taken around each
file's reading (`flows.intake.ocr_slot`).
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.runtime import flow_run as current_run
from prefect.types.entrypoint import EntrypointType
from sqlalchemy import select

from flows.intake import OCR_LIMIT, import_list_task, intake, state_url
from models.tables import decision
from pipeline.cases.route import publish
from pipeline.cases.submissions import list_submissions
from pipeline.config import get_settings
from pipeline.state import engine_for
from pipeline.storage import open_location

POOL = "reaktivasi"
DEPLOYMENT_NAME = "intake"
DEPLOYMENT = f"intake/{DEPLOYMENT_NAME}"  # "<flow name>/<deployment name>"
CHUNK = 20  # submissions per flow run: ~1 min of OCR on 2 cores beside ~5 s of run start-up


def ensure_pool(client: SyncPrefectClient, pool: str) -> None:
    """Create the process work pool with Prefect's default job template unless it exists."""
    from prefect.workers.process import ProcessWorker

    try:
        client.read_work_pool(pool)
    except ObjectNotFound:
        template = ProcessWorker.get_default_base_job_template()
        client.create_work_pool(
            WorkPoolCreate(name=pool, type="process", base_job_template=template)
        )


def deploy(ocr_slots: int, pool: str = POOL, source: str | None = None) -> UUID:
    """The work pool, the `ocr` limit (created or resized) and the `intake` deployment.

    Idempotent: run it again after adding a machine, with the new total of cores.
    """
    with get_client(sync_client=True) as client:
        ensure_pool(client, pool)
        client.upsert_global_concurrency_limit_by_name(OCR_LIMIT, ocr_slots)
    if source:
        loaded = flow.from_source(source, entrypoint="flows/intake.py:intake")
        entrypoint_type = EntrypointType.FILE_PATH
    else:
        loaded, entrypoint_type = intake, EntrypointType.MODULE_PATH
    return loaded.deploy(
        name=DEPLOYMENT_NAME,
        work_pool_name=pool,
        build=False,
        push=False,
        entrypoint_type=entrypoint_type,
        print_next_steps=False,
        ignore_warnings=True,  # a process pool is the point here, not a local-dev shortcut
    )


def chunks(ids: list[str], size: int) -> list[list[str]]:
    """Consecutive slices of `size` submissions: each submission lands in exactly one."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, got {size}")
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def wait_for(run_ids: list[UUID], poll_seconds: float = 2.0) -> list[FlowRun]:
    """Poll the server until every run is final (no timeout: a big batch takes hours)."""
    with get_client(sync_client=True) as client:
        while True:
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=run_ids)),
                limit=len(run_ids),
            )
            if len(runs) == len(run_ids) and all(r.state and r.state.is_final() for r in runs):
                return runs
            time.sleep(poll_seconds)


@flow(name="dispatch")
def dispatch(
    inbox: str,
    out: str,
    as_of: date,
    deactivation: str | None = None,
    policy_file: Path | None = None,
    chunk: int = CHUNK,
    deployment: str = DEPLOYMENT,
) -> dict[str, int]:
    """Decide every submission of `inbox` on the workers of `deployment`; publish once."""
    logger = get_run_logger()
    settings = get_settings()
    if not settings.state_url:
        logger.warning(
            "REAKTIVASI_STATE_URL is unset: the workers share the state database only if "
            "they share the folder %s",
            out,
        )
    engine = engine_for(state_url(out, settings))
    if deactivation:  # once, here: an import in every run would race with the lookups
        import_list_task(deactivation, engine)
    store, prefix = open_location(inbox, settings)
    ids = [s.id for s in list_submissions(store, prefix)]
    parts = chunks(ids, chunk)
    logger.info("%d submissions in %d flow runs of %s", len(ids), len(parts), deployment)
    common: dict[str, Any] = {
        "inbox": inbox,
        "out": out,
        "as_of": as_of.isoformat(),
        "policy_file": str(policy_file) if policy_file else None,
        "publish": False,
    }
    runs = [
        run_deployment(
            deployment,
            parameters={**common, "only": part},
            timeout=0,  # create them all now; the workers take them as they free up
            flow_run_name=f"intake-{number}-of-{len(parts)}",
            idempotency_key=f"{current_run.get_id()}-{number}",  # a retried dispatch adds none
        )
        for number, part in enumerate(parts, start=1)
    ]
    finished = wait_for([r.id for r in runs]) if runs else []
    failed = [r.name for r in finished if r.state is None or not r.state.is_completed()]
    publish(engine, open_location(out, settings)[0])  # what was recorded, even after a failure
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(runs)} intake runs did not complete: {failed}")
    with engine.connect() as connection:
        statuses = connection.execute(
            select(decision.c.status).where(decision.c.submission.in_(ids))
        ).scalars()
        counts: dict[str, int] = {}
        for status in statuses:
            counts[status] = counts.get(status, 0) + 1
    return counts
