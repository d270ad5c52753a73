"""The network transport: one pooled keep-alive urllib3 manager per process.

It sends exactly one request per call: no redirects followed, no retries
(retrying is the session's decision and only for idempotent GETs).  Every
urllib3 failure, and a body shorter than its Content-Length, becomes a
``NetworkError``.  Only urllib3 API common to 1.26 and 2.x is used.

``timeout`` bounds the whole exchange, not each socket read: connecting,
waiting for the headers and reading the body must all end within ``timeout``
seconds of the call, so a body trickling in byte by byte still ends on time
(``NetworkError`` with ``details.timed_out``).  The body is read in chunks
and never held beyond ``max_body`` bytes (``ApiError`` 「响应过大」).
"""

from __future__ import annotations

import heapq
import socket
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, List, Mapping, Optional, Tuple

from jqcli.adapters.http import HttpRequest, HttpResponse
from jqcli.domain.errors import ApiError, NetworkError

if TYPE_CHECKING:
    import urllib3

# A urllib3 response: ``urllib3.response.HTTPResponse`` on 1.26, ``BaseHTTPResponse`` on 2.x; only
# the calls common to both are made (read, headers, status, close, release_conn).
Response = Any

DEFAULT_MAX_BODY = 32 * 1024 * 1024  # no page or JSON answer of the site comes near this
CHUNK = 64 * 1024

_POOL: Optional[urllib3.PoolManager] = None
_POOL_LOCK = threading.Lock()


