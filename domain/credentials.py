"""Credentials and the spec's precedence rules (pure; imported on the fast path).

Precedence (spec, 凭据优先级): ``--token``/``--cookie`` flag > ``JQCLI_TOKEN``/
``JQCLI_COOKIE`` (real environment or ``.env``) > the saved config.  Within one
level a cookie beats a token: the site authenticates by its session cookies
and a lone token is only honoured by some JSON endpoints.

Plain classes on purpose: ``auth status`` must start fast and must not pay
for importing attrs.
"""

from __future__ import annotations

CREDENTIAL_KINDS = ("cookie", "token")


class Credentials:
    """Saved or declared secrets; empty strings mean "not set"."""

    __slots__ = ("token", "cookie", "username")

    def __init__(self, token: str = "", cookie: str = "", username: str = "") -> None:
        self.token = token or ""
        self.cookie = cookie or ""
        self.username = username or ""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Credentials):
            return NotImplemented
        return (self.token, self.cookie, self.username) == (other.token, other.cookie, other.username)

    def __hash__(self) -> int:
        return hash((self.token, self.cookie, self.username))

    def __repr__(self) -> str:  # never show the secrets themselves
        return (
            f"Credentials(token={'<set>' if self.token else ''!r}, "
            f"cookie={'<set>' if self.cookie else ''!r}, username={self.username!r})"
        )

    @property
    def empty(self) -> bool:
        return not (self.token or self.cookie)


class ConfigCleared:
    """What forgetting the saved credentials did: a corrupt config file is moved aside (``backup``) and reset.

    A plain class, like the two above: ``auth`` commands run on the fast path, without attrs.
    """

    __slots__ = ("reset", "backup")

    def __init__(self, reset: bool = False, backup: str = "") -> None:
        self.reset = reset
        self.backup = backup

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ConfigCleared):
            return NotImplemented
        return (self.reset, self.backup) == (other.reset, other.backup)

    def __hash__(self) -> int:
        return hash((self.reset, self.backup))

    def __repr__(self) -> str:
        return f"ConfigCleared(reset={self.reset!r}, backup={self.backup!r})"


class ResolvedCredential:
    """The one credential a command will use, and where it came from."""

    __slots__ = ("kind", "value", "origin")

    def __init__(self, kind: str = "", value: str = "", origin: str = "") -> None:
        self.kind = kind  # "cookie" | "token" | ""
        self.value = value
        self.origin = origin  # "flag" | "env" | "config" | "sandbox" | ""

    def __bool__(self) -> bool:
        return bool(self.kind and self.value)

    def __repr__(self) -> str:
        return f"ResolvedCredential(kind={self.kind!r}, origin={self.origin!r})"

    def as_cookie_header(self) -> str:
        """The ``Cookie`` header value carrying this credential.

        A token is the site's own ``token`` session cookie (40 hex), so it is
        sent as ``token=<value>`` rather than as an Authorization header the
        site does not read.
        """
        if self.kind == "cookie":
            return self.value.strip()
        if self.kind == "token":
            return f"token={self.value.strip()}"
        return ""


def resolve_credentials(
    *,
    flag_token: str = "",
    flag_cookie: str = "",
    env_token: str = "",
    env_cookie: str = "",
    saved: Credentials | None = None,
) -> ResolvedCredential:
    """Apply the spec's precedence; an empty result means "not logged in"."""
    saved = saved or Credentials()
    levels = (
        ("flag", flag_cookie, flag_token),
        ("env", env_cookie, env_token),
        ("config", saved.cookie, saved.token),
    )
    for origin, cookie, token in levels:
        if cookie and cookie.strip():
            return ResolvedCredential("cookie", cookie.strip(), origin)
        if token and token.strip():
            return ResolvedCredential("token", token.strip(), origin)
    return ResolvedCredential()


def parse_cookie_header(header: str) -> list[tuple[str, str]]:
    """Split ``a=1; b=2`` into ordered pairs (junk segments without ``=`` are dropped)."""
    pairs: list[tuple[str, str]] = []
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name.strip():
            pairs.append((name.strip(), value.strip()))
    return pairs


def format_cookie_header(pairs: list[tuple[str, str]] | dict[str, str]) -> str:
    """Join cookie pairs back into one ``Cookie`` header value."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return "; ".join(f"{name}={value}" for name, value in items)


MAX_CREDENTIAL_CHARS = 16384  # web servers cap a header line at 8-16 KiB; real JoinQuant cookies are ~1-2 KiB


def credential_problem(kind: str, value: str) -> str:
    """Why ``value`` cannot be sent as a ``Cookie`` header ("" when it can).

    A header is ASCII on the wire: a non-ASCII character cannot be sent at all
    and CR/LF or other control characters would split or corrupt the request.
    A token is one cookie value, so it may not hold the pair separator ``;``.
    A value longer than any site accepts in a header is refused too: saved, it would also
    outgrow the config file jqcli reads back (1 MiB) and break every later command.
    """
    if len(value) > MAX_CREDENTIAL_CHARS:
        return f"过长(超过 {MAX_CREDENTIAL_CHARS} 个字符;站点不接受这么长的 Cookie 头,请检查复制的内容)"
    for ch in value:
        code = ord(ch)
        if ch in "\r\n":
            return "不能包含换行符(CR/LF)"
        if code < 0x20 or code == 0x7F:
            return "不能包含控制字符"
        if code > 0x7E:
            return "只能包含 ASCII 字符(浏览器中的 cookie 值都是 ASCII;非 ASCII 字符说明复制有误)"
    if kind == "token" and ";" in value:
        return "不能包含分号"
    return ""
