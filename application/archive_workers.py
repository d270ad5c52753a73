"""The archive's request workers and its circuit breaker.

Workers are daemon threads fed through a queue (not a ``ThreadPoolExecutor``):
when a run stops (Ctrl-C, SIGTERM, the breaker, a failed list walk) a request
already on the wire may hang until its timeout, and nothing may wait for it:
the writer saves progress and returns at once, and the process may exit with
such a thread still blocked.  A worker never raises: every task reports its
outcome to the writer itself.

The breaker counts consecutive failed request attempts that say "the site is
down" (network errors, timeouts, HTTP 5xx) across every worker; any answer of
the site (success, 404, a refusal) resets it.  ``threshold`` such failures in a
row open it: the run stops instead of trying every pending post.
"""

from __future__ import annotations

import queue
import threading
from typing import Any, Callable, Dict, Optional

from jqcli.domain.errors import JqcliError

DEFAULT_THRESHOLD = 5


def says_site_down(error: BaseException) -> bool:
    """Whether ``error`` means the site could not answer (as opposed to answering "no")."""
    if not isinstance(error, JqcliError):
        return False
    if error.code in ("network_error", "timeout"):
        return True
    status = error.details.get("status")
    return error.code == "api_error" and isinstance(status, int) and status >= 500


class CircuitBreaker:
    """Thread-safe count of consecutive site-down failures."""

    def __init__(self, threshold: int = DEFAULT_THRESHOLD) -> None:
        self.threshold = max(1, threshold)
        self._lock = threading.Lock()
        self._run = 0
        self.opened: Optional[Dict[str, Any]] = None

    def success(self) -> None:
        with self._lock:
            if self.opened is None:
                self._run = 0

    def failure(self, error: BaseException) -> bool:
        """Record a failed attempt; True exactly once, when this failure opens the breaker."""
        if not says_site_down(error):
            self.success()  # the site answered: it is up
            return False
        with self._lock:
            if self.opened is not None:
                return False
            self._run += 1
            if self._run < self.threshold:
                return False
            code = error.code if isinstance(error, JqcliError) else "network_error"
            details = dict(error.details) if isinstance(error, JqcliError) else {}
            self.opened = {
                "consecutive_failures": self._run,
                "last_error": {"code": code, "message": str(error), "details": details},
            }
            return True


class WorkerPool:
    """``workers`` daemon threads running submitted callables in order."""

    def __init__(self, workers: int, name: str) -> None:
        self._tasks: queue.Queue[Optional[Callable[[], None]]] = queue.Queue()
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True) for i in range(max(1, workers))
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, task: Callable[[], None]) -> None:
        self._tasks.put(task)

    def _work(self) -> None:
        while True:
            task = self._tasks.get()
            if task is None:
                return
            task()

    def close(self) -> None:
        """Let idle workers end; a worker blocked in a request ends when it returns (never waited for)."""
        while True:
            try:
                self._tasks.get_nowait()
            except queue.Empty:
                break
        for _ in self._threads:
            self._tasks.put(None)
