"""Checking a password: guessing is bounded, strangers cannot lock the real user out, and every
failure gets the same answer for the same work.

How sign-in throttling works (after OWASP's "device cookies"):

- Each attempt reserves one try on its counters before the password is checked (throttle.py);
  a failure keeps the reservation, a success gives it back. A counter that reaches
  LOGIN_MAX_FAILURES refuses (429) until its LOGIN_FAILURE_WINDOW_SECONDS window ends.
- A client that signed in to this account before presents its device token (devices.py) and is
  counted on its own device counter only, so failures by anyone else cannot keep it out.
- Any other client is counted per client address (all accounts together) and per account name
  (all untrusted clients together): an address gets LOGIN_MAX_FAILURES guesses per window, and
  an account the same number from the whole internet. New devices of a user under attack wait
  for the window to end (or an administrator resets the password).
- Password checks for untrusted clients share LOGIN_HASH_CONCURRENCY slots; when all are busy
  the answer is 503 at once rather than a queue, so failed logins cannot starve other requests
  of CPU or threads.
- The client address is the socket's peer. Behind a reverse proxy, uvicorn replaces it with the
  X-Forwarded-For address only when the proxy's own address is in --forwarded-allow-ips.

Changing a password (routes/users.py) checks the current one the same way.
"""

import functools
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from sqlalchemy.orm import Session

from ...settings import Settings
from ..accounts import find_user
from ..models import User
from . import throttle
from .devices import Client, issue_device_token, trusted_device_id
from .passwords import DUMMY_HASH, MAX_LENGTH, verify_password

logger = logging.getLogger(__name__)


class SignedIn(NamedTuple):
    user: User
    device_token: str  # for the client to present next time


class LoginRefused(Exception):
    """Wrong name, wrong password or disabled account: deliberately not said which."""


class LoginLocked(Exception):
    """Too many recent failures from this client, or for this account from untrusted clients."""


class LoginBusy(Exception):
    """Every password-checking slot for untrusted clients is in use: try again in a moment."""


class _Counting(NamedTuple):
    keys: list[str]
    trusted: bool


def _counted_on(settings: Settings, client: Client, account: str, user: User | None) -> _Counting:
    device_id = trusted_device_id(settings, client.device_token, user)
    if device_id is not None:
        return _Counting([throttle.key("device", device_id)], trusted=True)
    keys = [throttle.key("client", client.address), throttle.key("account", account)]
    return _Counting(keys, trusted=False)


@functools.cache
def _hash_slots(size: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(size)


@contextmanager
def _hash_slot(settings: Settings, trusted: bool) -> Iterator[None]:
    """Hold one of the slots untrusted clients share (trusted devices have their own counter)."""
    if trusted:
        yield
        return
    slots = _hash_slots(settings.login_hash_concurrency)
    if not slots.acquire(blocking=False):
        raise LoginBusy
    try:
        yield
    finally:
        slots.release()


def _attempt(
    settings: Settings,
    db: Session,
    client: Client,
    account: str,
    user: User | None,
    password: str,
) -> tuple[bool, str | None]:
    """Whether `password` opens this enabled account, counted; and an upgraded hash, if any.

    Raises LoginBusy (before any database work) or LoginLocked (before any hashing).
    """
    counting = _counted_on(settings, client, account, user)
    with _hash_slot(settings, counting.trusted):
        if not throttle.reserve(
            db,
            counting.keys,
            limit=settings.login_max_failures,
            window_seconds=settings.login_failure_window_seconds,
        ):
            logger.warning(
                "password check locked: too many recent failures for account %r or client %s",
                account,
                client.address,
            )
            raise LoginLocked
        if len(password) > MAX_LENGTH:
            matches, new_hash = False, None  # can never match: no hash spent on it
        else:
            # A missing user costs the same: a dummy hash is verified instead.
            matches, new_hash = verify_password(
                password, user.password_hash if user else DUMMY_HASH
            )
    if user is None or not matches or user.disabled:
        logger.warning("password check failed for account %r", account)
        return False, None  # the reservation stays: it is the failure
    throttle.refund(db, counting.keys)
    return True, new_hash


def check_login(
    settings: Settings, db: Session, client: Client, username: str, password: str
) -> SignedIn:
    """The user and a new device token, if the name and password match an enabled account."""
    # No account name is this long (accounts.py allows 64): cutting here bounds the lookup and
    # makes names that differ only past the cut one account to the failure counter.
    username = username[:MAX_LENGTH]
    user = find_user(db, username)
    accepted, new_hash = _attempt(settings, db, client, username, user, password)
    if user is None or not accepted:
        raise LoginRefused
    if new_hash:
        user.password_hash = new_hash  # an older scheme (bcrypt), upgraded to argon2id
        db.commit()
    return SignedIn(user, issue_device_token(settings, user))


def check_current_password(
    settings: Settings, db: Session, client: Client, user: User, password: str
) -> None:
    """Refuse a wrong current password, counted like a failed sign-in to the account."""
    accepted, _ = _attempt(settings, db, client, user.username, user, password)
    if not accepted:
        raise LoginRefused
