"""Run the per-file chain over many files, one Tesseract per core, results in input order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from models import Extraction
from pipeline.config import Settings
from pipeline.reading.extract import extract_file

# Files a directory walk skips: our own truth files and notes that sit beside scans.
SKIPPED_SUFFIXES = {".json", ".jsonl", ".md", ".txt", ".csv", ".yaml", ".yml", ".xlsx"}


def expand_inputs(arguments: Iterable[str]) -> list[tuple[Path, str]]:
    """(path, source) pairs: files as given; directories walked in sorted order.

    A walk lists links, FIFOs and other non-files too (without following them), so each gets
    its warning from `load_document`, which reads regular files only. A link named on the
    command line is the person's own choice: it is resolved here.
    """
    found: list[tuple[Path, str]] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            for child in sorted(path.rglob("*")):  # rglob does not descend into linked folders
                if (
                    (child.is_symlink() or not child.is_dir())
                    and not child.name.startswith(".")
                    and child.suffix.lower() not in SKIPPED_SUFFIXES
                ):
                    found.append((child, str(child)))
        else:
            found.append((path.resolve() if path.is_symlink() else path, argument))
    return found


def extract_many(
    inputs: list[tuple[Path, str]],
    settings: Settings,
    on_done: Callable[[int], None] | None = None,
) -> Iterator[list[Extraction]]:
    """Yield each file's extractions in input order while later files are still being read.

    Threads are enough: the work is in Tesseract subprocesses, which run in parallel.
    """
    workers = max(1, settings.concurrency)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(extract_file, path, source, settings) for path, source in inputs]
        for index, future in enumerate(futures):
            yield future.result()
            if on_done:
                on_done(index + 1)
