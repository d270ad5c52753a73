"""The site address (``--api-base``): one strict parse that decides where requests go.

The allow-list check and the connection must never read one address two ways
(``http://0.0.0.0:1\\@127.0.0.1`` is ``127.0.0.1`` to ``urlsplit`` and
``0.0.0.0`` to urllib3).  So only a small, unambiguous grammar is accepted:

    http(s)://host[:port][/path-prefix]

where ``host`` is a DNS name or IPv4 address made of ``[A-Za-z0-9.-]`` or a
bracketed IPv6 literal, ``port`` is 1–65535 and the prefix uses unreserved
characters only.  User-info (``@``), backslashes, whitespace, control and
non-ASCII characters, percent signs, queries and fragments are refused; every
accepted address is returned in one canonical form (lower-case scheme and
host, no trailing slash) that every URL parser reads the same way.

Pure (stdlib ``ipaddress`` and ``re`` only); on the fast path.
"""

from __future__ import annotations

import ipaddress
import re

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*\.?$")
_PREFIX = re.compile(r"^(?:/[A-Za-z0-9._~-]*)*$")
_PORT = re.compile(r"^[0-9]{1,5}$")


class BadSite(ValueError):
    """The address is not acceptable; ``reason`` is a Chinese explanation."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Site:
    """A parsed, canonical site address."""

    __slots__ = ("scheme", "host", "port", "prefix")

    def __init__(self, scheme: str, host: str, port: int | None, prefix: str) -> None:
        self.scheme = scheme
        self.host = host  # lower case; an IPv6 literal without its brackets
        self.port = port
        self.prefix = prefix

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.netloc}"

    def __str__(self) -> str:
        return self.origin + self.prefix

    @property
    def is_loopback(self) -> bool:
        host = self.host
        if host == "localhost" or host.endswith(".localhost"):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    @property
    def credentials_allowed(self) -> bool:
        """joinquant.com (and its subdomains) over https, or a loopback address (any scheme)."""
        if self.is_loopback:
            return True
        host = self.host
        return self.scheme == "https" and (host == "joinquant.com" or host.endswith(".joinquant.com"))


def parse_site(text: str) -> Site:
    """The canonical ``Site`` of ``text``, or ``BadSite`` saying what is wrong with it."""
    if not isinstance(text, str):
        raise BadSite("应为字符串")
    url = text.strip()
    for ch in url:
        if ord(ch) < 0x21 or ord(ch) == 0x7F:
            raise BadSite("不能包含空白或控制字符")
        if ord(ch) > 0x7E:
            raise BadSite("只能包含 ASCII 字符(国际化域名请写成 punycode 形式 xn--…)")
    if "\\" in url:
        raise BadSite("不能包含反斜杠 \\")
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in ("http", "https"):
        raise BadSite("应以 http:// 或 https:// 开头")
    if "@" in rest:
        raise BadSite("不能包含用户信息(@)")
    if "?" in rest or "#" in rest:
        raise BadSite("不能包含查询串(?)或片段(#)")
    if "%" in rest:
        raise BadSite("不能包含百分号编码(%)")
    slash = rest.find("/")
    authority, prefix = (rest, "") if slash < 0 else (rest[:slash], rest[slash:])
    if not authority:
        raise BadSite("缺少主机名")
    host, port = _split_authority(authority)
    prefix = prefix.rstrip("/")
    if not _PREFIX.match(prefix) or "/../" in prefix + "/" or "/./" in prefix + "/":
        raise BadSite("路径前缀只能包含字母、数字和 . _ ~ -")
    return Site(scheme, host, port, prefix)


def _split_authority(authority: str) -> tuple[str, int | None]:
    port_text = ""
    if authority.startswith("["):
        end = authority.find("]")
        if end < 0:
            raise BadSite("IPv6 地址缺少右方括号 ]")
        literal, tail = authority[1:end], authority[end + 1 :]
        if tail and not tail.startswith(":"):
            raise BadSite("IPv6 地址的方括号后只能是 :端口")
        port_text = tail[1:] if tail else ""
        if tail == ":":
            raise BadSite("端口为空")
        try:
            address = ipaddress.IPv6Address(literal)
        except ValueError:
            raise BadSite(f"不是有效的 IPv6 地址: {literal!r}") from None
        host = address.compressed
    else:
        if "[" in authority or "]" in authority:
            raise BadSite("方括号只能用于 IPv6 地址")
        host, colon, port_text = authority.partition(":")
        if colon and not port_text:
            raise BadSite("端口为空")
        if not host or not _HOSTNAME.match(host):
            raise BadSite(f"不是有效的主机名: {host!r}")
        host = host.lower()
    if not port_text:
        return host, None
    if not _PORT.match(port_text) or not 1 <= int(port_text) <= 65535:
        raise BadSite(f"端口应为 1–65535 的整数,收到 {port_text!r}")
    return host, int(port_text)
