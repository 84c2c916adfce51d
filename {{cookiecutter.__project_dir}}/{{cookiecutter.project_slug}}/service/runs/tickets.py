"""Single-use tickets that open the workflow websocket for a browser.

Browsers cannot send an Authorization header on a websocket, and an access token in the URL
would outlive its one use (in histories, proxies' logs). So the chat page asks POST
/fastagency/ticket, with its bearer token, for a ticket to one of its reservations, and opens
`/fastagency/ws?ticket=...` within seconds. A ticket names its user, the sign-in session that
asked for it and the one reservation it may start; it works once (one DELETE ... RETURNING, as
reservations are claimed) and expires. Only its SHA-256 is stored.
"""

import dataclasses
import secrets
import time

from sqlalchemy import Engine, delete, insert, select

from ..auth.sessions import Principal
from ..models import WebSocketTicket, WorkflowReservation
from .reservations import hashed


@dataclasses.dataclass(frozen=True)
class Ticket:
    """What a redeemed ticket opens: whose websocket, for which session and reservation."""

    user_public_id: str
    session_id: str
    token_generation: int
    reservation_hash: str


class Tickets:
    def __init__(self, engine: Engine, *, lifetime_seconds: float) -> None:
        self.engine = engine
        self.lifetime_seconds = lifetime_seconds

    def issue(self, user: Principal, reservation_id: str) -> str | None:
        """A new ticket for the user's unexpired reservation; None if they hold no such one."""
        now = time.time()
        ticket = secrets.token_urlsafe(32)
        reservation_hash = hashed(reservation_id)
        with self.engine.begin() as connection:
            # A reservation has one live ticket at most, the latest; and expired tickets of this
            # user go (a page that never opened its websocket leaves one). So a user holds no
            # more tickets than reservations.
            connection.execute(
                delete(WebSocketTicket).where(
                    WebSocketTicket.user_public_id == user.public_id,
                    (WebSocketTicket.expires_at <= now)
                    | (WebSocketTicket.reservation_hash == reservation_hash),
                )
            )
            reserved = connection.execute(
                select(WorkflowReservation.id_hash).where(
                    WorkflowReservation.id_hash == reservation_hash,
                    WorkflowReservation.user_public_id == user.public_id,
                    WorkflowReservation.expires_at > now,
                )
            ).first()
            if reserved is None:
                return None
            connection.execute(
                insert(WebSocketTicket).values(
                    id_hash=hashed(ticket),
                    user_public_id=user.public_id,
                    session_id=user.session_id,
                    token_generation=user.token_generation,
                    reservation_hash=reserved.id_hash,
                    expires_at=now + self.lifetime_seconds,
                )
            )
        return ticket

    def redeem(self, ticket: str) -> Ticket | None:
        """What the ticket opens, if it is unexpired and unused; from now on it is used."""
        with self.engine.begin() as connection:
            row = connection.execute(
                delete(WebSocketTicket)
                .where(
                    WebSocketTicket.id_hash == hashed(ticket),
                    WebSocketTicket.expires_at > time.time(),
                )
                .returning(
                    WebSocketTicket.user_public_id,
                    WebSocketTicket.session_id,
                    WebSocketTicket.token_generation,
                    WebSocketTicket.reservation_hash,
                )
            ).first()
        if row is None:
            return None
        return Ticket(
            row.user_public_id, row.session_id, row.token_generation, row.reservation_hash
        )
