"""Many machines, played on one: a real Prefect server on 127.0.0.1, two real process workers,
`reaktivasi deploy` and `reaktivasi dispatch` as an operator runs them, real Tesseract.

Twice: on SQLite (the server's under a temporary PREFECT_HOME, the state database in the
output folder) with folders, and — the tests `pytest -k postgres` selects — with the README's
"Many machines" commands, read from the README and run line by line, on a throwaway
PostgreSQL cluster (the state database and the Prefect server's) and an `s3rver` bucket. The
batch must be decided exactly as the generator's truth, each submission by exactly one flow
run, by both workers, reading no document twice — checked from the state database and from
the server's own records; a second dispatch decides and writes nothing; a worker killed
mid-run and a machine lost mid-run cost a crashed run and nothing else."""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from models.tables import decision
from pipeline.cases.submissions import list_submissions
from pipeline.config import get_settings
from pipeline.state import engine_for
from pipeline.storage import S3Storage, open_location
from tests.flows.conftest import lines

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
SEED, COUNT = 2, 4
WORKERS = ("w1", "w2")
BIN = Path(sys.executable).parent
PREFECT = BIN / "prefect"
LOGGING = REPO / "flows" / "logging.yml"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Processes:
    """Long-running children in their own process groups, output to files; `stop` ends every
    group (SIGTERM, then SIGKILL) and every flow-run process a worker started (those run in
    sessions of their own)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.children: dict[str, subprocess.Popen] = {}
        self.orphans: set[tuple[int, str]] = set()

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("w")
        child = subprocess.Popen(
            args, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.children[name] = child
        return child

    def output(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def descendants(self, pid: int) -> list[tuple[int, str]]:
        """Every process below `pid` (from /proc), the flow-run processes of a worker, as
        (pid, start time): a pid is signalled only while it is still that same process."""
        parents: dict[int, list[tuple[int, str]]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                parents.setdefault(int(stat[1]), []).append((int(entry.name), stat[19]))
        found, todo = [], [pid]
        while todo:
            for child in parents.get(todo.pop(), []):
                found.append(child)
                todo.append(child[0])
        return found

    @staticmethod
    def kill_same(process: tuple[int, str]) -> None:
        pid, started = process
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            if stat[19] == started:
                os.kill(pid, signal.SIGKILL)
        except (OSError, IndexError):
            pass  # gone already

    def kill(self, name: str, with_runs: bool) -> None:
        """`kill -9` of a worker alone, or of the worker and its flow-run processes (a lost
        machine)."""
        child = self.children[name]
        below = self.descendants(child.pid)
        self.orphans.update(below)
        child.kill()
        child.wait()
        if with_runs:
            for process in below:
                self.kill_same(process)

    def stop(self) -> None:
        for child in self.children.values():
            self.orphans.update(self.descendants(child.pid))
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in self.children.values():
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        for process in self.orphans:
            self.kill_same(process)


def wait_healthy(api_url: str, server: subprocess.Popen, seconds: float = 300) -> None:
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


def machine_env(tmp_path: Path) -> dict[str, str]:
    """What the test adds to a machine's environment: its own Prefect home and OCR cache, one
    Tesseract per worker (two workers x one = the 2 `ocr` slots), quick polling."""
    return {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_WORKER_QUERY_SECONDS": "1",  # default 10: the test would mostly wait
        # INFO whatever an earlier import of `flows` set in this process (it sets WARNING):
        # the workers' "submitted to infrastructure" lines are read below.
        "PREFECT_LOGGING_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        "OMP_THREAD_LIMIT": "1",
        "REAKTIVASI_CONCURRENCY": "1",
        "REAKTIVASI_OCR_CACHE_DIR": str(tmp_path / "ocr-cache"),
    }


# ---------------------------------------------------------------- SQLite and folders


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[dict[str, str], Processes]]:
    """A Prefect server on SQLite; the environment every machine of the deployment would have."""
    processes = Processes(tmp_path)
    api_url = f"http://127.0.0.1:{free_port()}/api"
    env = {
        **machine_env(tmp_path),
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_UI_ENABLED": "false",
        "PREFECT_LOGGING_SETTINGS_PATH": str(LOGGING),
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
    from fixtures.submissions import generate_inbox

    env, processes = cluster
    root = tmp_path / "batch"
    generate_inbox(SEED, root, COUNT)
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

    runs, logs, ocr = server_records(env["PREFECT_API_URL"])
    # Each submission in exactly one intake run, every run completed, none publishing.
    assert all(r.state is not None and r.state.is_completed() for r in runs)
    handled = Counter(sub for r in runs for sub in r.parameters["only"])
    assert handled == Counter(list(truth))
    assert not any(r.parameters["publish"] for r in runs)

    # Each run was taken by exactly one worker, and both workers took some.
    by_worker = started_by(processes)
    assert Counter(run for names in by_worker.values() for run in names) == Counter(
        r.name for r in runs
    )
    assert all(by_worker.values()), by_worker

    # Decided once (each decision log line once), no document read twice.
    assert decided_in_logs(logs) == as_logged(truth)
    keys, hashes = inbox_files(root / "inbox")
    assert read_in_logs(logs) == Counter(hashes)  # each distinct file once

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


# ---------------------------------------------------------------- the README's commands

SECTIONS = {  # the comment that opens each part of the README's "Many machines" block
    "server": "# the server machine",
    "worker": "# every worker machine",
    "deploy": "# once,",
    "batch": "# a batch",
}
UI_API_URL = "http://prefect.dinsos.local:4200/api"  # what browsers on other machines call


def readme_block() -> dict[str, list[str]]:
    """The lines of the README's "Many machines" shell block, by part."""
    text = README.read_text()
    section = text[text.index("### Many machines") :]
    start = section.index("```sh\n") + len("```sh\n")
    found: dict[str, list[str]] = {}
    current = None
    for line in section[start : section.index("```", start)].splitlines():
        if line.startswith("#"):
            current = next((k for k, head in SECTIONS.items() if line.startswith(head)), None)
            if current:
                found[current] = []
        elif line.strip() and current:
            found[current].append(line)
    return found


