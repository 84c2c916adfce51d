"""Every table of the service, in one place (the migrations in migrations/ create them)."""

import uuid
from typing import Any, Literal, get_args

from sqlalchemy import JSON, Double, ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Role = Literal["admin", "user"]
ROLES: tuple[str, ...] = get_args(Role)


class Base(DeclarativeBase):
    pass


def _new_public_id() -> str:
    return uuid.uuid4().hex


class User(Base):
    __tablename__ = "users"
    # SQLite would otherwise hand a deleted user's id to the next account created.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    # What tokens name (`sub`): random and never reused, so a deleted and re-created account
    # with the same name is another user to every token issued before.
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=_new_public_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str]
    role: Mapped[str] = mapped_column(String(16), default="user")
    disabled: Mapped[bool] = mapped_column(default=False)
    # Tokens carry the generation they were issued in; bumping it revokes them all.
    token_generation: Mapped[int] = mapped_column(default=0)


class LoginSession(Base):
    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Sessions go with their user: deleted by `delete_user`, and by the database where it
    # enforces foreign keys.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    refresh_jti: Mapped[str] = mapped_column(String(32))
    revoked: Mapped[bool] = mapped_column(default=False)


class AttemptCounter(Base):
    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    attempts: Mapped[int]
    # Seconds since the epoch. Double, as the migration says: a bare `float` is FLOAT in
    # SQLAlchemy 2.0 and DOUBLE in 2.1, so models and migrations would disagree on one of them.
    window_started_at: Mapped[float] = mapped_column(Double, index=True)


class WorkflowReservation(Base):
    """A workflow run reserved by POST /fastagency/initiate_workflow, until its websocket claims
    it (the row is deleted then) or it expires. In the database, so that any process can start a
    run that another one reserved."""

    __tablename__ = "workflow_reservations"

    # SHA-256 of the reservation id: the id opens a run, so the table holds no usable ones.
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_public_id: Mapped[str] = mapped_column(
        ForeignKey("users.public_id", ondelete="CASCADE"), index=True
    )
    workflow: Mapped[str] = mapped_column(String(128))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    expires_at: Mapped[float] = mapped_column(Double)  # seconds since the epoch


class WebSocketTicket(Base):
    """A single-use ticket that opens the workflow websocket for a browser (which cannot send an
    Authorization header there): issued by POST /fastagency/ticket to a signed-in user for one of
    their reservations, deleted when used, valid WEBSOCKET_TICKET_SECONDS."""

    __tablename__ = "websocket_tickets"

    # SHA-256 of the ticket: the table holds no usable ones.
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_public_id: Mapped[str] = mapped_column(
        ForeignKey("users.public_id", ondelete="CASCADE"), index=True
    )
    # The sign-in session that asked for it: the run ends when that session does.
    session_id: Mapped[str] = mapped_column(String(32))
    token_generation: Mapped[int]
    # The reservation (its id's SHA-256) the websocket may start, and no other.
    reservation_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[float] = mapped_column(Double)  # seconds since the epoch
