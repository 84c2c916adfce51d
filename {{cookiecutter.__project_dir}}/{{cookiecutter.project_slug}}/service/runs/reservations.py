"""Workflow runs reserved by /fastagency/initiate_workflow and claimed by the websocket.

A reservation is bound to its user, works once and expires. It lives in the database, so the
websocket may reach any process or instance, not only the one that made the reservation. A
claim is one DELETE ... RETURNING: of two processes claiming the same reservation at once, one
deletes the row and starts the run, the other finds nothing. The id is a bearer secret (it
starts a run), so only its SHA-256 is stored.
"""

import dataclasses
import hashlib
import math
import time
import uuid
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select

from ..models import User, WorkflowReservation


@dataclasses.dataclass(frozen=True)
class Reservation:
    name: str
    params: dict[str, Any]


class TooManyReservations(Exception):
    """The user holds as many unclaimed reservations as allowed."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__("too many workflows reserved and not started")
        self.retry_after_seconds = retry_after_seconds


def hashed(secret: str) -> str:
    """How reservation ids and websocket tickets (tickets.py), bearer secrets both, are stored
    and compared."""
    return hashlib.sha256(secret.encode()).hexdigest()


class Reservations:
    def __init__(self, engine: Engine, *, lifetime_seconds: float, max_per_user: int) -> None:
        self.engine = engine
        self.lifetime_seconds = lifetime_seconds
        self.max_per_user = max_per_user

    def reserve(self, user_id: str, name: str, params: dict[str, Any]) -> str:
        """A new reservation's id; raises TooManyReservations over the user's limit."""
        now = time.time()  # the wall clock, which all processes and (NTP-synced) machines share
        reservation_id = uuid.uuid4().hex
        with self.engine.begin() as connection:
            # Lock the user's row (PostgreSQL; SQLite takes its one write lock at the DELETE),
            # so that a user's parallel requests count one after the other: never both under the cap.
            connection.execute(select(User.id).where(User.public_id == user_id).with_for_update())
            # The user's reservations nobody claimed in time: gone, so they neither count nor
            # pile up (a user holds at most `max_per_user` rows).
            connection.execute(
                delete(WorkflowReservation).where(
                    WorkflowReservation.user_public_id == user_id,
                    WorkflowReservation.expires_at <= now,
                )
            )
            held, first_to_expire = connection.execute(
                select(func.count(), func.min(WorkflowReservation.expires_at)).where(
                    WorkflowReservation.user_public_id == user_id
                )
            ).one()
            if held >= self.max_per_user:
                raise TooManyReservations(max(1, math.ceil(first_to_expire - now)))
            connection.execute(
                insert(WorkflowReservation).values(
                    id_hash=hashed(reservation_id),
                    user_public_id=user_id,
                    workflow=name,
                    params=params,
                    expires_at=now + self.lifetime_seconds,
                )
            )
        return reservation_id

    def claim(self, reservation_id: str, user_id: str) -> Reservation | None:
        """The reservation under this id for this user, unexpired, at most once."""
        with self.engine.begin() as connection:
            row = connection.execute(
                delete(WorkflowReservation)
                .where(
                    WorkflowReservation.id_hash == hashed(reservation_id),
                    WorkflowReservation.user_public_id == user_id,
                    WorkflowReservation.expires_at > time.time(),
                )
                .returning(WorkflowReservation.workflow, WorkflowReservation.params)
            ).first()
        return None if row is None else Reservation(row.workflow, row.params)