def readme_machines(places: dict[str, str]) -> dict[str, tuple[dict[str, str], list[list[str]]]]:
    """Each part's exports and commands, with the README's host names, ports, passwords and
    paths replaced by the test's (`places`; each must occur). PREFECT_UI_API_URL stays as
    written: it is what the server tells browsers on other machines."""
    block = readme_block()
    text = "\n".join(line for part in block.values() for line in part)
    assert not [p for p in places if p not in text], "README and test disagree"
    machines = {}
    for part, part_lines in block.items():
        env: dict[str, str] = {}
        commands = []
        for line in part_lines:
            if not line.startswith(f"export PREFECT_UI_API_URL={UI_API_URL}"):
                for written, here in places.items():
                    line = line.replace(written, here)
                assert not places or "dinsos.local" not in line, line
            words = shlex.split(line)
            if words[0] == "export":
                env.update(word.split("=", 1) for word in words[1:])
            else:
                commands.append(words)
        machines[part] = (env, commands)
    return machines


def test_readme_many_machines_block_has_every_part():
    """The block the postgres tests run: a server on PostgreSQL telling browsers its public
    address, workers with the shipped logging config and the shared state database, deploy,
    dispatch."""
    machines = readme_machines({})
    server_env, [server] = machines["server"]
    assert server_env["PREFECT_API_DATABASE_CONNECTION_URL"].startswith("postgresql+asyncpg://")
    assert server_env["PREFECT_UI_API_URL"] == UI_API_URL
    assert server[1:3] == ["server", "start"]
    worker_env, [worker] = machines["worker"]
    assert worker_env["REAKTIVASI_STATE_URL"].startswith("postgresql+psycopg://")
    assert worker_env["PREFECT_LOGGING_SETTINGS_PATH"] == "/srv/reaktivasi/flows/logging.yml"
    assert LOGGING.is_file()
    assert worker[1:] == ["worker", "start", "--pool", "reaktivasi", "--type", "process",
                          "--limit", "1", "--name", "$(hostname)"]  # fmt: skip
    assert machines["deploy"][1][0][1] == "deploy"
    assert machines["batch"][1][0][1] == "dispatch"


def test_shipped_logging_config_sends_pipeline_lines_to_the_api():
    """flows/logging.yml is Prefect's own config plus the `pipeline` logger at INFO with the
    `api` handler, and Prefect loads it as it is."""
    import logging

    from prefect.logging.configuration import load_logging_config

    config = load_logging_config(LOGGING)
    assert config["loggers"]["pipeline"] == {
        "level": "INFO", "handlers": ["api", "console"], "propagate": False
    }  # fmt: skip
    logging.config.dictConfig(config)  # every handler and formatter resolves
    assert logging.getLogger("pipeline").level == logging.INFO


# ---------------------------------------------------------------- a cluster on PostgreSQL


