"""Output: JSON for machines, aligned tables for people, errors in the spec's shape.

Column widths are display widths (CJK characters take two columns), computed
with ``unicodedata`` so that rendering a table costs no extra import.  Tables fit
the terminal's width (``COLUMNS``, else the terminal, else 120 columns when the
output is not a terminal): list tables truncate their widest cells with an
ellipsis; field/value tables wrap the value, so that nothing (error logs, post
bodies) is lost.
"""

from __future__ import annotations

import json
import os
import unicodedata
from typing import Any, Mapping, Optional

DEFAULT_WIDTH = 120  # output that is not a terminal (files, pipes) and no COLUMNS
MIN_WIDTH = 40
# C0 controls but tab and newline, DEL and C1 controls: ESC/CSI/OSC sequences in a post title, a
# strategy name, a log line or a site message would otherwise drive the user's terminal
_CONTROLS = {code: "\ufffd" for code in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))}


def terminal_safe(text: str) -> str:
    """``text`` for people: each control character shown as one U+FFFD (same width, so tables stay aligned)."""
    return text if text.isprintable() else text.translate(_CONTROLS)


class Table:
    """A table view of a result: ``columns`` are ``(key, header)`` pairs.

    ``wrap``: the last column is wrapped to the width left by the others (field/value views)
    instead of truncated; its strings keep their line breaks and lists show one item a line.
    ``preamble``: text shown above the table (e.g. a post's body), wrapped to the width.
    """

    __slots__ = ("columns", "rows", "footer", "wrap", "preamble")

    def __init__(
        self,
        columns: list[tuple[str, str]],
        rows: list[dict[str, Any]],
        footer: str = "",
        *,
        wrap: bool = False,
        preamble: str = "",
    ) -> None:
        self.columns = columns
        self.rows = rows
        self.footer = footer
        self.wrap = wrap
        self.preamble = preamble


class Result:
    """What a command handler returns: the JSON data and, optionally, its table view.

    ``exit_status``: the process exit status after the output is printed (0; 9 for ``--exit-status``
    when the run ended failed or cancelled; ``backtest cancel`` gives 10 for a cancel the site
    accepted but that was not seen to stop the run).
    """

    __slots__ = ("data", "table", "exit_status")

    def __init__(self, data: object, table: Table | None = None, *, exit_status: int = 0) -> None:
        self.data = data
        self.table = table
        self.exit_status = exit_status


def terminal_width(stream: Any, environ: Optional[Mapping[str, str]] = None) -> int:
    """Columns to fit: ``COLUMNS``, else the terminal behind ``stream``, else ``DEFAULT_WIDTH``.

    The rules of ``shutil.get_terminal_size``, applied to the given stream and environment.
    """
    columns = (environ if environ is not None else os.environ).get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(MIN_WIDTH, int(columns))
    try:
        if stream.isatty():
            return max(MIN_WIDTH, os.get_terminal_size(stream.fileno()).columns)
    except (AttributeError, ValueError, OSError):
        return DEFAULT_WIDTH
    return DEFAULT_WIDTH


def dump_json(data: object, *, compact: bool = False) -> str:
    """UTF-8 JSON, not ASCII-escaped (indent 2, or one line for NDJSON)."""
    if compact:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(data, ensure_ascii=False, indent=2)


def char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(char_width(ch) for ch in text)


def truncate(text: str, width: int) -> str:
    """Cut ``text`` to at most ``width`` columns, marking the cut with …."""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = char_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return " ".join(str(value).split())


def cell_lines(value: object) -> list[str]:
    """A wrapped cell's lines: strings keep their line breaks, a list of scalars is one item a line."""
    if isinstance(value, str):
        return [line.rstrip().expandtabs(4) for line in value.splitlines()] or [""]
    if isinstance(value, (list, tuple)) and all(not isinstance(v, (dict, list)) for v in value):
        lines = [line for v in value for line in (cell_lines(v) if isinstance(v, str) else [cell_text(v)])]
        return lines or [""]
    return [cell_text(value)]


def wrap_line(text: str, width: int) -> list[str]:
    """Split one line into pieces of at most ``width`` columns, at a space when one is near."""
    width = max(2, width)
    if display_width(text) <= width:
        return [text]
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for ch in text:
        w = char_width(ch)
        if used + w > width and current:
            cut = "".join(current)
            space = cut.rfind(" ")
            if space > len(cut) // 2:
                pieces.append(cut[:space])
                current = list(cut[space + 1 :])
            else:
                pieces.append(cut)
                current = []
            used = display_width("".join(current))
        current.append(ch)
        used += w
    pieces.append("".join(current))
    return pieces


