"""The network transport: one pooled keep-alive urllib3 manager per process.

It sends exactly one request per call: no redirects followed, no retries
(retrying is the session's decision and only for idempotent GETs).  Every
urllib3 failure, and a body shorter than its Content-Length, becomes a
``NetworkError``.  Only urllib3 API common to 1.26 and 2.x is used.
"""

from __future__ import annotations

import threading

from jqcli.application.ports import HttpRequest, HttpResponse
from jqcli.domain.errors import NetworkError

_POOL = None
_POOL_LOCK = threading.Lock()


def shared_pool_manager(maxsize: int = 16):  # type: ignore[no-untyped-def]
    """The process-wide PoolManager (created on first use, shared by every thread)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            import urllib3

            _POOL = urllib3.PoolManager(num_pools=4, maxsize=maxsize, block=False, retries=False)
        return _POOL


class Urllib3Transport:
    """Implements the ``HttpTransport`` port with urllib3."""

    def __init__(self, *, maxsize: int = 16, private: bool = False) -> None:
        if private:  # e.g. for recording tests: connections not shared with other transports
            import urllib3

            self._pool = urllib3.PoolManager(num_pools=4, maxsize=maxsize, block=False, retries=False)
        else:
            self._pool = shared_pool_manager(maxsize)
        self._private = private

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        import urllib3

        try:
            response = self._pool.request(
                request.method,
                request.url,
                body=request.body,
                headers=dict(request.headers),
                redirect=False,
                retries=False,
                timeout=urllib3.Timeout(connect=timeout, read=timeout),
                preload_content=True,
                decode_content=True,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise NetworkError(
                _describe(exc), details={"url": _strip_query(request.url), "reason": type(exc).__name__}
            ) from exc
        headers = tuple((key, value) for key in response.headers for value in response.headers.getlist(key))
        body = response.data or b""
        _check_length(response.headers, body, request)
        return HttpResponse(status=response.status, headers=headers, body=body, url=request.url)

    def close(self) -> None:
        """Close a private pool; the shared one lives for the whole process."""
        if self._private:
            self._pool.clear()


def _check_length(headers, body: bytes, request: HttpRequest) -> None:  # type: ignore[no-untyped-def]
    declared = headers.get("Content-Length")
    if declared is None or headers.get("Content-Encoding") or request.method == "HEAD":
        return
    try:
        expected = int(declared)
    except ValueError:
        return
    if len(body) < expected:
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
