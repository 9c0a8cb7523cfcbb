"""`reaktivasi` command line. Output contract: CONTRACT.md. Logs and progress go to stderr."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from extractors.nik import mask_nik
from models import Extraction
from pipeline.config import get_settings
from pipeline.reading.batch import expand_inputs, extract_many

app = typer.Typer(add_completion=False, help="OCR pipeline for PBI-JK reactivation documents.")
err = Console(stderr=True)
PROGRESS_THRESHOLD = 3


# Options the batch commands share: one spelling, one help text.
InboxArg = Annotated[str, typer.Argument(help="folder or s3://bucket/inbox/ of submissions")]
ListOpt = Annotated[str, typer.Option(help="deactivation list, CSV or XLSX (file or s3://)")]
OutOpt = Annotated[str, typer.Option(help="output folder or s3://bucket/")]
AsOfOpt = Annotated[str | None, typer.Option(help="today for the date rules, YYYY-MM-DD")]
PolicyOpt = Annotated[Path | None, typer.Option(help="kabupaten policy YAML")]


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    # Everything this command and its children create (the state database with every NIK
    # and password hash, Prefect's own database, outputs) is for this user alone.
    os.umask(0o077)
    if verbose:  # Prefect is imported later, inside the commands that run flows
        os.environ["PREFECT_LOGGING_LEVEL"] = "INFO"
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )


@app.command()
def extract(
    files: Annotated[list[str], typer.Argument(help="files or folders (walked)")],
    jsonl: Annotated[bool, typer.Option("--jsonl", help="one JSON object per document")] = False,
    workers: Annotated[int, typer.Option(help="parallel files; 0 = one per core")] = 0,
) -> None:
    """Read documents and print their type and fields."""
    settings = get_settings()
    if workers > 0:
        settings = settings.model_copy(update={"concurrency": workers})
    inputs = expand_inputs(files)
    if not inputs:
        err.print("[red]no files found[/red]")
        raise typer.Exit(2)
    results: list[Extraction] = []
    show_progress = len(inputs) > PROGRESS_THRESHOLD and err.is_terminal
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not show_progress,
    )
    with progress:
        task = progress.add_task("reading", total=len(inputs))
        for extractions in extract_many(inputs, settings):
            for extraction in extractions:
                if jsonl:
                    sys.stdout.write(
                        json.dumps(extraction.to_contract(), ensure_ascii=False) + "\n"
                    )
                    sys.stdout.flush()
                results.append(extraction)
            progress.advance(task)
    if not jsonl:
        print_summary(results)


@app.command()
def process(
    inbox: InboxArg,
    deactivation: ListOpt,
    out: OutOpt = "out",
    as_of: AsOfOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Decide every submission of INBOX; writes OUT/decisions.jsonl and the outputs."""
    today = _check_locations(inbox, deactivation, as_of)
    from flows.ephemeral import start_ephemeral_server
    from flows.intake import intake

    start_ephemeral_server()
    counts = intake(inbox, out, today, deactivation, policy)
    print_decisions(out)
    err.print("  ".join(f"{k}: {v}" for k, v in sorted(counts.items())))


