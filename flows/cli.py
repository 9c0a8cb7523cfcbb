"""`reaktivasi` command line. Output contract: CONTRACT.md. Logs and progress go to stderr."""

from __future__ import annotations

import json
import logging
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from extractors.nik import mask_nik
from models import Extraction
from pipeline.batch import expand_inputs, extract_many
from pipeline.config import get_settings

app = typer.Typer(add_completion=False, help="OCR pipeline for PBI-JK reactivation documents.")
err = Console(stderr=True)
PROGRESS_THRESHOLD = 3


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
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


if __name__ == "__main__":
    app()
