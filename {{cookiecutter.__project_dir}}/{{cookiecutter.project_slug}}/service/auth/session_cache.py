"""What each process remembers of the sign-in sessions it checked: the database is read again
once an entry is older than AUTH_CACHE_SECONDS, so a change made by another process (a logout, a
disabled account, a revoked session) takes effect here within that time. A change made through
this process evicts its entries at once (see `forget_session` and `forget_user`).

Reading the database for every request cost more than everything else an authenticated request
does; a remembered session costs a dictionary look-up.
"""

import threading
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

# Sessions remembered per process, least recently used forgotten first: a flood of valid
# tokens cannot grow memory without limit (an entry is a few hundred bytes).
MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class SessionState:
    """A session and its account as the database had them."""

    user_id: int
    public_id: str
    username: str
    role: str
    token_generation: int
    disabled: bool
    revoked: bool


@dataclass(frozen=True, slots=True)
class Remembered:
    state: SessionState | None  # None: no such session (sessions are never re-created)
    read_at: float  # time.monotonic() when the database was read


class SessionCache:
    """Thread-safe: sync routes and session checks run in threads, async ones in the loop."""

    def __init__(self, max_age_seconds: float, max_entries: int = MAX_ENTRIES) -> None:
        self.max_age_seconds = max_age_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[str, Remembered] = OrderedDict()
        self._lock = threading.Lock()
        # Counts evictions: a database read that began before one may have seen the old state,
        # so it is not stored (it would outlive the eviction that was meant to end it).
        self._evictions = 0

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, session_id: str, max_age_seconds: float | None = None) -> Remembered | None:
        """The entry read at most `max_age_seconds` (default: the cache's) ago, if any."""
        max_age = self.max_age_seconds if max_age_seconds is None else max_age_seconds
        with self._lock:
            entry = self._entries.get(session_id)
            if entry is None or time.monotonic() - entry.read_at > max_age:
                return None
            self._entries.move_to_end(session_id)
            return entry

    def evictions(self) -> int:
        """Pass this, taken before reading the database, to `store`."""
        return self._evictions

    def store(
        self, session_id: str, state: SessionState | None, *, read_at: float, evictions: int
    ) -> None:
        if self.max_age_seconds <= 0:
            return
        with self._lock:
            if evictions != self._evictions:
                return  # the read may predate a change this process made
            self._entries[session_id] = Remembered(state, read_at)
            self._entries.move_to_end(session_id)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget_session(self, session_id: str) -> None:
        with self._lock:
            self._evictions += 1
            self._entries.pop(session_id, None)

    def forget_user(self, user_id: int) -> None:
        with self._lock:
            self._evictions += 1
            ended = [
                session_id
                for session_id, entry in self._entries.items()
                if entry.state is not None and entry.state.user_id == user_id
            ]
            for session_id in ended:
                del self._entries[session_id]


# Each app's cache, found from its database engine: every change that ends access goes through a
# database session on that engine (service/accounts.py, sessions.py), so it evicts without each
# route having to remember to. Processes without a cache (the CLI) have nothing to evict.
_caches: "weakref.WeakKeyDictionary[Engine, SessionCache]" = weakref.WeakKeyDictionary()


def install_cache(engine: Engine, max_age_seconds: float) -> SessionCache:
    cache = SessionCache(max_age_seconds)
    _caches[engine] = cache
    return cache


def cache_of(engine: Engine) -> SessionCache | None:
    return _caches.get(engine)


def _cache_of_session(db: Session) -> SessionCache | None:
    bind = db.get_bind()
    return cache_of(bind) if isinstance(bind, Engine) else None


def forget_session(db: Session, session_id: str) -> None:
    """Call after committing a change that ends this session."""
    cache = _cache_of_session(db)
    if cache is not None:
        cache.forget_session(session_id)


def forget_user(db: Session, user_id: int) -> None:
    """Call after committing a change that ends (or changes) every session of this user."""
    cache = _cache_of_session(db)
    if cache is not None:
        cache.forget_user(user_id)
