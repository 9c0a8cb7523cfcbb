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
from sqlalchemy import Engine, delete, func, insert, select, update

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
    """A user could not be added or changed; the message says why."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(engine: Engine, name: str, password: str, role: Role) -> User:
    name = name.strip()
    if not name or len(name) > 64 or not all(c.isalnum() or c in "._-" for c in name):
        raise UserError("a user name is 1-64 letters, digits, '.', '_' or '-'")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    with engine.begin() as connection:
        exists = connection.execute(select(users.c.name).where(users.c.name == name)).first()
        if exists:
            raise UserError(f"user {name!r} already exists")
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


def too_many_failures(
    engine: Engine, name: str, address: str, window: timedelta, per_user: int, per_address: int
) -> bool:
    """True when this user name or this address failed too often in the window."""
    since = _now() - window
    with engine.connect() as connection:

        def failures(column, value) -> int:
            return connection.execute(
                select(func.count())
                .select_from(login_attempts)
                .where(
                    column == value,
                    login_attempts.c.at >= since,
                    login_attempts.c.ok.is_(False),
                )
            ).scalar_one()

        return (
            failures(login_attempts.c.user, name) >= per_user
            or failures(login_attempts.c.address, address) >= per_address
        )


def record_attempt(engine: Engine, name: str, address: str, ok: bool) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(login_attempts).values(user=name[:64], address=address, ok=ok, at=_now())
        )


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
    """Constant-time comparison of CSRF tokens; a missing one never matches."""
    return bool(expected) and bool(given) and hmac.compare_digest(expected, given)
