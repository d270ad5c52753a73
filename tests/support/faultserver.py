"""A misbehaving HTTP server on 127.0.0.1 for fault tests (unit, e2e, benchmarks).

Every request gets the fault of the first route whose path prefix matches (else the
default fault).  Faults:

- ``drip``: 200 with a large ``Content-Length``; the body arrives one byte per
  ``drip_interval`` seconds (1 s by default) until the client goes away;
- ``oversize``: 200 ``application/json`` of ``oversize_bytes`` (50 MiB by default),
  sent as fast as the client reads; ``oversize-nolength`` sends the same with no
  ``Content-Length`` (ended by closing the connection), so only a reader that counts
  can stop it;
- ``echo``: an HTML error page (status ``echo_status``, 500 by default) that echoes the
  request line and every request header, the ``Cookie`` header first (for redaction
  tests: whatever the client sent must not reach its output);
- ``hang``: accepts the request and never answers;
- ``proxy``: forwards the request to ``upstream`` (e.g. a sandbox server) unchanged, so
  a test can log in through the proxy and break only some paths.

Use it as a context manager::

    with FaultServer("drip") as server:           # every path drips
        run(["--api-base", server.url, ...])
    with FaultServer("proxy", upstream=sandbox.url, routes={"/algorithm/index/list": "oversize"}):
        ...

or from a shell: ``python -m tests.support.faultserver echo --port 8765``.
``server.requests`` records ``(method, path, headers)`` of every request.
"""

from __future__ import annotations

import argparse
import html
import http.client
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional, Tuple
from urllib.parse import urlsplit

MiB = 1024 * 1024
FAULTS = ("drip", "oversize", "oversize-nolength", "echo", "hang", "proxy")
_HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class FaultServer:
    def __init__(
        self,
        fault: str = "echo",
        *,
        routes: Optional[Dict[str, str]] = None,
        upstream: str = "",
        drip_interval: float = 1.0,
        drip_length: int = 100_000,
        oversize_bytes: int = 50 * MiB,
        echo_status: int = 500,
        port: int = 0,
    ) -> None:
        for name in [fault, *(routes or {}).values()]:
            if name not in FAULTS:
                raise ValueError(f"unknown fault {name!r}; choose from {FAULTS}")
        if "proxy" in [fault, *(routes or {}).values()] and not upstream:
            raise ValueError("the proxy fault needs upstream=<url>")
        self.fault = fault
        self.routes = dict(routes or {})
        self.upstream = upstream.rstrip("/")
        self.drip_interval = drip_interval
        self.drip_length = drip_length
        self.oversize_bytes = oversize_bytes
        self.echo_status = echo_status
        self.requests: List[Tuple[str, str, Dict[str, str]]] = []
        self._stop = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="faultserver", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def fault_for(self, path: str) -> str:
        for prefix, fault in self.routes.items():
            if path.startswith(prefix):
                return fault
        return self.fault

    def start(self) -> FaultServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def hits(self, path_prefix: str = "") -> List[Tuple[str, str, Dict[str, str]]]:
        return [r for r in self.requests if r[1].startswith(path_prefix)]


def _handler_for(server: FaultServer) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet
            return

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = urlsplit(self.path).path
            server.requests.append((self.command, self.path, dict(self.headers.items())))
            fault = server.fault_for(path)
            try:
                getattr(self, "_" + fault.replace("-", "_"))(body)
            except (BrokenPipeError, ConnectionResetError, socket.timeout):
                self.close_connection = True

        do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _serve

        def _drip(self, _body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(server.drip_length))
            self.end_headers()
            self.wfile.flush()
            for _ in range(server.drip_length):
                if server._stop.wait(server.drip_interval):
                    break
                self.wfile.write(b" ")
                self.wfile.flush()
            self.close_connection = True

        def _oversize(self, _body: bytes, *, declare: bool = True) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            if declare:
                self.send_header("Content-Length", str(server.oversize_bytes))
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            head = b'{"data":"'
            block = b"x" * (256 * 1024)
            sent = len(head)
            self.wfile.write(head)
            while sent < server.oversize_bytes and not server._stop.is_set():
                piece = block[: server.oversize_bytes - sent]
                self.wfile.write(piece)
                sent += len(piece)
            self.wfile.flush()
            self.close_connection = True

        def _oversize_nolength(self, body: bytes) -> None:
            self._oversize(body, declare=False)

        def _echo(self, _body: bytes) -> None:
            lines = [f"{self.command} {self.path} {self.request_version}"]
            cookie = self.headers.get("Cookie")
            if cookie is not None:
                lines.append(f"Cookie: {cookie}")
            lines += [f"{k}: {v}" for k, v in self.headers.items() if k.lower() != "cookie"]
            text = "\n".join(html.escape(line, quote=False) for line in lines)
            page = (
                "<html><head><title>500 Internal Server Error</title></head><body>"
                f"<h1>服务器错误</h1><pre>{text}</pre></body></html>"
            ).encode()
            self.send_response(server.echo_status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def _hang(self, _body: bytes) -> None:
            server._stop.wait(3600)
            self.close_connection = True

        def _proxy(self, body: bytes) -> None:
            target = urlsplit(server.upstream)
            conn = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_HEADERS}
            try:
                conn.request(self.command, self.path, body=body or None, headers=headers)
                answer = conn.getresponse()
                payload = answer.read()
            finally:
                conn.close()
            self.send_response(answer.status)
            for key, value in answer.getheaders():
                if key.lower() not in _HOP_HEADERS:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="A misbehaving HTTP server for fault tests")
    parser.add_argument("fault", choices=FAULTS)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--upstream", default="")
    parser.add_argument("--route", action="append", default=[], metavar="PREFIX=FAULT")
    args = parser.parse_args(argv)
    routes = dict(item.split("=", 1) for item in args.route)
    with FaultServer(args.fault, routes=routes, upstream=args.upstream, port=args.port) as server:
        print(server.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    raise SystemExit(main())
