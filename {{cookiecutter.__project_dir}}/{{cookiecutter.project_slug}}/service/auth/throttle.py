"""Counting attempts per key in fixed windows, safely under parallel requests.

An attempt is reserved *before* the password is checked, and the check-and-reserve is one
conditional UPDATE: however many requests arrive at once, at most `limit` of them per window get
a reservation (SQLite serialises writers; PostgreSQL re-checks the WHERE clause of an UPDATE on
the row it locked). A successful attempt gives its reservation back, so reservations that are
kept count failures. An attempt's reservations are one transaction: a single commit, which is
what a failed attempt costs the database.

Keys are stored as SHA-256 digests: a fixed length, and a password typed into the name field is
not kept in the clear.
"""

import hashlib
import time
from collections.abc import Sequence

from sqlalchemy import case, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import AttemptCounter


def key(kind: str, value: str) -> str:
    """The stored key for what is counted, e.g. `key("client", "203.0.113.9")`."""
    return hashlib.sha256(f"{kind}\0{value}".encode()).hexdigest()


def _now() -> float:
    return time.time()


def _take(db: Session, counter_key: str, limit: int, window_seconds: int, now: float) -> bool:
    """Take one try from the counter, in the caller's transaction; False when it is spent."""
    expired = AttemptCounter.window_started_at <= now - window_seconds
    taken = db.connection().execute(
        update(AttemptCounter)
        .where(AttemptCounter.key == counter_key, or_(AttemptCounter.attempts < limit, expired))
        .values(
            attempts=case((expired, 1), else_=AttemptCounter.attempts + 1),
            window_started_at=case((expired, now), else_=AttemptCounter.window_started_at),
        )
    )
    if taken.rowcount:
        return True
    if db.scalar(select(AttemptCounter.key).where(AttemptCounter.key == counter_key)):
        return False  # spent
    # A new counter; a good moment to drop those whose window is over, so that names that never
    # sign in leave no rows behind.
    db.connection().execute(
        delete(AttemptCounter).where(AttemptCounter.window_started_at <= now - window_seconds)
    )
    # On PostgreSQL another request may insert the same key first: IntegrityError.
    db.connection().execute(
        insert(AttemptCounter).values(key=counter_key, attempts=1, window_started_at=now)
    )
    return True


def reserve(db: Session, keys: Sequence[str], *, limit: int, window_seconds: int) -> bool:
    """Reserve one attempt on every key, or on none (one transaction): False when any is spent."""
    for _ in range(3):  # again only when another request created one of the counters first
        now = _now()
        try:
            taken = all(_take(db, counter_key, limit, window_seconds, now) for counter_key in keys)
        except IntegrityError:
            db.rollback()
            continue
        if taken:
            db.commit()
        else:
            db.rollback()  # gives back what this attempt took from the other keys
        return taken
    return False  # lost the race three times: refusing is the safe answer


def refund(db: Session, keys: Sequence[str]) -> None:
    """Give back one reservation on each key: the attempt succeeded, so it was no failure."""
    db.connection().execute(
        update(AttemptCounter)
        .where(AttemptCounter.key.in_(keys), AttemptCounter.attempts > 0)
        .values(attempts=AttemptCounter.attempts - 1)
    )
    db.commit()
