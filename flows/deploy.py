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

Nothing is decided twice and nothing is lost when a machine goes away:
- `dispatch` hands the workers only the submissions with no decision on exactly their current
  files, imports the list only when it changed, and publishes only when something is new, so a
  second `dispatch` of the same inbox decides and publishes nothing;
- every `intake` run sends a heartbeat every `HEARTBEAT_SECONDS` (the deployment sets
  `PREFECT_FLOWS_HEARTBEAT_FREQUENCY` in the runs' environment), and `deploy` installs an
  automation that marks a run `Crashed` when its heartbeats stop for `SILENT_SECONDS` (a
  machine lost with its worker and flow-run process: Prefect's "zombie flow" recipe);
- `dispatch` resubmits a chunk whose run crashed or failed (a worker killed mid-run), at most
  `ATTEMPTS` runs per chunk, with only its submissions still undecided, and gives up waiting on
  a run that shows no sign of life (state change or heartbeat) for `DEADLINE_SECONDS`: it
  marks it `Crashed` itself and resubmits the chunk.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment
from prefect.events.actions import ChangeFlowRunState
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
from prefect.events.schemas.events import ResourceSpecification
from prefect.exceptions import ObjectNotFound
from prefect.runtime import flow_run as current_run
from prefect.states import Crashed
from prefect.types.entrypoint import EntrypointType
from sqlalchemy import select

from flows.intake import OCR_LIMIT, import_list_task, intake, state_url
from flows.watch import _list_changed, _remember_list
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
HEARTBEAT_SECONDS = 30  # Prefect's minimum (flow_engine.MINIMUM_HEARTBEAT_INTERVAL)
SILENT_SECONDS = 90  # three heartbeats missed: the run's machine is gone
# dispatch's own limit on silence, should the automation not fire: longer than three of
# Prefect's default heartbeats (180 s), for runs of a deployment made before heartbeats were set
DEADLINE_SECONDS = 600
ATTEMPTS = 3  # runs per chunk: the first and two resubmissions
ZOMBIES = "reaktivasi: crash intake runs whose heartbeats stopped"


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
    deployment_id = loaded.deploy(
        name=DEPLOYMENT_NAME,
        work_pool_name=pool,
        build=False,
        push=False,
        entrypoint_type=entrypoint_type,
        # the worker adds these to its own environment for every run it starts
        job_variables={"env": {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(HEARTBEAT_SECONDS)}},
        print_next_steps=False,
        ignore_warnings=True,  # a process pool is the point here, not a local-dev shortcut
    )
    with get_client(sync_client=True) as client:
        ensure_zombie_automation(client, deployment_id)
    return deployment_id


def ensure_zombie_automation(client: SyncPrefectClient, deployment_id: UUID) -> UUID:
    """The automation that marks a run of the deployment `Crashed` once its heartbeats stop
    for `SILENT_SECONDS` (https://docs.prefect.io/v3/advanced/detect-zombie-flows): the run of
    a lost machine then leaves `Running` (or a stuck `Cancelling`) by itself. Only this
    deployment's runs: every other flow run (`dispatch`, `watch-inbox`) sends Prefect's default
    heartbeat, every 180 s, and would be crashed between two. Replaced on every `deploy`, so
    there is exactly one."""
    for old in client.read_automations_by_name(ZOMBIES):
        client.delete_automation(old.id)
    return client.create_automation(
        AutomationCore(
            name=ZOMBIES,
            description="intake runs of reaktivasi send a heartbeat every "
            f"{HEARTBEAT_SECONDS} s; none for {SILENT_SECONDS} s means the machine is gone",
            trigger=EventTrigger(
                after={"prefect.flow-run.heartbeat"},
                expect={
                    "prefect.flow-run.heartbeat",
                    "prefect.flow-run.Completed",
                    "prefect.flow-run.Failed",
                    "prefect.flow-run.Cancelled",
                    "prefect.flow-run.Crashed",
                },
                match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
                match_related=ResourceSpecification(
                    {
                        "prefect.resource.role": "deployment",
                        "prefect.resource.id": f"prefect.deployment.{deployment_id}",
                    }
                ),
                for_each={"prefect.resource.id"},
                posture=Posture.Proactive,
                threshold=1,
                within=timedelta(seconds=SILENT_SECONDS),
            ),
            actions=[
                ChangeFlowRunState(
                    state=StateType.CRASHED,
                    message=f"no heartbeat for {SILENT_SECONDS} s: the machine running it is gone",
                )
            ],
        )
    )


def chunks(ids: list[str], size: int) -> list[list[str]]:
    """Consecutive slices of `size` submissions: each submission lands in exactly one."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, got {size}")
    return [ids[start : start + size] for start in range(0, len(ids), size)]


@dataclass
class Chunk:
    number: int
    submissions: list[str]
    attempt: int = 1
    run: FlowRun | None = None


def last_heartbeat(client: SyncPrefectClient, run_id: UUID, since: datetime) -> datetime | None:
    """When the run last sent a heartbeat (events reach the server a few seconds late)."""
    answer = client.request(
        "POST",
        "/events/filter",
        json={
            "filter": {
                "occurred": {"since": since.isoformat()},
                "event": {"name": ["prefect.flow-run.heartbeat"]},
                "resource": {"id": [f"prefect.flow-run.{run_id}"]},
                "order": "DESC",
            },
            "limit": 1,
        },
    )
    events = answer.raise_for_status().json()["events"]
    return datetime.fromisoformat(events[0]["occurred"]) if events else None


def silent(run: FlowRun, heartbeat: datetime | None, now: datetime, deadline: float) -> bool:
    """A run taken by a worker (Pending, Running, Cancelling) that has shown no sign of life
    — no state change, no heartbeat — for `deadline` seconds. A Scheduled run only waits for a
    free worker, so it is never silent."""
    if run.state is None or run.state.type not in (
        StateType.PENDING,
        StateType.RUNNING,
        StateType.CANCELLING,
    ):
        return False
    signs = [run.state.timestamp, heartbeat]
    latest = max(sign for sign in signs if sign is not None)
    return (now - latest).total_seconds() > deadline


def undecided(engine, ids: list[str], fingerprints: dict[str, str]) -> list[str]:
    """Those of `ids` with no decision on exactly their current files."""
    with engine.connect() as connection:
        decided = dict(
            connection.execute(
                select(decision.c.submission, decision.c.fingerprint).where(
                    decision.c.submission.in_(ids)
                )
            ).all()
        )
    return [i for i in ids if decided.get(i) != fingerprints[i]]


def unpublished(engine) -> int:
    with engine.connect() as connection:
        rows = connection.execute(select(decision.c.submission).where(~decision.c.published))
        return len(rows.all())


@flow(name="dispatch")
def dispatch(
    inbox: str,
    out: str,
    as_of: date,
    deactivation: str | None = None,
    policy_file: Path | None = None,
    chunk: int = CHUNK,
    deployment: str = DEPLOYMENT,
    attempts: int = ATTEMPTS,
    deadline_seconds: float = DEADLINE_SECONDS,
    poll_seconds: float = 2.0,
) -> dict[str, int]:
    """Decide the new submissions of `inbox` on the workers of `deployment`; publish once.

    A submission is new when the state database has no decision on exactly its files. A run
    that crashed, failed or went silent is run again for what it left undecided, at most
    `attempts` runs per chunk."""
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
        changed = _list_changed(engine, deactivation)
        if changed:
            import_list_task(deactivation, engine)
            _remember_list(engine, changed)
        else:
            logger.info("deactivation list unchanged since its last import: not imported again")
    store, prefix = open_location(inbox, settings)
    fingerprints = {s.id: s.fingerprint for s in list_submissions(store, prefix)}
    ids = sorted(fingerprints)
    todo = undecided(engine, ids, fingerprints)
    parts = [Chunk(number, part) for number, part in enumerate(chunks(todo, chunk), start=1)]
    logger.info(
        "%d submissions, %d already decided on the same files, %d in %d flow runs of %s",
        len(ids),
        len(ids) - len(todo),
        len(todo),
        len(parts),
        deployment,
    )
    common: dict[str, Any] = {
        "inbox": inbox,
        "out": out,
        "as_of": as_of.isoformat(),
        "policy_file": str(policy_file) if policy_file else None,
        "publish": False,
    }

    def submit(part: Chunk) -> None:
        suffix = "" if part.attempt == 1 else f"-attempt-{part.attempt}"
        part.run = run_deployment(
            deployment,
            parameters={**common, "only": part.submissions},
            timeout=0,  # create them all now; the workers take them as they free up
            flow_run_name=f"intake-{part.number}-of-{len(parts)}{suffix}",
            # a retried dispatch adds none
            idempotency_key=f"{current_run.get_id()}-{part.number}-{part.attempt}",
        )

    for part in parts:
        submit(part)
    failed = wait_and_resubmit(parts, submit, engine, fingerprints, attempts, deadline_seconds,
                               poll_seconds)  # fmt: skip
    if parts or unpublished(engine):  # what was recorded, even after a failure
        publish(engine, open_location(out, settings)[0])
    else:
        logger.info("nothing new: no decision made, nothing published")
    if failed:
        raise RuntimeError(f"{len(failed)} chunks of {len(parts)} not decided: {failed}")
    with engine.connect() as connection:
        statuses = connection.execute(
            select(decision.c.status).where(decision.c.submission.in_(todo))
        ).scalars()
        counts: dict[str, int] = {}
        for status in statuses:
            counts[status] = counts.get(status, 0) + 1
    return counts


def wait_and_resubmit(
    parts: list[Chunk],
    submit,
    engine,
    fingerprints: dict[str, str],
    attempts: int,
    deadline_seconds: float,
    poll_seconds: float,
) -> list[str]:
    """Poll until every chunk's run is final; run a crashed, failed or silent chunk again for
    what it left undecided (bounded by `attempts`). Returns the runs given up on."""
    logger = get_run_logger()
    waiting = {part.run.id: part for part in parts if part.run is not None}
    failed: list[str] = []
    with get_client(sync_client=True) as client:
        while waiting:
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=list(waiting))),
                limit=len(waiting),
            )
            now = datetime.now(UTC)
            for run in runs:
                part = waiting[run.id]
                state = run.state
                if state is not None and state.is_final():
                    del waiting[run.id]
                    if state.is_completed():
                        continue
                    left = undecided(engine, part.submissions, fingerprints)
                    retry = state.type in (StateType.CRASHED, StateType.FAILED)
                    if left and retry and part.attempt < attempts:
                        logger.warning(
                            "%s ended %s (%s): %d of its submissions run again",
                            run.name,
                            state.name,
                            (state.message or "")[:200],
                            len(left),
                        )
                        part.submissions, part.attempt = left, part.attempt + 1
                        submit(part)
                        waiting[part.run.id] = part
                    elif left:
                        failed.append(f"{run.name} ({state.name})")
                    continue
                if not silent(run, None, now, deadline_seconds):
                    continue  # taken or changed state lately: no need to ask for heartbeats
                since = now - timedelta(seconds=deadline_seconds)
                if silent(run, last_heartbeat(client, run.id, since), now, deadline_seconds):
                    logger.warning(
                        "%s: no heartbeat or state change for %.0f s; marking it crashed",
                        run.name,
                        deadline_seconds,
                    )
                    client.set_flow_run_state(
                        run.id,
                        Crashed(message=f"dispatch: no sign of life for {deadline_seconds:.0f} s"),
                        force=True,
                    )  # seen as Crashed on the next poll, and resubmitted
            if waiting:
                time.sleep(poll_seconds)
    return failed