@app.command()
def watch(
    inbox: Annotated[str, typer.Argument(help="folder or s3://bucket/inbox/ to poll")],
    deactivation: ListOpt,
    out: OutOpt = "out",
    interval: Annotated[float, typer.Option(help="seconds between polls")] = 30.0,
    once: Annotated[bool, typer.Option(help="poll once, then stop")] = False,
    serve: Annotated[bool, typer.Option(help="run as a Prefect deployment")] = False,
    policy: PolicyOpt = None,
    as_of: Annotated[str | None, typer.Option(help="fixed date for the rules (tests)")] = None,
) -> None:
    """Poll INBOX; decide every new or changed submission once its upload has finished."""
    checked = _check_locations(inbox, deactivation, as_of)
    today = checked if as_of else None  # a watcher's "today" moves on
    from flows.watch import watch_inbox

    parameters = {
        "inbox": inbox, "out": out, "deactivation": deactivation,
        "settle_seconds": min(interval, 10.0), "policy_file": policy, "as_of": today,
    }  # fmt: skip
    if serve:
        watch_inbox.serve(name="watch-inbox", interval=interval, parameters=parameters)
        return
    from flows.ephemeral import start_ephemeral_server

    start_ephemeral_server()
    while True:
        try:
            counts = watch_inbox(**parameters)
        except Exception as exc:  # a storage outage, a bad list: the watcher goes on
            from rich.markup import escape

            from pipeline.privacy import mask_text

            what = escape(mask_text(f"{type(exc).__name__}: {exc}"))
            then = "stopping (--once)" if once else f"polling again in {interval:g} s"
            err.print(f"[red]poll failed:[/red] {what}; {then}", highlight=False, soft_wrap=True)
            if once:
                raise typer.Exit(1) from None
        else:
            details = "  ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
            err.print(f"{sum(counts.values())} submissions decided  {details}".rstrip())
            if once:
                return
        time.sleep(interval)


@app.command()
def deploy(
    ocr_slots: Annotated[int, typer.Option(help="the `ocr` limit: cores of all machines")],
    pool: Annotated[str, typer.Option(help="process work pool")] = "reaktivasi",
    source: Annotated[
        str | None, typer.Option(help="checkout path or git URL; default: the installed package")
    ] = None,
) -> None:
    """Create the work pool and the `ocr` limit, and deploy `intake` (needs PREFECT_API_URL)."""
    _need_server()
    from flows.deploy import deploy as deploy_intake

    deployment_id = deploy_intake(ocr_slots, pool, source)
    err.print(f"deployment intake/intake ({deployment_id}); `ocr` limit: {ocr_slots} slots")
    err.print(f"on each machine: prefect worker start --pool {pool} --type process --limit 1")


@app.command()
def dispatch(
    inbox: InboxArg,
    deactivation: ListOpt,
    out: OutOpt = "out",
    as_of: AsOfOpt = None,
    policy: Annotated[
        Path | None, typer.Option(help="kabupaten policy YAML, at this path on every machine")
    ] = None,
    chunk: Annotated[int, typer.Option(help="submissions per flow run")] = 20,
) -> None:
    """Decide INBOX on the workers of the `intake` deployment, then publish once."""
    _need_server()
    today = _check_locations(inbox, deactivation, as_of)
    from flows.deploy import dispatch as dispatch_batch

    counts = dispatch_batch(inbox, out, today, deactivation, policy, chunk)
    print_decisions(out)
    err.print("  ".join(f"{k}: {v}" for k, v in sorted(counts.items())))


def _need_server() -> None:
    """Deployments live on a Prefect server; ephemeral mode has no workers to hand runs to."""
    from prefect.settings import get_current_settings

    if not get_current_settings().api.url:
        err.print("[red]set PREFECT_API_URL to the Prefect server, e.g. http://HOST:4200/api[/red]")
        raise typer.Exit(2)


def _check_locations(inbox: str, deactivation: str, as_of: str | None) -> date:
    """Plain errors for the mistakes people make on the command line; returns the date."""
    if not inbox.startswith("s3://") and not Path(inbox).is_dir():
        err.print(f"[red]inbox {inbox} is not a folder[/red]")
        raise typer.Exit(2)
    if not deactivation.startswith("s3://") and not Path(deactivation).is_file():
        err.print(f"[red]deactivation list {deactivation} not found[/red]")
        raise typer.Exit(2)
    try:
        return date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        err.print(f"[red]--as-of must be YYYY-MM-DD, got {as_of!r}[/red]")
        raise typer.Exit(2) from None