@dataclass
class Cluster:
    """The README's machines on this one: a Prefect server on PostgreSQL, the workers'
    environment (also the one `dispatch` runs in), the bucket."""

    env: dict[str, str]
    machines: dict[str, tuple[dict[str, str], list[list[str]]]]
    processes: Processes
    postgres: object
    bucket: S3Storage
    folder: Path
    workers: list[str] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return self.env["PREFECT_API_URL"]

    def command(self, part: str) -> list[str]:
        [command] = self.machines[part][1]
        return command

    def run(self, part: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.command(part), env=self.env, cwd=self.folder, capture_output=True,
            text=True, timeout=1800, check=False,
        )  # fmt: skip

    def start_workers(self) -> None:
        for name in WORKERS:
            command = [name if word == "$(hostname)" else word for word in self.command("worker")]
            self.processes.start(name, command, self.env)
        wait_online(self.api_url, len(WORKERS))


@pytest.fixture
def postgres_cluster(tmp_path: Path, postgres, s3_server) -> Iterator[Cluster]:
    postgres.database("prefect")
    postgres.database("reaktivasi")
    port = free_port()
    places = {
        "prefect.dinsos.local:4200": f"127.0.0.1:{port}",
        "--host 0.0.0.0 --port 4200": f"--host 127.0.0.1 --port {port}",
        "db.dinsos.local:5432": f"127.0.0.1:{postgres.port}",
        "PASSWORD": postgres.password,
        "minio.dinsos.local:9000": s3_server.endpoint,
        "REAKTIVASI_S3_ACCESS_KEY=reaktivasi": f"REAKTIVASI_S3_ACCESS_KEY={s3_server.access_key}",
        "REAKTIVASI_S3_SECRET_KEY=SECRET": f"REAKTIVASI_S3_SECRET_KEY={s3_server.secret_key}",
        "/srv/reaktivasi/.venv/bin/": f"{BIN}/",
        "/srv/reaktivasi/": f"{REPO}/",
        "--ocr-slots 16": "--ocr-slots 2",  # two workers x one Tesseract
        "--chunk 20": "--chunk 2",
    }
    machines = readme_machines(places)
    base = machine_env(tmp_path)
    base.pop("PREFECT_API_URL", None)
    processes = Processes(tmp_path)
    server_env, [server] = machines["server"]
    started = processes.start("server", server, {**base, **server_env})
    env = {**base, **machines["worker"][0]}
    bucket = S3Storage(s3_server.endpoint, s3_server.access_key, s3_server.secret_key, "dinsos")
    cluster = Cluster(env, machines, processes, postgres, bucket, tmp_path)
    try:
        wait_healthy(cluster.api_url, started)
        yield cluster
    except BaseException:
        print(processes.output("server")[-3000:], file=sys.stderr)
        raise
    finally:
        processes.stop()


def fill_bucket(cluster: Cluster) -> dict[str, dict]:
    """A generated inbox put into `inbox/` as a WhatsApp gateway would, the list as XLSX (text
    cells) under `lists/bnba.xlsx`; returns the truth."""
    import csv
    import io

    from openpyxl import Workbook

    from fixtures.submissions import generate_inbox

    root = cluster.folder / "batch"
    generate_inbox(SEED, root, COUNT)
    for path in sorted((root / "inbox").rglob("*")):
        if path.is_file():
            key = f"inbox/{path.relative_to(root / 'inbox').as_posix()}"
            cluster.bucket.put(key, path.read_bytes())
    book = Workbook()
    for row in csv.reader(io.StringIO((root / "deactivation.csv").read_text(encoding="utf-8"))):
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    cluster.bucket.put("lists/bnba.xlsx", data.getvalue())
    assert (root / "as_of.txt").read_text().strip() == "2026-03-01"  # the README's --as-of
    truth = lines((root / "truth.jsonl").read_text())
    assert len(truth) == COUNT
    return truth


def objects(bucket: S3Storage) -> dict[str, tuple]:
    """Every object of the bucket with its ETag and time of writing."""
    return {
        o.object_name: (o.etag, o.last_modified)
        for o in bucket.client.list_objects(bucket.bucket, recursive=True)
    }


def dispatch_states(api_url: str) -> list[str]:
    """The states of the `dispatch` runs: the heartbeat automation must leave them alone."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["dispatch"])), limit=200
        )
    return [r.state.name for r in runs]


def server_records(api_url: str) -> tuple[list, list, object]:
    """The intake runs, their logs and the `ocr` limit, from the server."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["intake"])), limit=200
        )
        logs = all_logs(client, [r.id for r in runs])
        ocr = client.read_global_concurrency_limit_by_name("ocr")
    return runs, logs, ocr


