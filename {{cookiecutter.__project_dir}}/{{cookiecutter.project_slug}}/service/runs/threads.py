"""The threads workflows run in: a pool of their own, bounded in total and per user.

A workflow can hold its thread for minutes (waiting for the LLM, the weather API or the user).
Running workflows in the pool that serves requests let one user who parked enough of them stall
every request, /health and /token included; here they cannot take more than their own threads,
and a start beyond the limits is refused at once instead of queueing behind the others.
"""

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

# What a refused start is told to wait: workflows take seconds to minutes.
RETRY_AFTER_SECONDS = 10


class NoRoomToRun(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.retry_after_seconds = RETRY_AFTER_SECONDS


class UserAtRunLimit(NoRoomToRun):
    """The user already runs as many workflows as allowed."""


class AllThreadsBusy(NoRoomToRun):
    """Every workflow thread is taken."""


class WorkflowThreads:
    def __init__(self, *, max_running: int, max_per_user: int) -> None:
        self.max_running = max_running
        self.max_per_user = max_per_user
        self._executor = ThreadPoolExecutor(max_workers=max_running, thread_name_prefix="workflow")
        self._running: Counter[str] = Counter()
        self._lock = threading.Lock()

    def check_room(self, user_id: str) -> None:
        """Raise NoRoomToRun if `user_id` could not start a workflow now."""
        with self._lock:
            self._check_room(user_id)

    def _check_room(self, user_id: str) -> None:
        if self._running[user_id] >= self.max_per_user:
            raise UserAtRunLimit(f"you already run {self.max_per_user} workflows")
        if self._running.total() >= self.max_running:
            raise AllThreadsBusy("the service is busy")

    def start(self, user_id: str, function: Callable[[], Any]) -> "Future[Any]":
        """Run `function` in a workflow thread, counted against `user_id` until it returns."""
        with self._lock:
            self._check_room(user_id)
            self._running[user_id] += 1
        future = self._executor.submit(function)
        future.add_done_callback(lambda _: self._finished(user_id))
        return future

    def _finished(self, user_id: str) -> None:
        with self._lock:
            self._running[user_id] -= 1
            if not self._running[user_id]:
                del self._running[user_id]
