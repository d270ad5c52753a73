"""A small ``.env`` reader.

python-dotenv would do, but importing it costs ~30 ms (logging, pathlib,
typing), half of the startup budget of ``jqcli auth status``; the format
jqcli needs is small: ``KEY=value``, ``export KEY=value``, single and double
quotes (multi-line allowed), ``#`` comments and ``${VAR}`` / ``${VAR:-default}``
expansion in unquoted and double-quoted values, as python-dotenv does.
"""

from __future__ import annotations

import re

_KEY = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.\-]*)\s*=\s*(.*)$", re.S)
_EXPAND = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "$": "$"}


class DotenvResult:
    """Parsed values plus the line numbers that could not be read."""

    __slots__ = ("values", "bad_lines")

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.bad_lines: list[int] = []


def parse_dotenv(text: str, environ: dict[str, str] | None = None) -> DotenvResult:
    """Parse ``.env`` text; ``environ`` (real variables) wins when expanding ``${VAR}``."""
    environ = environ or {}
    result = DotenvResult()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    index = 0
    while index < len(lines):
        lineno = index + 1
        line = lines[index].strip()
        index += 1
        if not line or line.startswith("#"):
            continue
        match = _KEY.match(line)
        if not match:
            result.bad_lines.append(lineno)
            continue
        key, raw = match.group(1), match.group(2)
        if raw[:1] in ("'", '"'):
            quote = raw[0]
            body = raw[1:]
            while not _closed(body, quote) and index < len(lines):
                body += "\n" + lines[index]
                index += 1
            if not _closed(body, quote):
                result.bad_lines.append(lineno)
                continue
            end = _closing_index(body, quote)
            value = body[:end]
            if quote == '"':
                value = _expand(_unescape(value), environ, result.values)
        else:
            value = re.split(r"\s+#", raw, maxsplit=1)[0].strip()
            value = _expand(value, environ, result.values)
        result.values[key] = value
    return result


def _closing_index(body: str, quote: str) -> int:
    i = 0
    while i < len(body):
        if body[i] == "\\" and quote == '"':
            i += 2
            continue
        if body[i] == quote:
            return i
        i += 1
    return -1


def _closed(body: str, quote: str) -> bool:
    return _closing_index(body, quote) >= 0


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), value)


def _expand(value: str, environ: dict[str, str], seen: dict[str, str]) -> str:
    if "${" not in value:
        return value

    def lookup(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        found = environ.get(name, seen.get(name))
        return found if found else (default or "")

    return _EXPAND.sub(lookup, value)
