"""Workflow runs reserved by /fastagency/initiate_workflow and claimed by the websocket.

A reservation is bound to its user, works once and expires. `Reservations` is the interface the
adapter uses; `MemoryReservations` keeps them in this process, which is right for one server
process (with several, they belong in the database, behind the same interface).
"""

import dataclasses
import math
import threading
import time
import uuid
from typing import Any, Protocol


@dataclasses.dataclass(frozen=True)
class Reservation:
    user_id: str
    name: str
    params: dict[str, Any]
    expires: float  # time.monotonic()


class TooManyReservations(Exception):
    """The user holds as many unclaimed reservations as allowed."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__("too many workflows reserved and not started")
        self.retry_after_seconds = retry_after_seconds


class Reservations(Protocol):
    def reserve(self, user_id: str, name: str, params: dict[str, Any]) -> str:
        """A new reservation's id; raises TooManyReservations over the user's limit."""

    def claim(self, reservation_id: str, user_id: str) -> Reservation | None:
        """The reservation under this id for this user, unexpired, at most once."""


class MemoryReservations:
    def __init__(self, *, lifetime_seconds: float, max_per_user: int) -> None:
        self.lifetime_seconds = lifetime_seconds
        self.max_per_user = max_per_user
        self._open: dict[str, Reservation] = {}
        self._lock = threading.Lock()

    def reserve(self, user_id: str, name: str, params: dict[str, Any]) -> str:
        now = time.monotonic()
        with self._lock:
            # Forget reservations nobody claimed in time, so they cannot pile up.
            self._open = {key: held for key, held in self._open.items() if held.expires > now}
            users = [held for held in self._open.values() if held.user_id == user_id]
            if len(users) >= self.max_per_user:
                first_to_expire = min(held.expires for held in users)
                raise TooManyReservations(max(1, math.ceil(first_to_expire - now)))
            reservation_id = uuid.uuid4().hex
            self._open[reservation_id] = Reservation(
                user_id, name, params, now + self.lifetime_seconds
            )
        return reservation_id

    def claim(self, reservation_id: str, user_id: str) -> Reservation | None:
        with self._lock:
            held = self._open.get(reservation_id)
            if held is None or held.user_id != user_id:
                return None
            del self._open[reservation_id]
        return held if time.monotonic() < held.expires else None
