"""A scripted HTTP server on 127.0.0.1 for transport/session tests.

Each path has a queue of canned answers; when a queue has one answer left it
is repeated.  Special answers: ``Reset()`` closes the connection without a
response, ``Truncated(...)`` declares a longer Content-Length than it sends.
Every request is recorded (method, path, headers, body).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional, Tuple


class Answer:
    def __init__(
        self,
        status: int = 200,
        body: str | bytes = b"",
        headers: Optional[List[Tuple[str, str]]] = None,
        content_type: str = "application/json; charset=utf-8",
    ) -> None:
        self.status = status
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.headers = list(headers or [])
        if content_type and not any(k.lower() == "content-type" for k, _ in self.headers):
            self.headers.append(("Content-Type", content_type))


class Reset(Answer):
    pass


class Truncated(Answer):
    pass


class Recorded:
    def __init__(self, method: str, path: str, headers: Dict[str, str], body: bytes) -> None:
        self.method, self.path, self.headers, self.body = method, path, headers, body


class StubServer:
    def __init__(self) -> None:
        self.routes: Dict[Tuple[str, str], List[Answer]] = {}
        self.requests: List[Recorded] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                return None

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                stub.requests.append(Recorded(self.command, self.path, dict(self.headers), body))
                queue = stub.routes.get((self.command, path)) or stub.routes.get(("*", path))
                if not queue:
                    answer: Answer = Answer(404, b"not found", content_type="text/plain")
                else:
                    answer = queue.pop(0) if len(queue) > 1 else queue[0]
                if isinstance(answer, Reset):
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.send_response(answer.status)
                for key, value in answer.headers:
                    self.send_header(key, value)
                declared = len(answer.body) + (100 if isinstance(answer, Truncated) else 0)
                self.send_header("Content-Length", str(declared))
                if isinstance(answer, Truncated):
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(answer.body)
                if isinstance(answer, Truncated):
                    self.wfile.flush()
                    self.close_connection = True

            do_GET = do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, method: str, path: str, *answers: Answer) -> None:
        self.routes[(method, path)] = list(answers)

    def hits(self, path: str) -> List[Recorded]:
        return [r for r in self.requests if r.path.split("?", 1)[0] == path]

    def __enter__(self) -> StubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
