"""``jqcli sandbox serve``'s HTTP/1.1 server: threads, keep-alive, and the faults only a socket can show.

``ThreadingHTTPServer`` with a ``BaseHTTPRequestHandler`` that bridges to the
WSGI app.  A response carrying the internal fault header is turned into a
connection reset (RST, no answer) or a truncated body (full Content-Length,
half the bytes, then close).
"""

from __future__ import annotations

import ipaddress
import socket
import struct
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Tuple

from jqcli.adapters.sandbox.site.faults import FAULT_HEADER
from jqcli.adapters.sandbox.site.web import WsgiApp, call_wsgi


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    timeout = 120  # idle keep-alive connections give their thread back
    disable_nagle_algorithm = True  # headers and body leave in separate writes: no 40 ms delayed-ACK stalls

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve()

    do_POST = do_HEAD = do_PUT = do_DELETE = do_OPTIONS = do_GET  # noqa: N815

    def _site(self) -> SandboxHTTPServer:
        if not isinstance(self.server, SandboxHTTPServer):
            raise TypeError("SandboxHandler serves a SandboxHTTPServer only")
        return self.server

    def _serve(self) -> None:
        started = time.perf_counter()
        self._answer()
        stats = getattr(self._site().app, "stats", None)
        if stats is not None and not self.path.startswith("/__sandbox__/"):
            stats.add_handler((time.perf_counter() - started) * 1000)

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        url = "http://" + (self.headers.get("Host") or "localhost") + self.path
        status, headers, payload = call_wsgi(self._site().app, self.command, url, self.headers.items(), body)
        fault = next((v for k, v in headers if k == FAULT_HEADER), "")
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        self.send_response_only(status)
        for name, value in headers:
            if name != FAULT_HEADER:
                self.send_header(name, value)
        self.send_header("Date", self.date_time_string())
        if fault == "truncate":
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD":
            return
        if fault == "truncate":
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet unless asked
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: Tuple[str, int], app: WsgiApp, *, verbose: bool = False) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        self.verbose = verbose
        super().__init__(address, SandboxHandler)

    @property
    def url(self) -> str:
        host, port = str(self.server_address[0]), self.server_address[1]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}"