def _fit(widths: list[int], floors: list[int], available: int) -> list[int]:
    """Narrow the widest columns (never below their floor) until the row fits ``available``."""
    widths = list(widths)
    while sum(widths) > available:
        candidates = [i for i, w in enumerate(widths) if w > floors[i]]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i])
        runner_up = max((widths[i] for i in candidates if i != widest), default=floors[widest])
        excess = sum(widths) - available
        widths[widest] = max(floors[widest], runner_up, widths[widest] - excess, 0)
        if widths[widest] == runner_up and runner_up > floors[widest] and excess > 0:
            widths[widest] = max(floors[widest], widths[widest] - 1)  # equal widths: take turns
    return widths


def render_table(table: Table, *, width: int = DEFAULT_WIDTH) -> str:
    """Aligned columns that fit ``width``: cells truncated with …, or the last column wrapped (``wrap``)."""
    headers = [header for _, header in table.columns]
    last = len(table.columns) - 1
    body = [
        [
            cell_lines(row.get(key)) if table.wrap and index == last else [cell_text(row.get(key))]
            for index, (key, _) in enumerate(table.columns)
        ]
        for row in table.rows
    ]
    natural = [display_width(h) for h in headers]
    for cells in body:
        natural = [max(w, *(display_width(line) for line in c)) for w, c in zip(natural, cells)]
    available = max(len(headers), width - 2 * last)
    if table.wrap:
        widths = list(natural)
        widths[last] = max(min(natural[last], available - sum(natural[:last])), 20)
    else:
        floors = [min(w, max(display_width(h), 6)) for w, h in zip(natural, headers)]
        widths = _fit(natural, floors, available)
    lines = [piece for line in table.preamble.splitlines() for piece in wrap_line(line.rstrip(), width)]
    lines.append("  ".join(pad(h, w) for h, w in zip(headers, widths)).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    for cells in body:
        columns = []
        for index, (cell, w) in enumerate(zip(cells, widths)):
            if table.wrap and index == last:
                columns.append([piece for line in cell for piece in wrap_line(line, w)])
            else:
                columns.append([truncate(cell[0], w)])
        for depth in range(max(len(c) for c in columns)):
            parts = [pad(c[depth] if depth < len(c) else "", w) for c, w in zip(columns, widths)]
            lines.append("  ".join(parts).rstrip())
    if table.footer:
        lines.append(table.footer)
    return "\n".join(lines)


def render_mapping(data: Mapping[str, Any], *, width: int = DEFAULT_WIDTH, indent: str = "") -> str:
    """Key/value lines for a single object; long and multi-line values wrapped to the width."""
    if not data:
        return ""
    key_width = max(display_width(str(key)) for key in data)
    room = max(20, width - len(indent) - key_width - 2)
    lines = []
    for key, value in data.items():
        if isinstance(value, str) and "\n" in value:
            lines.append(f"{indent}{pad(str(key), key_width)}  |")
            lines.extend(f"{indent}    {piece}" for line in value.splitlines() for piece in wrap_line(line, room))
            continue
        pieces = wrap_line(cell_text(value), room)
        lines.append(f"{indent}{pad(str(key), key_width)}  {pieces[0]}".rstrip())
        lines.extend(f"{indent}{' ' * key_width}  {piece}" for piece in pieces[1:])
    return "\n".join(lines)


def render_result(result: Result, fmt: str, *, width: int = DEFAULT_WIDTH) -> str:
    if fmt == "json":
        return dump_json(result.data)
    if result.table is not None:
        return terminal_safe(render_table(result.table, width=width))
    if isinstance(result.data, dict):
        return terminal_safe(render_mapping(result.data, width=width))
    return terminal_safe(cell_text(result.data))


def error_payload(code: str, message: str, details: dict[str, Any]) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


_HIDDEN_DETAILS = ("hint", "argparse")  # the hint is on the first line; argparse's English text is for JSON


def render_error(code: str, message: str, details: dict[str, Any], fmt: str, *, width: int = DEFAULT_WIDTH) -> str:
    """JSON, or for people: one line (message and hint), then the details readably."""
    if fmt == "json":
        return dump_json(error_payload(code, message, details))
    hint = details.get("hint")
    line = f"错误[{code}]: {message}"
    if hint:
        line += f"(提示: {hint})"
    return terminal_safe("\n".join([line, *_error_details(details, width)]))


def _error_details(details: dict[str, Any], width: int) -> list[str]:
    """Usage as argparse wrote it, commands and lists of records as tables, other details as fields."""
    lines: list[str] = []
    fields = {}
    for key, value in details.items():
        if key in _HIDDEN_DETAILS:
            continue
        if key == "usage" and isinstance(value, str):
            lines.extend(value.splitlines())
        elif key == "commands" and isinstance(value, dict):
            lines.append("命令:")
            lines.extend(render_mapping(value, width=width, indent="  ").splitlines())
        elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            keys = list(dict.fromkeys(k for item in value for k in item))
            lines.append(f"{key}:")
            table = render_table(Table([(k, k) for k in keys], value), width=width - 2)
            lines.extend("  " + row for row in table.splitlines())
        else:
            fields[key] = value
    if fields:
        lines[:0] = render_mapping(fields, width=width, indent="  ").splitlines()
    return lines
