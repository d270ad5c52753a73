"""Output: JSON for machines, aligned tables for people, errors in the spec's shape.

Column widths are display widths (CJK characters take two columns), computed
with ``unicodedata`` so that rendering a table costs no extra import.
"""

from __future__ import annotations

import json
import unicodedata


class Table:
    """A table view of a result: ``columns`` are ``(key, header)`` pairs."""

    __slots__ = ("columns", "rows", "footer")

    def __init__(self, columns: list[tuple[str, str]], rows: list[dict], footer: str = "") -> None:
        self.columns = columns
        self.rows = rows
        self.footer = footer


class Result:
    """What a command handler returns: the JSON data and, optionally, its table view."""

    __slots__ = ("data", "table")

    def __init__(self, data: object, table: Table | None = None) -> None:
        self.data = data
        self.table = table


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


def render_table(table: Table, *, max_cell: int = 48) -> str:
    headers = [header for _, header in table.columns]
    body = [[truncate(cell_text(row.get(key)), max_cell) for key, _ in table.columns] for row in table.rows]
    widths = [display_width(h) for h in headers]
    for cells in body:
        widths = [max(w, display_width(c)) for w, c in zip(widths, cells)]
    lines = ["  ".join(pad(h, w) for h, w in zip(headers, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(pad(c, w) for c, w in zip(cells, widths)).rstrip() for cells in body)
    if table.footer:
        lines.append(table.footer)
    return "\n".join(lines)


def render_mapping(data: dict) -> str:
    """Key/value lines for a single object (nested values as compact JSON)."""
    if not data:
        return ""
    width = max(display_width(str(key)) for key in data)
    lines = []
    for key, value in data.items():
        text = value if isinstance(value, str) else cell_text(value)
        if isinstance(value, str) and "\n" in value:
            lines.append(f"{pad(str(key), width)}  |")
            lines.extend("    " + line for line in value.splitlines())
            continue
        lines.append(f"{pad(str(key), width)}  {text}")
    return "\n".join(lines)


def render_result(result: Result, fmt: str) -> str:
    if fmt == "json":
        return dump_json(result.data)
    if result.table is not None:
        return render_table(result.table)
    if isinstance(result.data, dict):
        return render_mapping(result.data)
    return cell_text(result.data)


def error_payload(code: str, message: str, details: dict) -> dict:
    return {"error": {"code": code, "message": message, "details": details}}


def render_error(code: str, message: str, details: dict, fmt: str) -> str:
    if fmt == "json":
        return dump_json(error_payload(code, message, details))
    hint = details.get("hint")
    line = f"错误[{code}]: {message}"
    if hint:
        line += f"(提示: {hint})"
    return line
