"""What the user sees when a strategy fails: JoinQuant-style tracebacks and "not emulated" errors."""

from __future__ import annotations

import linecache
import traceback
from typing import Any, List, Optional, Tuple

USER_FILE = "/tmp/strategy/user_code.py"  # the path the site's frames show (protocol.md §9.1)
COMPILE_FILE = "user_code.py"  # the path the site's compile errors show (protocol.md §9.1)


class NotEmulatedError(Exception):
    """A JoinQuant API, option or module the sandbox does not emulate."""


NotEmulatedError.__module__ = "sandbox"


def not_emulated(what: str) -> NotEmulatedError:
    return NotEmulatedError(f"沙盒不模拟聚宽的 {what}：沙盒只实现 README 列出的 API 子集，无法在本地运行这个调用")


def register_source(code: str) -> None:
    """Let tracebacks print the uploaded source lines."""
    lines = code.splitlines(True)
    linecache.cache[USER_FILE] = (len(code), None, lines, USER_FILE)


def compile_error_text(exc: SyntaxError) -> List[str]:
    """The compile error as Python prints it for a script: location, source line, caret, message."""
    exc.filename = COMPILE_FILE
    text = "".join(traceback.format_exception_only(type(exc), exc))
    return text.rstrip("\n").split("\n")


def user_traceback(exc: BaseException) -> str:
    """The traceback with only the user's frames (``File "/tmp/strategy/user_code.py", line N, in func``)."""
    parts: List[str] = []
    seen = set()
    chain: List[Tuple[Any, ...]] = []
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:  # oldest cause first, as Python prints them
        seen.add(id(current))
        cause = current.__cause__
        context = None if current.__suppress_context__ else current.__context__
        chain.append((current, cause is not None))
        current = cause if cause is not None else context
    for i, (item, by_cause) in enumerate(reversed(chain)):
        if i:
            parts.append(
                "\nThe above exception was the direct cause of the following exception:\n\n"
                if by_cause
                else "\nDuring handling of the above exception, another exception occurred:\n\n"
            )
        frames = [f for f in traceback.extract_tb(item.__traceback__) if f.filename == USER_FILE]
        if frames:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_list(frames))
        parts.extend(traceback.format_exception_only(type(item), item))
    return "".join(parts).rstrip("\n")


def exception_line(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip().split("\n")[-1]


def deepest_user_frame(exc: BaseException) -> Optional[traceback.FrameSummary]:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == USER_FILE]
    return frames[-1] if frames else None
