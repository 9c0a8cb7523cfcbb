"""Many machines, played on one: a real Prefect server on 127.0.0.1 (its own SQLite under a
temporary PREFECT_HOME), two real process workers, `reaktivasi deploy` and `reaktivasi
dispatch` as an operator runs them, real Tesseract. The batch must be decided exactly as the
generator's truth, each submission by exactly one flow run, by both workers, reading no
document twice — checked from the state database and from the server's own records."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from models.tables import decision
from pipeline.cases.submissions import list_submissions
from pipeline.config import get_settings
from pipeline.state import engine_for
from pipeline.storage import open_location
from tests.flows.conftest import lines

pytestmark = pytest.mark.slow

SEED, COUNT = 2, 4
WORKERS = ("w1", "w2")
PREFECT = Path(sys.executable).with_name("prefect")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Processes:
    """Long-running children in their own process groups, output to files; `stop` ends every
    group (SIGTERM, then SIGKILL), so a flow run a worker started goes with it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.children: list[subprocess.Popen] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("w")
        child = subprocess.Popen(
            args, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.children.append(child)
        return child

    def output(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for child in self.children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in self.children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()


def wait_healthy(api_url: str, server: subprocess.Popen, seconds: float = 120) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"prefect server exited with {server.returncode}")
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"prefect server not healthy within {seconds:.0f} s")


def logging_settings(folder: Path) -> Path:
    """Prefect's own logging.yml plus the `pipeline` logger at INFO to the API, so the
    server holds every "reading <file> (<sha256>…)" line with the flow run that read it
    (PREFECT_LOGGING_EXTRA_LOGGERS alone passes only WARNING and above)."""
    import prefect.logging

    config = yaml.safe_load((Path(prefect.logging.__file__).parent / "logging.yml").read_text())
    config["loggers"]["pipeline"] = {"level": "INFO", "handlers": ["api", "console"]}
    config["loggers"]["pipeline"]["propagate"] = False
    path = folder / "logging.yml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[dict[str, str], Processes]]:
    """A Prefect server; the environment every machine of the deployment would have."""
    processes = Processes(tmp_path)
    api_url = f"http://127.0.0.1:{free_port()}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_WORKER_QUERY_SECONDS": "1",  # default 10: the test would mostly wait
        "PREFECT_LOGGING_SETTINGS_PATH": str(logging_settings(tmp_path)),
        # INFO whatever an earlier import of `flows` set in this process (it sets WARNING):
        # the workers' "submitted to infrastructure" lines are read below.
        "PREFECT_LOGGING_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        "OMP_THREAD_LIMIT": "1",
        "REAKTIVASI_CONCURRENCY": "1",  # two workers x one Tesseract = the 2 `ocr` slots
        "REAKTIVASI_OCR_CACHE_DIR": str(tmp_path / "ocr-cache"),
        "REAKTIVASI_STATE_URL": f"sqlite:///{tmp_path / 'out' / 'state.sqlite'}",
    }
    (tmp_path / "out").mkdir()
    server = processes.start(
        "server",
        [str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port",
         api_url.split(":")[-1].removesuffix("/api")],
        {k: v for k, v in env.items() if k != "PREFECT_API_URL"},
    )  # fmt: skip
    try:
        wait_healthy(api_url, server)
        yield env, processes
    except BaseException:
        print(processes.output("server")[-3000:], file=sys.stderr)
        raise
    finally:
        processes.stop()


