"""Settings of the review web app (env prefix REAKTIVASI_REVIEW_), apart from the pipeline's."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ReviewSettings(BaseSettings):
    """What the server needs to know; the CLI fills `out`, `as_of` and `policy_file`."""

    model_config = SettingsConfigDict(
        env_prefix="REAKTIVASI_REVIEW_", env_file=None, extra="ignore"
    )

    out: Path = Field(Path("out"), description="the --out folder of `process`")
    state_url: str | None = Field(
        None, description="unset: REAKTIVASI_STATE_URL, else OUT/state.sqlite"
    )
    as_of: date | None = Field(None, description="today for the date rules when re-deciding")
    policy_file: Path | None = None
    secure_cookies: bool = Field(
        False, description="Secure cookies always (behind TLS); https requests get them anyway"
    )
    trusted_proxies: str = Field(
        "127.0.0.1",
        description="with --proxy: addresses whose X-Forwarded-For/-Proto are believed "
        "(comma-separated IPs or networks); any other client keeps its own address",
    )
    session_hours: float = Field(10.0, description="a session lasts one working day")
    login_window_minutes: int = 15
    login_max_failures_per_user: int = 5
    login_max_failures_per_address: int = 20
    page_size: int = Field(50, ge=5, le=500)
