"""Contract tests: the real JoinQuant adapters against recorded HTTP (vcrpy cassettes).

Replay (default): every request is answered from ``cassettes/<module>/<test>.yaml``;
nothing reaches the network (vcrpy's record mode "none" plus a socket guard).

Record:
- ``JQCLI_RECORD=sandbox .venv/bin/pytest tests/contract -p no:randomly`` starts a
  sandbox server on 127.0.0.1, logs in as its demo account and re-records every
  cassette;
- ``JQCLI_RECORD=live`` records against the real site with the credentials of
  ``.env`` (``JQCLI_COOKIE``, or ``JQCLI_USERNAME``/``JQCLI_PASSWORD``).
Secrets are scrubbed before anything is written (see ``tests/support/scrub.py``);
``test_cassette_hygiene.py`` checks every cassette.  Record with one worker:
vcrpy is not thread-safe.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from tests.support.scrub import scrub_request, scrub_response

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ROOT / "cassettes"
RECORD = os.environ.get("JQCLI_RECORD", "").strip().lower()
REPLAY_BASE = "http://127.0.0.1:9"
REPLAY_COOKIE = "PHPSESSID=REDACTED; token=REDACTED"


class Target:
    """The site being recorded (or the replay placeholders) and how to log in to it."""

    def __init__(self, api_base: str, cookie: str, username: str = "replay-user", password: str = "REDACTED"):
        self.api_base, self.cookie, self.username, self.password = api_base, cookie, username, password


@pytest.fixture(scope="session")
def record_target(tmp_path_factory):
    if RECORD == "sandbox":
        from tests.support.sandbox_proc import start_sandbox_server

        state = tmp_path_factory.mktemp("contract-sandbox") / "state.sqlite3"
        server = start_sandbox_server(str(state), "--seed", "7")
        try:
            cookie = _login(server.url, server.username, server.password)
            yield Target(server.url, cookie, server.username, server.password)
        finally:
            server.stop()
    elif RECORD == "live":
        values = _live_env()
        yield Target(
            "https://www.joinquant.com",
            _live_cookie(values),
            values.get("JQCLI_USERNAME", ""),
            values.get("JQCLI_PASSWORD", ""),
        )
    elif RECORD:
        raise pytest.UsageError(f"JQCLI_RECORD must be 'sandbox' or 'live', not {RECORD!r}")
    else:
        yield Target(REPLAY_BASE, REPLAY_COOKIE)


def _login(api_base: str, username: str, password: str) -> str:
    from jqcli.adapters.joinquant.auth import JoinQuantAuthGateway
    from jqcli.adapters.joinquant.session import JoinQuantSession
    from jqcli.adapters.joinquant.transport import Urllib3Transport

    session = JoinQuantSession(api_base=api_base, transport=Urllib3Transport(private=True))
    return JoinQuantAuthGateway(session).login(username, password).cookie


def _live_env() -> dict:
    from jqcli.adapters.config.dotenv import parse_dotenv

    env_path = ROOT / ".env"
    values = parse_dotenv(env_path.read_text("utf-8")).values if env_path.exists() else {}
    values.update(os.environ)
    return values


def _live_cookie(values: dict) -> str:
    if values.get("JQCLI_COOKIE"):
        return values["JQCLI_COOKIE"]
    return _login("https://www.joinquant.com", values["JQCLI_USERNAME"], values["JQCLI_PASSWORD"])


@pytest.fixture
def block_network(monkeypatch):
    """Any real connection attempt during replay is a test failure."""
    if RECORD:
        return

    def refuse(*args, **kwargs):
        raise AssertionError("contract tests must not touch the network during replay")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def cassette_path(request) -> Path:
    module = Path(request.node.fspath).stem
    return CASSETTES / module / f"{request.node.name}.yaml"


@pytest.fixture
def jq_session(jq_recorder, record_target):
    """A logged-in JoinQuantSession whose traffic is recorded to / replayed from this test's cassette."""
    return jq_recorder(record_target.cookie)


@pytest.fixture
def jq_recorder(request, record_target, block_network):
    """A factory ``make(cookie) -> JoinQuantSession``, all inside this test's cassette (``""`` = logged out)."""
    import vcr

    from jqcli.adapters.joinquant.session import JoinQuantSession, RetryPolicy
    from jqcli.adapters.joinquant.transport import Urllib3Transport

    path = cassette_path(request)
    if not RECORD and not path.exists():
        pytest.fail(f"missing cassette {path.relative_to(ROOT)}; record it with JQCLI_RECORD=sandbox")
    recorder = vcr.VCR(
        record_mode="all" if RECORD else "none",
        match_on=["method", "path", "query"],
        before_record_request=scrub_request,
        before_record_response=scrub_response,
        decode_compressed_response=True,
    )
    transport = Urllib3Transport(private=True)

    def make(cookie: str) -> JoinQuantSession:
        return JoinQuantSession(
            api_base=record_target.api_base,
            transport=transport,
            cookie=cookie,
            retry=RetryPolicy(max_retries=0),
            sleep=lambda seconds: None,
        )

    with recorder.use_cassette(str(path)):
        yield make
    transport.close()
