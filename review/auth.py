"""Who may do what: argon2 password hashes, server-side sessions, CSRF tokens, login limits.

A session is a random token in an HttpOnly, SameSite=Strict cookie; the database keeps only
its sha256, so a copy of the database does not let anyone log in. Each session has its own
CSRF token, which every form carries and every POST must return. Failed logins are counted
per user name and per address in the database, so the limit holds across restarts and worker
processes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, func, insert, select, text, update

from review.tables import login_attempts, sessions, users

HASHER = PasswordHasher()
# Verified when the user does not exist, so a wrong name costs the same time as a wrong password.
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))
MIN_PASSWORD_LENGTH = 10


class Role(StrEnum):
    reviewer = "reviewer"
    admin = "admin"


@dataclass(frozen=True)
class User:
    name: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.admin


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    token_hash: str


class UserError(ValueError):
    """A user could not be added or changed; the message says why, `code` names it for the
    page (which shows its own fixed sentence, never text from the address bar)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(engine: Engine, name: str, password: str, role: Role) -> User:
    name = name.strip()
    if not name or len(name) > 64 or not all(c.isalnum() or c in "._-" for c in name):
        raise UserError("a user name is 1-64 letters, digits, '.', '_' or '-'", "nama")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters", "sandi")
    with engine.begin() as connection:
        exists = connection.execute(select(users.c.name).where(users.c.name == name)).first()
        if exists:
            raise UserError(f"user {name!r} already exists", "ada")
        connection.execute(
            insert(users).values(
                name=name,
                password_hash=HASHER.hash(password),
                role=role.value,
                active=True,
                created_at=_now(),
            )
        )
    return User(name=name, role=role)


def set_active(engine: Engine, name: str, active: bool) -> None:
    """Disable (or enable) a user; disabling also ends their sessions."""
    with engine.begin() as connection:
        connection.execute(update(users).where(users.c.name == name).values(active=active))
        if not active:
            connection.execute(delete(sessions).where(sessions.c.user == name))


def list_users(engine: Engine) -> list[dict]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(users.c.name, users.c.role, users.c.active, users.c.created_at).order_by(
                users.c.name
            )
        ).all()
    return [dict(r._mapping) for r in rows]


def authenticate(engine: Engine, name: str, password: str) -> User | None:
    with engine.connect() as connection:
        row = connection.execute(
            select(users.c.name, users.c.password_hash, users.c.role, users.c.active).where(
                users.c.name == name
            )
        ).first()
    try:
        HASHER.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    if HASHER.check_needs_rehash(row.password_hash):
        with engine.begin() as connection:
            connection.execute(
                update(users)
                .where(users.c.name == name)
                .values(password_hash=HASHER.hash(password))
            )
    return User(name=row.name, role=Role(row.role))


@dataclass(frozen=True)
class Attempt:
    """A login attempt, counted as failed from the moment it is reserved."""

    id: int | None
    locked_until: datetime | None  # set when the attempt was refused: try again after this


def reserve_attempt(
    engine: Engine, name: str, address: str, window: timedelta, per_user: int, per_address: int
) -> Attempt:
    """Count this attempt as a failure and check the limits in one transaction, before the
    password is verified: 30 parallel attempts cannot all pass a count taken before any of
    them is recorded. A successful login clears its mark with `attempt_succeeded`."""
    now = _now()
    since = now - window
    name = name[:64]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":  # SQLite already serialises writers
            connection.execute(text("SELECT pg_advisory_xact_lock(8140001)"))
        attempt_id = connection.execute(
            insert(login_attempts).values(user=name, address=address, ok=False, at=now)
        ).inserted_primary_key[0]

        def failures(column, value) -> list[datetime]:
            return list(
                connection.execute(
                    select(login_attempts.c.at)
                    .where(
                        column == value,
                        login_attempts.c.at >= since,
                        login_attempts.c.ok.is_(False),
                        login_attempts.c.id != attempt_id,
                    )
                    .order_by(login_attempts.c.at.desc())
                ).scalars()
            )

        by_user = failures(login_attempts.c.user, name)
        by_address = failures(login_attempts.c.address, address)
        over = [
            times[limit - 1] + window
            for times, limit in ((by_user, per_user), (by_address, per_address))
            if len(times) >= limit
        ]
        if not over:
            return Attempt(id=attempt_id, locked_until=None)
        # A refused attempt is no guess at the password: it does not extend the lock.
        connection.execute(
            update(login_attempts).where(login_attempts.c.id == attempt_id).values(ok=None)
        )
        return Attempt(id=None, locked_until=max(over))


def attempt_succeeded(engine: Engine, attempt: Attempt) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(login_attempts).where(login_attempts.c.id == attempt.id).values(ok=True)
        )


def unlock(engine: Engine, name: str) -> None:
    """An admin lets a locked-out user try again now: their failed attempts are forgotten."""
    with engine.begin() as connection:
        connection.execute(
            delete(login_attempts).where(
                login_attempts.c.user == name, login_attempts.c.ok.is_not(True)
            )
        )


def locked_users(engine: Engine, window: timedelta, per_user: int) -> set[str]:
    """Users who cannot log in now because of failed attempts (the admin page offers unlock)."""
    since = _now() - window
    with engine.connect() as connection:
        rows = connection.execute(
            select(login_attempts.c.user)
            .where(login_attempts.c.at >= since, login_attempts.c.ok.is_(False))
            .group_by(login_attempts.c.user)
            .having(func.count() >= per_user)
        ).scalars()
        return set(rows)


def start_session(engine: Engine, user: User, lifetime: timedelta) -> tuple[str, str]:
    """A new session for `user`: (cookie token, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = _now()
    with engine.begin() as connection:
        connection.execute(delete(sessions).where(sessions.c.expires_at < now))
        connection.execute(
            insert(sessions).values(
                token_hash=_digest(token),
                user=user.name,
                csrf=csrf,
                created_at=now,
                expires_at=now + lifetime,
            )
        )
    return token, csrf


def load_session(engine: Engine, token: str | None) -> Session | None:
    if not token:
        return None
    with engine.connect() as connection:
        row = connection.execute(
            select(sessions.c.token_hash, sessions.c.csrf, users.c.name, users.c.role)
            .join(users, users.c.name == sessions.c.user)
            .where(
                sessions.c.token_hash == _digest(token),
                sessions.c.expires_at > _now(),
                users.c.active.is_(True),
            )
        ).first()
    if row is None:
        return None
    return Session(
        user=User(name=row.name, role=Role(row.role)), csrf=row.csrf, token_hash=row.token_hash
    )


def end_session(engine: Engine, token: str | None) -> None:
    if token:
        with engine.begin() as connection:
            connection.execute(delete(sessions).where(sessions.c.token_hash == _digest(token)))


def same_token(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of CSRF tokens; a missing one never matches. Compared as
    UTF-8 bytes: `compare_digest` refuses a non-ASCII str (a 500 on every forged POST)."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))
