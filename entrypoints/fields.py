"""``--fields a,b.c``: keep only the named keys of a command's JSON (lean output for agents).

Rules (README, "让输出保持精简"):

* A field is a dot path of keys: ``metrics.sharpe`` keeps ``{"metrics": {"sharpe": …}}``.  Several fields
  merge into one object in the order of the data.
* A list met on the way is mapped: the rest of the path applies to each element (``items.name``).
* The main list: when the JSON is a list, or an object with an ``items`` list whose first key is not a
  key of the object itself, the path applies to each item (``strategy ls --fields id,name``); the
  output keeps the ``items`` envelope.
* A field that stops at an empty value (``metrics.sharpe`` when a failed run has ``"metrics": {}``, or
  ``null``) keeps that empty value.
* A field found nowhere else is a usage error that lists the valid fields; the command itself has already
  run, so the error says so and carries the whole output in ``details.output`` (a write is never lost).
* NDJSON streams: the fields apply to each event's ``item`` (the ``type`` is kept, ``done``/``error``
  events pass unchanged), checked against the first item.
* Errors are never filtered: their shape stays the spec's.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Dict, Iterable, List, Optional, Tuple

if TYPE_CHECKING:
    from jqcli.entrypoints.render import Table

from jqcli.domain.errors import UsageError

# the option and the environment live in ``fields_option`` (every command line reads them): re-exported
from jqcli.entrypoints.fields_option import FORMATS as FORMATS
from jqcli.entrypoints.fields_option import env_format as env_format
from jqcli.entrypoints.fields_option import fields_argument as fields_argument
from jqcli.entrypoints.fields_option import format_given as format_given

Path = Tuple[str, ...]
Trie = Dict[str, Optional["Trie"]]
MAX_LISTED = 300
_SEGMENT = re.compile(r"^[^\s.,]+$")


def parse_fields(text: str) -> List[Path]:
    """``"a,b.c"`` → ``[("a",), ("b", "c")]``; an empty or malformed list is a usage error."""
    paths: List[Path] = []
    for raw in text.split(","):
        field = raw.strip()
        segments = tuple(field.split("."))
        if not field or not all(_SEGMENT.match(s) for s in segments):
            raise UsageError(
                f"--fields 的取值无效: {text!r}(应为逗号分隔的字段名,嵌套字段用点号,如 id,status,metrics.sharpe)",
                details={"fields": text},
            )
        if segments not in paths:
            paths.append(segments)
    return paths


def select(data: object, paths: List[Path]) -> object:
    """``data`` reduced to ``paths`` (see the module rules); an unknown path is a usage error."""
    resolved = [_main_list_path(data, p) for p in paths]
    unknown = [".".join(p) for p, r in zip(paths, resolved) if not _exists(data, r)]
    if unknown:
        raise _unknown(unknown, data)
    return _project(data, _trie(resolved))


def select_item_event(event: object, paths: List[Path], *, strict: bool) -> object:
    """One NDJSON event: the fields apply to its ``item``; ``strict`` checks them (the first item)."""
    if not isinstance(event, dict) or "item" not in event:
        return event
    item = event["item"]
    if strict:
        unknown = [".".join(p) for p in paths if not _exists(item, p)]
        if unknown:
            raise _unknown(unknown, item)
    return {**event, "item": _project(item, _trie(paths))}


def valid_fields(data: object) -> List[str]:
    """Every dot path that ``--fields`` accepts for ``data`` (lists: the union over their elements)."""
    found: Dict[str, None] = {}
    _collect(data, (), found, depth=0)
    items = data.get("items") if isinstance(data, dict) else None
    if isinstance(items, list):
        for element in items[:100]:
            _collect(element, (), found, depth=0)
    return list(found)


def _unknown(unknown: List[str], data: object) -> UsageError:
    valid = valid_fields(data)
    shown = valid[:MAX_LISTED]
    return UsageError(
        f"--fields 中有未知字段: {', '.join(unknown)}(命令已经执行;完整输出见 details.output,不要重试写操作)",
        details={"unknown": unknown, "valid_fields": shown, "truncated": len(valid) > len(shown), "output": data},
        hint="从 details.valid_fields 中选择字段",
    )


def _main_list_path(data: object, path: Path) -> Path:
    items = data.get("items") if isinstance(data, dict) and path[0] not in data else None
    if isinstance(items, list) and _exists(items, path):
        return ("items", *path)
    return path


def _exists(value: object, path: Path) -> bool:
    """``path`` is found in ``value``, or stops at an empty value (``metrics.sharpe`` of a failed run's
    ``"metrics": {}``): only a key that is absent where keys are present is unknown."""
    if not path or value is None or (isinstance(value, (dict, list)) and not value):
        return True
    if isinstance(value, dict):
        return path[0] in value and _exists(value[path[0]], path[1:])
    if isinstance(value, list):
        return any(_exists(element, path) for element in value)
    return False


def _trie(paths: Iterable[Path]) -> Trie:
    """Paths as a tree; ``None`` marks a key kept whole (a shorter path wins over a longer one)."""
    root: Trie = {}
    for path in paths:
        node = root
        for segment in path[:-1]:
            child = node.setdefault(segment, {})
            if child is None:
                break  # the whole value is already kept
            node = child
        else:
            node[path[-1]] = None
    return root


def _project(value: object, trie: Optional[Trie]) -> object:
    if trie is None:
        return value
    if isinstance(value, list):
        return [_project(element, trie) for element in value]
    if isinstance(value, dict):
        return {key: _project(item, trie[key]) for key, item in value.items() if key in trie}
    return value


def _collect(value: object, prefix: Path, found: Dict[str, None], *, depth: int) -> None:
    if depth > 4 or len(found) > 10 * MAX_LISTED:
        return
    if isinstance(value, list):
        for element in value[:100]:
            _collect(element, prefix, found, depth=depth)
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if not isinstance(key, str) or "." in key:
            continue
        path = (*prefix, key)
        found.setdefault(".".join(path), None)
        _collect(item, path, found, depth=depth + 1)


def fields_table(data: object) -> Optional[Table]:
    """The table view of a selection: the items as rows when only ``items`` is left, else ``None``."""
    from jqcli.entrypoints.render import Table

    rows = data.get("items") if isinstance(data, dict) and list(data) == ["items"] else None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        return None
    keys = list(dict.fromkeys(key for row in rows for key in row))
    return Table([(key, key) for key in keys], rows, footer=f"共 {len(rows)} 项")
