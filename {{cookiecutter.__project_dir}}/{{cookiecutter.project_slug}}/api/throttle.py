"""Counting attempts per key in fixed windows, safely under parallel requests.

An attempt is reserved *before* the password is checked, and the check-and-reserve is one
conditional UPDATE: however many requests arrive at once, at most `limit` of them per window get
a reservation (SQLite serialises writers; PostgreSQL re-checks the WHERE clause of an UPDATE on
the row it locked). A successful attempt gives its reservation back, so reservations that are
kept count failures.

Keys are stored as SHA-256 digests: a fixed length, and a password typed into the name field is
not kept in the clear.
"""

import hashlib
import time
from collections.abc import Sequence

from sqlalchemy import String, case, delete, insert, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Base


class AttemptCounter(Base):
    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    attempts: Mapped[int]
    window_started_at: Mapped[float] = mapped_column(index=True)  # seconds since the epoch


def key(kind: str, value: str) -> str:
    """The stored key for what is counted, e.g. `key("client", "203.0.113.9")`."""
    return hashlib.sha256(f"{kind}\0{value}".encode()).hexdigest()


def _now() -> float:
    return time.time()


def _take(db: Session, counter_key: str, limit: int, window_seconds: int) -> bool:
    now = _now()
    expired = AttemptCounter.window_started_at <= now - window_seconds
    take = (
        update(AttemptCounter)
        .where(AttemptCounter.key == counter_key, or_(AttemptCounter.attempts < limit, expired))
        .values(
            attempts=case((expired, 1), else_=AttemptCounter.attempts + 1),
            window_started_at=case((expired, now), else_=AttemptCounter.window_started_at),
        )
    )
    if db.connection().execute(take).rowcount:
        db.commit()
        return True
    try:  # no row yet, or a spent one: only the INSERT can tell them apart without a race
        db.connection().execute(
            insert(AttemptCounter).values(key=counter_key, attempts=1, window_started_at=now)
        )
        db.commit()
        return True
    except IntegrityError:
        db.rollback()  # the row exists (another request may have just made it): count on it
    taken = bool(db.connection().execute(take).rowcount)
    db.commit()
    return taken


def reserve(db: Session, keys: Sequence[str], *, limit: int, window_seconds: int) -> bool:
    """Reserve one attempt on every key, or on none: False when any key is spent."""
    taken: list[str] = []
    for counter_key in keys:
        if not _take(db, counter_key, limit, window_seconds):
            refund(db, taken)
            return False
        taken.append(counter_key)
    return True


def refund(db: Session, keys: Sequence[str]) -> None:
    """Give back one reservation on each key (the attempt succeeded, or was never made)."""
    if keys:
        db.connection().execute(
            update(AttemptCounter)
            .where(AttemptCounter.key.in_(keys), AttemptCounter.attempts > 0)
            .values(attempts=AttemptCounter.attempts - 1)
        )
        db.commit()


def prune(db: Session, window_seconds: int) -> None:
    """Delete the counters whose window is over: they would start afresh anyway."""
    db.connection().execute(
        delete(AttemptCounter).where(AttemptCounter.window_started_at <= _now() - window_seconds)
    )
    db.commit()
