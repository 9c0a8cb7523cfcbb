"""The state database (SQLAlchemy Core): SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

deactivation = Table(
    "deactivation",
    metadata,
    Column("nik", String(16), primary_key=True),
    Column("kk_number", String(16)),
    Column("name", Text),
    Column("name_key", Text, doc="name normalised for matching"),
    Column("birth_date", Date),
    Column("village", Text),
    Column("district", Text),
    Column("deactivated_on", Date),
    Column("desil", String(8)),
    Column("reason", Text),
    Column("row", Integer),
    Index("ix_deactivation_birth_date", "birth_date"),
)

list_import = Table(
    "list_import",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", Text),
    Column("imported_at", DateTime),
    Column("rows", Integer),
    Column("rejected", Integer),
)

document = Table(
    "document",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("pipeline_version", String(32), primary_key=True),
    Column("extractions", JSON, doc="list of Extraction dumps"),
    Column("created_at", DateTime),
)

decision = Table(
    "decision",
    metadata,
    Column("submission", String(255), primary_key=True),
    Column("status", String(32), index=True),
    Column("priority", String(16), index=True),
    Column("nik", String(16)),
    Column("record", JSON, doc="the Decision with its evidence"),
    Column("documents", JSON, doc="sha256 of every document the decision used"),
    Column("decided_at", DateTime),
    Column("fingerprint", String(64), doc="the inbox files (key, size) the decision saw"),
    Column("published", Boolean, default=False, doc="its outbox reply has been written"),
    Column("reviewed_by", String(64), doc="set when a person decided; `process` keeps it"),
)

correction = Table(
    "review_correction",
    metadata,
    Column("submission", String(255), primary_key=True),
    Column("sha256", String(64), primary_key=True),
    Column("page", Integer, primary_key=True, doc="first page of the document in its file"),
    Column("field", String(64), primary_key=True, doc="a field name, or members.<i>.<name>"),
    Column("value", Text, doc="None: the reviewer cleared the field"),
    Column("user", String(64)),
    Column("at", DateTime),
)

marker = Table(
    "marker",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text),
    Column("updated_at", DateTime),
)