def decided_in_logs(logs: list) -> Counter:
    """Each decision's log line ("<submission>: <status> <reasons> (NIK …)"), submission
    names as the logs carry them (phone numbers masked)."""
    return Counter(
        m.group(1) for g in logs if (m := re.match(r"([\w.*-]+): \w+ .* \(NIK ", g.message))
    )


def as_logged(truth: dict) -> Counter:
    from pipeline.privacy import mask_text

    return Counter(mask_text(submission) for submission in truth)


def read_in_logs(logs: list) -> Counter:
    return Counter(
        m.group(1) for g in logs if (m := re.match(r"reading .* \(([0-9a-f]{12})…\)", g.message))
    )


def started_by(processes: Processes) -> dict[str, list[str]]:
    """The runs each worker started ("submitting flow run" is logged before the Pending
    proposal, which one of two racing workers loses; "submitted to infrastructure" only by
    the one whose process started)."""
    return {
        name: re.findall(r"Flow run '([\w-]+)' submitted to infrastructure", processes.output(name))
        for name in WORKERS
    }


def bucket_hashes(bucket: S3Storage) -> tuple[list[str], set[str]]:
    keys = [key for found in list_submissions(bucket, "inbox/") for key in found.keys]
    return keys, {hashlib.sha256(bucket.get(key)).hexdigest()[:12] for key in keys}


def table_rows(url: str) -> dict[str, int]:
    engine = engine_for(url)
    from sqlalchemy import table as table_named

    with engine.connect() as connection:
        return {
            name: connection.execute(select(func.count()).select_from(table_named(name))).scalar()
            for name in sorted(inspect(engine).get_table_names())
        }


def test_postgres_readme_commands_two_workers_each_submission_decided_once(postgres_cluster):
    """The README's commands on PostgreSQL: decided as the truth, once, by both workers; the
    UI told the public API address; a second dispatch decides and writes nothing."""
    import httpx

    cluster = postgres_cluster
    truth = fill_bucket(cluster)
    deployed = cluster.run("deploy")
    assert deployed.returncode == 0, deployed.stderr[-3000:]
    cluster.start_workers()
    started = time.monotonic()
    dispatched = cluster.run("batch")
    elapsed = time.monotonic() - started
    assert dispatched.returncode == 0, dispatched.stderr[-5000:] + "\n".join(
        cluster.processes.output(name)[-3000:] for name in WORKERS
    )

    # The decisions: one row per submission, equal to the truth, published once at the end.
    assert lines(cluster.bucket.get("decisions.jsonl").decode()) == truth
    engine = engine_for(cluster.env["REAKTIVASI_STATE_URL"])
    assert engine.dialect.name == "postgresql"
    with engine.connect() as connection:
        rows = connection.execute(select(decision.c.submission, decision.c.published)).all()
    assert sorted(r.submission for r in rows) == sorted(truth)
    assert all(r.published for r in rows)

    runs, logs, ocr = server_records(cluster.api_url)
    assert all(r.state is not None and r.state.is_completed() for r in runs)
    assert Counter(sub for r in runs for sub in r.parameters["only"]) == Counter(list(truth))
    assert not any(r.parameters["publish"] for r in runs)
    by_worker = started_by(cluster.processes)
    assert Counter(run for names in by_worker.values() for run in names) == Counter(
        r.name for r in runs
    )
    assert all(by_worker.values()), by_worker
    assert decided_in_logs(logs) == as_logged(truth)
    keys, hashes = bucket_hashes(cluster.bucket)
    assert read_in_logs(logs) == Counter(hashes)  # each distinct file once
    assert ocr.limit == 2 and ocr.active_slots == 0
    assert ocr_acquisitions(cluster.api_url, len(keys)) == len(keys)

    # The UI, opened from another machine, calls the address PREFECT_UI_API_URL names.
    ui = httpx.get(cluster.api_url.removesuffix("/api") + "/ui-settings", timeout=10)
    assert ui.raise_for_status().json()["api_url"] == UI_API_URL

    # The figures for the closing note.
    state_rows = table_rows(cluster.env["REAKTIVASI_STATE_URL"])
    prefect_tables = cluster.postgres.tables("prefect")
    assert prefect_tables > 20 and state_rows["decision"] == COUNT
    print(f"\ndispatch of {COUNT} submissions ({len(keys)} files) on 2 workers: {elapsed:.1f} s")
    print(f"runs per worker: { {w: len(r) for w, r in by_worker.items()} }")
    print(f"state database rows per table: {state_rows}")
    print(f"Prefect server database: {prefect_tables} tables")

    # A second dispatch of the same inbox: nothing decided, imported, run or written.
    before, runs_before = objects(cluster.bucket), len(runs)
    with engine.connect() as connection:
        decided_before = connection.execute(select(decision.c.submission, decision.c.decided_at))
        decided_before = sorted(decided_before.all())
    again = cluster.run("batch")
    assert again.returncode == 0, again.stderr[-5000:]
    assert "nothing new" in again.stderr
    assert "deactivation list unchanged" in again.stderr
    assert objects(cluster.bucket) == before
    assert len(server_records(cluster.api_url)[0]) == runs_before
    with engine.connect() as connection:
        decided_after = connection.execute(select(decision.c.submission, decision.c.decided_at))
        assert sorted(decided_after.all()) == decided_before
    assert dispatch_states(cluster.api_url) == ["Completed", "Completed"]

    # Stopping a worker: Ctrl-C (SIGINT) or SIGTERM, as the README says.
    for name, how in zip(WORKERS, (signal.SIGINT, signal.SIGTERM), strict=True):
        worker = cluster.processes.children[name]
        worker.send_signal(how)
        assert worker.wait(timeout=120) == 0
        assert f"Worker '{name}' stopped!" in cluster.processes.output(name)


