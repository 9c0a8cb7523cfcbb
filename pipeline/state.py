"""The state database connection. One engine per URL per process."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event

from models.tables import metadata
from pipeline.config import Settings


@cache
def engine_for(url: str) -> Engine:
    """The engine of `url`. Errors never list bound parameters (a NIK, a diagnosis) in logs;
    a new SQLite file is created readable by this user only (0600), its journals follow."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url.removeprefix("sqlite:///"))
        if path.parent.is_dir() and not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    engine = create_engine(url, future=True, hide_parameters=True)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    metadata.create_all(engine)
    return engine


def state_url(out: str, settings: Settings) -> str:
    """The state database: the setting, else SQLite beside a folder output or in work_dir."""
    if settings.state_url:
        return settings.state_url
    folder = settings.work_dir if out.startswith("s3://") else Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(folder / 'state.sqlite').resolve()}"
