"""Meta-test: no cassette may carry a secret (cookies, page tokens, passwords, clone secrets)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.scrub import find_leaks, scrub_response, scrub_text

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"


def all_cassettes() -> list[Path]:
    return sorted(CASSETTES.rglob("*.yaml"))


@pytest.mark.parametrize("path", all_cassettes(), ids=lambda p: str(p.relative_to(CASSETTES)))
def test_cassette_holds_no_secret(path: Path) -> None:
    assert find_leaks(path.read_text("utf-8")) == []


def test_leak_scanner_catches_each_kind_of_secret() -> None:
    leaky = "\n".join(
        [
            "      Cookie: PHPSESSID=abc123; token=0123456789abcdef",
            "      - token=0123456789abcdef0123456789abcdef01234567; path=/",
            '      string: \'<script>window.tokenData={name:"token",value:"deadbeef"}</script>\'',
            '      string: \'{"data":{"secret":"s3cr3t","amount":48}}\'',
            "    body: CyLoginForm%5Busername%5D=u&CyLoginForm%5Bpwd%5D=hunter2&token=x",
        ]
    )
    assert len(find_leaks(leaky)) == 5


def test_scrubbed_response_has_no_leak() -> None:
    response = {
        "headers": {
            "Set-Cookie": ["PHPSESSID=abc; path=/; HttpOnly", "token=0123abcd; path=/"],
            "Content-Length": ["80"],
        },
        "body": {"string": b'<script>window.tokenData={name:"token",value:"deadbeef"}</script>{"secret":"x"}'},
    }
    scrubbed = scrub_response(response)
    assert scrubbed["headers"]["Set-Cookie"] == [
        "PHPSESSID=REDACTED; path=/; HttpOnly",
        "token=REDACTED; path=/",
    ]
    body = scrubbed["body"]["string"].decode()
    assert "deadbeef" not in body and '"secret":"REDACTED"' in body
    assert scrubbed["headers"]["Content-Length"] == [str(len(scrubbed["body"]["string"]))]
    assert "tokenData" in scrub_text('window.tokenData={name:"token",value:"abc"}')