def wait_reading(cluster: Cluster, seconds: float = 600) -> str:
    """The first worker whose flow run is reading a file (its output carries the run's)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for name in WORKERS:
            if "reading " in cluster.processes.output(name):
                return name
        time.sleep(0.2)
    raise RuntimeError("no worker started reading")


def batch_survives(cluster: Cluster, lost_machine: bool) -> tuple[list, list]:
    """Dispatch; once a worker's run reads, kill that worker (and, for a lost machine, its
    flow-run process): the batch must still complete, decided as the truth, each submission
    once, with nobody's hand. Returns the runs and their logs."""
    truth = fill_bucket(cluster)
    deployed = cluster.run("deploy")
    assert deployed.returncode == 0, deployed.stderr[-3000:]
    cluster.start_workers()
    log = (cluster.folder / "dispatch.log").open("w")
    started = time.monotonic()
    dispatch = subprocess.Popen(
        cluster.command("batch"), env=cluster.env, cwd=cluster.folder, stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    cluster.processes.children["dispatch"] = dispatch
    victim = wait_reading(cluster)
    cluster.processes.kill(victim, with_runs=lost_machine)
    returncode = dispatch.wait(timeout=1800)
    elapsed = time.monotonic() - started
    output = cluster.processes.output("dispatch")
    assert returncode == 0, output[-5000:] + "\n".join(
        cluster.processes.output(name)[-3000:] for name in WORKERS
    )
    assert lines(cluster.bucket.get("decisions.jsonl").decode()) == truth
    engine = engine_for(cluster.env["REAKTIVASI_STATE_URL"])
    with engine.connect() as connection:
        rows = connection.execute(select(decision.c.submission, decision.c.published)).all()
    assert sorted(r.submission for r in rows) == sorted(truth) and all(r.published for r in rows)
    runs, logs = server_records(cluster.api_url)[:2]
    lost = [r for r in runs if not r.state.is_completed()]
    assert lost and all(r.state.name == "Crashed" for r in lost), [
        (r.name, r.state.name, r.state.message) for r in runs
    ]
    completed = Counter(sub for r in runs if r.state.is_completed() for sub in r.parameters["only"])
    assert completed == Counter(list(truth))  # each submission in exactly one completed run
    assert decided_in_logs(logs) == as_logged(truth)  # decided once
    assert "run again" in output
    assert dispatch_states(cluster.api_url) == ["Completed"]
    what = "lost machine" if lost_machine else "worker killed"
    print(f"\n{what}: batch in {elapsed:.1f} s; runs {[(r.name, r.state.name) for r in runs]}")
    print(f"crashed: {[r.state.message for r in lost]}")
    return runs, logs


def test_postgres_worker_killed_mid_run_its_chunk_runs_again(postgres_cluster):
    batch_survives(postgres_cluster, lost_machine=False)


def test_postgres_lost_machine_run_crashed_by_heartbeat_and_run_again(postgres_cluster):
    runs, _ = batch_survives(postgres_cluster, lost_machine=True)
    crashed = [r for r in runs if r.state.name == "Crashed"]
    assert any(
        "no heartbeat" in (r.state.message or "") or "no sign of life" in (r.state.message or "")
        for r in crashed
    ), [r.state.message for r in crashed]