def shared_pool_manager(maxsize: int = 16) -> urllib3.PoolManager:
    """The process-wide PoolManager (created on first use, shared by every thread)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            import urllib3

            _POOL = urllib3.PoolManager(num_pools=4, maxsize=maxsize, block=False, retries=False)
        return _POOL


class Urllib3Transport:
    """Implements the ``HttpTransport`` port with urllib3."""

    def __init__(
        self,
        *,
        maxsize: int = 16,
        private: bool = False,
        max_body: int = DEFAULT_MAX_BODY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if private:  # e.g. for recording tests: connections not shared with other transports
            import urllib3

            self._pool = urllib3.PoolManager(num_pools=4, maxsize=maxsize, block=False, retries=False)
        else:
            self._pool = shared_pool_manager(maxsize)
        self._private = private
        self.max_body = max_body
        self._clock = clock

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        """One exchange that ends within ``timeout`` seconds (connect, headers and body together)."""
        import urllib3

        deadline = self._clock() + timeout
        try:
            response = self._pool.request(
                request.method,
                request.url,
                body=request.body,
                headers=dict(request.headers),
                redirect=False,
                retries=False,
                timeout=urllib3.Timeout(total=timeout, connect=timeout, read=timeout),
                preload_content=False,
                decode_content=True,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise _network_error(exc, request, timeout) from exc
        watchdog = _Watchdog(response, max(0.0, deadline - self._clock()))
        try:
            body = self._read_body(response, request, watchdog, timeout)
        except BaseException:
            watchdog.stop()
            _discard(response)
            raise
        if not watchdog.stop():  # it fired right after the last byte: the socket is already shut
            _discard(response)
        else:
            response.release_conn()
        headers = tuple((key, value) for key in response.headers for value in response.headers.getlist(key))
        _check_length(response.headers, body, request)
        return HttpResponse(status=response.status, headers=headers, body=body, url=request.url)

    def _read_body(self, response: Response, request: HttpRequest, watchdog: _Watchdog, timeout: float) -> bytes:
        import urllib3

        declared = _declared_length(response.headers)
        if declared is not None and declared > self.max_body and not response.headers.get("Content-Encoding"):
            raise _too_large(request, self.max_body, declared)
        chunks: List[bytes] = []
        size = 0
        while True:
            try:
                chunk = response.read(CHUNK, decode_content=True)
            except Exception as exc:  # noqa: BLE001 - after the watchdog shut the socket, any read error is the deadline
                if watchdog.fired or "Timeout" in type(exc).__name__ or "timed out" in str(exc):
                    raise _deadline_error(request, timeout, size) from exc
                if isinstance(exc, (urllib3.exceptions.HTTPError, OSError)):
                    raise _network_error(exc, request, timeout) from exc
                raise
            if watchdog.fired:  # the socket was shut at the deadline: what came is not the whole body
                raise _deadline_error(request, timeout, size + len(chunk))
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > self.max_body:
                raise _too_large(request, self.max_body, declared)
            chunks.append(chunk)

    def close(self) -> None:
        """Close a private pool; the shared one lives for the whole process."""
        if self._private:
            self._pool.clear()


class _Watchdog:
    """Shuts the response's socket at the deadline, so a read blocked on a trickling body returns.

    Every socket read is also bounded by urllib3's read timeout; the watchdog bounds their sum.
    Arming one costs a heap push, not a thread: one long-lived ``_Deadlines`` thread per process
    sleeps until the earliest armed deadline (a disarmed one is skipped when it comes up).
    """

    def __init__(self, response: Response, seconds: float) -> None:
        self._response = response
        self._lock = threading.Lock()
        self._done = False
        self.fired = False
        _deadlines().arm(time.monotonic() + seconds, self)

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            connection = getattr(self._response, "connection", None) or getattr(self._response, "_connection", None)
            sock = getattr(connection, "sock", None)
            if sock is not None:
                # the plain socket's shutdown, also under TLS: ``SSLSocket.shutdown`` would drop its SSL
                # object while the reading thread still uses it
                try:
                    if isinstance(sock, socket.socket):
                        socket.socket.shutdown(sock, socket.SHUT_RDWR)
                    else:
                        sock.shutdown(socket.SHUT_RDWR)
                except (OSError, AttributeError):
                    return  # already closed: the blocked read has returned anyway

    @property
    def done(self) -> bool:
        return self._done

    def stop(self) -> bool:
        """Disarm; False when it had already fired."""
        with self._lock:
            self._done = True
            return not self.fired


class _Deadlines:
    """One daemon thread firing armed watchdogs at their deadlines (``time.monotonic``).

    ``arm`` pushes onto a heap and wakes the thread only when the new deadline is the earliest
    (requests with one ``--timeout`` arm ever later deadlines: no wake-up per request).  A
    disarmed watchdog stays in the heap until its deadline comes up and is then dropped; a
    heap made mostly of disarmed entries is compacted, so it never outgrows the live ones much.
    """

    def __init__(self) -> None:
        self._heap: List[Tuple[float, int, _Watchdog]] = []
        self._cond = threading.Condition(threading.Lock())
        self._count = 0
        self._thread: Optional[threading.Thread] = None

    def arm(self, deadline: float, watchdog: _Watchdog) -> None:
        with self._cond:
            self._count += 1
            earliest = self._heap[0][0] if self._heap else None
            heapq.heappush(self._heap, (deadline, self._count, watchdog))
            if len(self._heap) > COMPACT_AT and len(self._heap) > 4 * self._live():
                self._heap = [entry for entry in self._heap if not entry[2].done]
                heapq.heapify(self._heap)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="jq-deadlines", daemon=True)
                self._thread.start()
            elif earliest is None or deadline < earliest:
                self._cond.notify()

    def _live(self) -> int:
        return sum(1 for entry in self._heap if not entry[2].done)

    def _run(self) -> None:
        while True:
            due: List[_Watchdog] = []
            with self._cond:
                now = time.monotonic()
                while self._heap and (self._heap[0][0] <= now or self._heap[0][2].done):
                    watchdog = heapq.heappop(self._heap)[2]
                    if not watchdog.done:
                        due.append(watchdog)
                if not due:
                    self._cond.wait(self._heap[0][0] - now if self._heap else None)
                    continue
            for watchdog in due:  # outside the lock: a shutdown never holds up arming
                watchdog._fire()


COMPACT_AT = 1024
_DEADLINES: Optional[_Deadlines] = None


def _deadlines() -> _Deadlines:
    global _DEADLINES
    with _POOL_LOCK:
        if _DEADLINES is None:
            _DEADLINES = _Deadlines()
        return _DEADLINES


def _discard(response: Response) -> None:
    """Drop a half-read connection: it must never go back to the pool."""
    connection = getattr(response, "connection", None) or getattr(response, "_connection", None)
    try:
        response.close()
        if connection is not None:
            connection.close()
    finally:
        response.release_conn()


def _declared_length(headers: Mapping[str, str]) -> Optional[int]:
    value = headers.get("Content-Length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _too_large(request: HttpRequest, limit: int, declared: Optional[int]) -> ApiError:
    details: dict = {"url": _strip_query(request.url), "limit_bytes": limit}
    if declared is not None:
        details["content_length"] = declared
    return ApiError(
        f"响应过大(超过 {limit // (1024 * 1024)} MiB),已停止读取",
        details=details,
        hint="聚宽的页面和接口不会返回这么大的响应;检查 --api-base 指向的服务器",
    )


def _deadline_error(request: HttpRequest, timeout: float, received: int) -> NetworkError:
    return NetworkError(
        f"请求超时(超过 --timeout {timeout:g} 秒仍未收完响应)",
        details={
            "url": _strip_query(request.url),
            "reason": "deadline",
            "timed_out": True,
            "timeout_seconds": timeout,
            "received_bytes": received,
        },
    )


def _network_error(exc: Exception, request: HttpRequest, timeout: float) -> NetworkError:
    name = type(exc).__name__
    details: dict = {"url": _strip_query(request.url), "reason": name}
    if "Timeout" in name:
        details.update(timed_out=True, timeout_seconds=timeout)
    return NetworkError(_describe(exc), details=details)


def _check_length(headers: Mapping[str, str], body: bytes, request: HttpRequest) -> None:
    if headers.get("Content-Encoding") or request.method == "HEAD":
        return
    expected = _declared_length(headers)
    if expected is not None and len(body) < expected:
        raise NetworkError(
            "响应被截断(连接提前关闭)",
            details={
                "url": _strip_query(request.url),
                "expected_bytes": expected,
                "received_bytes": len(body),
            },
        )


def _describe(exc: Exception) -> str:
    name = type(exc).__name__
    if "Timeout" in name:
        return "请求超时"
    if "NewConnection" in name or "NameResolution" in name or "MaxRetry" in name:
        return "无法连接到服务器"
    if "Protocol" in name or "IncompleteRead" in name:
        return "连接中断或响应被截断"
    if "SSL" in name:
        return "TLS/SSL 握手失败"
    return f"网络错误: {name}"


def _strip_query(url: str) -> str:
    return url.split("?", 1)[0]