def wait_online(api_url: str, count: int, seconds: float = 180) -> None:
    """Both workers polling before the batch arrives: with `--limit 1` each then takes a run."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    deadline = time.monotonic() + seconds
    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            workers = client.read_workers_for_work_pool("reaktivasi")
            if sum(w.status.value == "ONLINE" for w in workers) >= count:
                return
            time.sleep(0.5)
    raise RuntimeError(f"{count} workers not online within {seconds:.0f} s")


def reaktivasi(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", "-v", *args],
        capture_output=True, text=True, timeout=900, check=False, env=env,
    )  # fmt: skip


def all_logs(client, run_ids: list) -> list:
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    found, offset = [], 0
    while True:
        page = client.read_logs(
            LogFilter(flow_run_id=LogFilterFlowRunId(any_=run_ids)), limit=200, offset=offset
        )
        found += page
        if len(page) < 200:
            return found
        offset += 200


def test_two_workers_decide_each_submission_once(cluster, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from fixtures.submissions import generate_inbox

    env, processes = cluster
    root = tmp_path / "batch"
    try:
        generate_inbox(SEED, root, COUNT)
    except FileNotFoundError as exc:  # the region CSV lives in ../shared
        pytest.skip(str(exc))
    truth = lines((root / "truth.jsonl").read_text())
    assert len(truth) == COUNT

    deployed = reaktivasi("deploy", "--ocr-slots", "2", env=env)
    assert deployed.returncode == 0, deployed.stderr[-3000:]
    for name in WORKERS:
        processes.start(
            name,
            [str(PREFECT), "worker", "start", "--pool", "reaktivasi", "--type", "process",
             "--limit", "1", "--name", name],
            env,
        )  # fmt: skip
    wait_online(env["PREFECT_API_URL"], len(WORKERS))
    out = tmp_path / "out"
    started = time.monotonic()
    dispatched = reaktivasi(
        "dispatch", str(root / "inbox"), "--deactivation", str(root / "deactivation.csv"),
        "--as-of", (root / "as_of.txt").read_text().strip(), "--out", str(out), "--chunk", "2",
        env=env,
    )  # fmt: skip
    print(f"dispatch of {COUNT} submissions on 2 workers: {time.monotonic() - started:.1f} s")
    assert dispatched.returncode == 0, dispatched.stderr[-5000:] + "\n".join(
        processes.output(name)[-3000:] for name in WORKERS
    )

    # The decisions: one row per submission, equal to the truth, published once at the end.
    assert lines((out / "decisions.jsonl").read_text()) == truth
    engine = engine_for(env["REAKTIVASI_STATE_URL"])
    with engine.connect() as connection:
        rows = connection.execute(select(decision.c.submission, decision.c.published)).all()
    assert sorted(r.submission for r in rows) == sorted(truth)
    assert all(r.published for r in rows)

    with (
        temporary_settings({PREFECT_API_URL: env["PREFECT_API_URL"]}),
        get_client(sync_client=True) as client,
    ):
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["intake"])), limit=200
        )
        logs = all_logs(client, [r.id for r in runs])
        ocr = client.read_global_concurrency_limit_by_name("ocr")

    # Each submission in exactly one intake run, every run completed, none publishing.
    assert all(r.state is not None and r.state.is_completed() for r in runs)
    handled = Counter(sub for r in runs for sub in r.parameters["only"])
    assert handled == Counter(list(truth))
    assert not any(r.parameters["publish"] for r in runs)

    # Each run was taken by exactly one worker, and both workers took some.
    # ("submitting flow run" is logged before the Pending proposal, which one of two racing
    # workers loses; "submitted to infrastructure" only by the one whose process started.)
    started_by = {
        name: re.findall(r"Flow run '([\w-]+)' submitted to infrastructure", processes.output(name))
        for name in WORKERS
    }
    assert Counter(run for names in started_by.values() for run in names) == Counter(
        r.name for r in runs
    )
    assert all(started_by.values()), started_by

    # Decided once (each decision log line once), no document read twice.
    decided = Counter(
        m.group(1) for g in logs if (m := re.match(r"([\w.-]+): \w+ .* \(NIK ", g.message))
    )
    assert decided == Counter(list(truth))
    reads = Counter(
        m.group(1) for g in logs if (m := re.match(r"reading .* \(([0-9a-f]{12})…\)", g.message))
    )
    keys, hashes = inbox_files(root / "inbox")
    assert reads == Counter(hashes)  # each distinct file once

    # The `ocr` limit: the cores of both "machines"; one slot taken per file, all given back.
    assert ocr.limit == 2 and ocr.active_slots == 0
    assert ocr_acquisitions(env["PREFECT_API_URL"], len(keys)) == len(keys)


def inbox_files(inbox: Path) -> tuple[list[str], set[str]]:
    """Every key the flow takes from the inbox, and the first 12 hex digits of their sha256."""
    store, prefix = open_location(str(inbox), get_settings())
    keys = [key for found in list_submissions(store, prefix) for key in found.keys]
    return keys, {hashlib.sha256(store.get(key)).hexdigest()[:12] for key in keys}


def ocr_acquisitions(api_url: str, expected: int, seconds: float = 60) -> int:
    """Slots taken on `ocr`, from the server's events (persisted a few seconds after)."""
    import httpx

    wanted = {
        "event": {"name": ["prefect.concurrency-limit.acquired"]},
        "resource": {"labels": {"prefect.resource.name": ["ocr"]}},
    }
    deadline = time.monotonic() + seconds
    while True:
        answer = httpx.post(f"{api_url}/events/filter", json={"filter": wanted}, timeout=10)
        count = answer.raise_for_status().json()["total"]
        if count >= expected or time.monotonic() > deadline:
            return count
        time.sleep(1)
