"""The engine's output files: ``events.ndjson`` (append-only) and ``result.json`` (atomic)."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List

EVENTS = "events.ndjson"
RESULT = "result.json"


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def clean(value: Any) -> Any:
    """JSON-safe numbers: NaN and infinities become None, numpy scalars plain Python."""
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return clean(value.item())
    return value


class Sink:
    """Appends one JSON object per line; ``flush`` makes the lines visible to readers (once per day at least).

    A reader must ignore a last line without its newline: a child killed mid-write leaves one.
    """

    def __init__(self, out_dir: str) -> None:
        os.makedirs(out_dir, exist_ok=True)
        self.out_dir = out_dir
        self._fh = open(os.path.join(out_dir, EVENTS), "a", encoding="utf-8")  # noqa: SIM115 - lives for the run
        self._buffer: List[str] = []

    def emit(self, event: Dict[str, Any]) -> None:
        try:
            line = dumps(event)
        except (TypeError, ValueError):  # numpy scalars, NaN: the slow, careful way
            line = dumps(clean(event))
        self._buffer.append(line + "\n")

    def flush(self) -> None:
        if self._buffer:
            self._fh.write("".join(self._buffer))
            self._buffer = []
        self._fh.flush()

    def close(self) -> None:
        self.flush()
        self._fh.close()

    def result(self, result: Dict[str, Any]) -> None:
        self.flush()
        path = os.path.join(self.out_dir, RESULT)
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(dumps(clean(result)))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
