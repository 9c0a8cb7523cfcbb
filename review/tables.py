"""The review app's tables, on the pipeline's metadata so one `create_all` makes them all."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from models.tables import correction, metadata

corrections = correction  # in models.tables: `process` applies them too

users = Table(
    "review_user",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False, doc="reviewer | admin"),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime),
)

sessions = Table(
    "review_session",
    metadata,
    Column("token_hash", String(64), primary_key=True, doc="sha256 of the cookie value"),
    Column("user", String(64), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime),
    Column("expires_at", DateTime, index=True),
)

login_attempts = Table(
    "review_login_attempt",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user", String(64)),
    Column("address", String(64)),
    Column("ok", Boolean),
    Column("at", DateTime),
    Index("ix_review_login_attempt_user_at", "user", "at"),
    Index("ix_review_login_attempt_address_at", "address", "at"),
)

audit = Table(
    "review_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("submission", String(255), index=True),
    Column("user", String(64)),
    Column("at", DateTime),
    Column("action", String(32), doc="correct | accept | approve | return"),
    Column("field", Text),
    Column("old", Text),
    Column("new", Text),
    Column("reason", Text),
)

cases = Table(
    "review_case",
    metadata,
    Column("submission", String(255), primary_key=True),
    Column("status", String(32), nullable=False),
    Column("priority", String(16), nullable=False),
    Column("rank", Integer, nullable=False, doc="0 urgent, 1 regular: the queue's first key"),
    Column("district", Text, doc="kecamatan from the KK or SKTM, else the list"),
    Column("received_at", DateTime, doc="when the case's first document was read"),
    Column("decided_at", DateTime, doc="the decision row this copy was taken from"),
    Index("ix_review_case_queue", "status", "rank", "received_at", "submission"),
    Index("ix_review_case_all", "rank", "received_at", "submission"),
    Index("ix_review_case_district", "district", "status"),
    Index("ix_review_case_decided_at", "decided_at"),
)