@app.command()
def retention(
    out: Annotated[
        str, typer.Option(help="the --out of `process` (folder or s3://bucket/)")
    ] = "out",
    days: Annotated[int | None, typer.Option(help="retention period; default: settings")] = None,
    dry_run: Annotated[bool, typer.Option(help="count only, delete nothing")] = False,
) -> None:
    """Delete originals and page images of cases closed longer than the retention period."""
    from pipeline.cases.retention import apply_retention
    from pipeline.state import engine_for, state_url
    from pipeline.storage import open_location

    settings = get_settings()
    period = settings.retention_days if days is None else days
    store, _ = open_location(out, settings)
    report = apply_retention(engine_for(state_url(out, settings)), store, period, dry_run)
    verb = "would delete" if dry_run else "deleted"
    err.print(
        f"{report.cases} cases closed more than {period} days ago: {verb} {report.originals} "
        f"originals and {report.page_images} page images; {report.kept_shared} originals kept "
        "because an open case uses them; decisions and audit rows kept"
    )


list_app = typer.Typer(help="The deactivation list (BNBA).")
app.add_typer(list_app, name="list")


@list_app.command("import")
def list_import(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX")],
    state: Annotated[str, typer.Option(help="SQLAlchemy URL")] = "sqlite:///out/state.sqlite",
) -> None:
    """Import (replace) the deactivation list; bad rows are reported by number."""
    from pipeline.cases.deactivation_list import import_list
    from pipeline.state import engine_for

    if state.startswith("sqlite:///"):
        Path(state.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        report = import_list(file, engine_for(state))
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    err.print(f"{report.imported} rows imported from {file}; {len(report.rejected)} rejected")
    for row, problem in report.rejected[:50]:
        err.print(f"  row {row}: {problem}")
    for row, problem in report.warnings[:50]:
        err.print(f"  row {row} (imported): {problem}")


def print_decisions(out: str) -> None:
    """Counts by status and priority, for people."""
    from pipeline.storage import open_location

    store, prefix = open_location(out, get_settings())
    text = store.get(f"{prefix}decisions.jsonl").decode("utf-8")
    decisions = [json.loads(line) for line in text.splitlines()]
    table = Table(title=f"{len(decisions)} submissions")
    table.add_column("status")
    table.add_column("urgent", justify="right")
    table.add_column("regular", justify="right")
    for status in ("ready", "needs_review", "needs_correction", "not_eligible"):
        rows = [d for d in decisions if d["status"] == status]
        urgent = sum(d["priority"] == "urgent" for d in rows)
        table.add_row(status, str(urgent), str(len(rows) - urgent))
    (Console() if Console().is_terminal else Console(width=160)).print(table)


def print_summary(results: list[Extraction]) -> None:
    """A table for people: NIKs masked, one row per document."""
    out = Console() if Console().is_terminal else Console(width=160)
    table = Table(title=f"{len(results)} documents", show_lines=False)
    for column in ("source", "page", "type", "NIK", "name", "register", "diagnosis", "warnings"):
        table.add_column(column, overflow="fold")
    for r in results:
        nik = r.value("nik") or r.value("kk_number")
        table.add_row(
            r.source,
            str(r.page),
            r.doc_type.value,
            mask_nik(nik) if nik else "-",
            r.value("name") or r.value("head_name") or "-",
            r.value("register_number") or "-",
            " ".join(filter(None, [r.value("diagnosis"), _bracket(r.value("priority_category"))]))
            or "-",
            "; ".join(w.code for w in r.warnings) or "",
        )
    out.print(table)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.doc_type.value] = counts.get(r.doc_type.value, 0) + 1
    out.print("  ".join(f"{k}: {v}" for k, v in sorted(counts.items())))


def _bracket(value: str | None) -> str | None:
    return f"({value})" if value else None


app.add_typer(__import__("review.cli", fromlist=["_"]).review_app, name="review")
app.add_typer(__import__("review.cli", fromlist=["_"]).users_app, name="users")


if __name__ == "__main__":
    app()
