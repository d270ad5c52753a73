"""One strict parse of the site address decides both the allow-list check and where urllib3 connects."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import urllib3
from hypothesis import given, settings
from hypothesis import strategies as st

from jqcli.adapters.joinquant.session import JoinQuantSession, credentials_allowed
from jqcli.domain.errors import UsageError
from jqcli.domain.sites import BadSite, parse_site
from tests.support.clirun import run_cli

BYPASSES = [
    "http://0.0.0.0:9\\@127.0.0.1",
    "https://evil.example\\@www.joinquant.com",
    "https://evil.example@www.joinquant.com",
    "https://www.joinquant.com@evil.example",
    "http://user:pass@127.0.0.1:8765",
    "http://@127.0.0.1",
    "http://[::1",
    "http://[::1]x",
    "http://127.0.0.1:99999",
    "http://127.0.0.1:0",
    "http://127.0.0.1:8x",
    "http://127.0.0.1:",
    "http://127.0.0.1 /",
    "http://127.0.0.1\t.evil.example",
    "http://evil.example%2f@www.joinquant.com",
    "http://例え.jp",
    "ftp://x",
    "javascript:alert(1)",
    "http:///path",
    "https://www.joinquant.com?x=@evil",
    "https://www.joinquant.com#@evil",
    "http://[fe80::1%25eth0]",
    "http://a_b.example",
]


@pytest.mark.parametrize("bad", BYPASSES)
def test_ambiguous_or_bad_addresses_are_refused(bad) -> None:
    with pytest.raises(BadSite):
        parse_site(bad)
    assert credentials_allowed(bad) is False


@pytest.mark.parametrize("bad", BYPASSES)
def test_bad_api_base_is_a_usage_error_naming_the_option(tmp_path, bad) -> None:
    out = run_cli(
        ["--format", "json", "--api-base", bad, "auth", "status"],
        env={"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg")},
        cwd=str(tmp_path),
    )
    assert out.code == 3, out
    assert out.error["code"] == "usage_error" and "--api-base" in out.error["message"]


def test_user_info_password_is_not_echoed(tmp_path) -> None:
    out = run_cli(
        ["--format", "json", "--api-base", "http://me:hunter2secret@127.0.0.1", "auth", "status"],
        env={"HOME": str(tmp_path)},
        cwd=str(tmp_path),
    )
    assert out.code == 3 and "hunter2secret" not in out.stderr


@pytest.mark.parametrize(
    ("text", "canonical", "allowed"),
    [
        ("https://www.joinquant.com/", "https://www.joinquant.com", True),
        ("HTTPS://WWW.JoinQuant.com", "https://www.joinquant.com", True),
        ("http://www.joinquant.com", "http://www.joinquant.com", False),  # credentials only over https
        ("https://joinquant.com.evil.example", "https://joinquant.com.evil.example", False),
        ("https://evil-joinquant.com", "https://evil-joinquant.com", False),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765", True),
        ("http://127.evil.example", "http://127.evil.example", False),  # not an IP literal: DNS decides
        ("http://0.0.0.0:8765", "http://0.0.0.0:8765", False),
        ("http://[::1]:8765/", "http://[::1]:8765", True),
        ("http://[0:0::1]", "http://[::1]", True),
        ("http://localhost:1/prefix/", "http://localhost:1/prefix", True),
        ("http://sandbox.localhost", "http://sandbox.localhost", True),
        (" http://127.0.0.1:1\n", "http://127.0.0.1:1", True),  # surrounding whitespace is only trimmed
    ],
)
def test_canonical_form_and_allow_list(text, canonical, allowed) -> None:
    site = parse_site(text)
    assert str(site) == canonical
    assert site.credentials_allowed is allowed
    assert credentials_allowed(text) is allowed


def test_session_refuses_an_ambiguous_base_even_with_the_allow_switch() -> None:
    with pytest.raises(UsageError):
        JoinQuantSession(api_base="http://0.0.0.0:9\\@127.0.0.1", transport=None, allow_custom_api_base=True)


def _connect_target(url: str):
    pool = urllib3.PoolManager().connection_from_url(url)
    return pool.scheme, pool.host, pool.port


_ALPHABET = "abcxyz019.-:_@\\/[]%?#~ \t\n" + "ABC" + "\u00e9\u3000\uff0e"


@settings(max_examples=400, deadline=None)
@given(
    scheme=st.sampled_from(["http", "https", "HTTP", "hTtPs", "ftp", ""]),
    host=st.one_of(
        st.text(alphabet=_ALPHABET, max_size=30),
        st.sampled_from(["127.0.0.1", "[::1]", "www.joinquant.com", "0.0.0.0", "localhost"]).flatmap(
            lambda h: st.text(alphabet=_ALPHABET, max_size=12).map(lambda tail, h=h: h + tail)
        ),
    ),
)
def test_every_accepted_base_connects_to_the_host_that_was_checked(scheme, host) -> None:
    text = f"{scheme}://{host}"
    try:
        site = parse_site(text)
    except BadSite:
        return
    url = str(site) + "/user/index/isLogin?x=1"
    default_port = 443 if site.scheme == "https" else 80
    assert _connect_target(url) == (site.scheme, site.host, site.port or default_port)
    parts = urlsplit(url)
    assert (parts.scheme, parts.hostname, parts.port) == (site.scheme, site.host, site.port)
    assert credentials_allowed(str(site)) is site.credentials_allowed
