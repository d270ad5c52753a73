"""What a finished run's error and user logs say, as a verdict an agent can act on (protocol.md §9.1).

The site gives a failed run's traceback as text: in the error log (``logArr``, one entry may hold a whole
multi-line traceback) and in the user log as ``YYYY-MM-DD HH:MM:SS - ERROR - Traceback …`` lines.  The
reader here takes the deepest frame of the user's code (``user_code.py``, whatever directory the site
runs it from), drops the platform's frames, keeps the exception's message verbatim (often Chinese), and
derives the phase: a syntax error without a function frame is ``compile``, an import error at module
level is ``import``, otherwise the function that failed (``initialize``, ``handle_data``, a scheduled
function …).  A finished run without errors is ``order_warnings`` when its user log carries the site's
order refusals, ``no_trades`` when it never traded, else ``ok``.
"""

from __future__ import annotations

import re
from typing import Iterable, List, Mapping, Optional, Sequence, Tuple

import attrs

from jqcli.domain.backtest import CANCELLED, DONE, FAILED

VERDICTS = (
    "ok",
    "compile_error",
    "import_error",
    "runtime_error",
    "order_warnings",
    "no_trades",
    "cancelled",
    "timeout",
)

_FRAME = re.compile(r'^\s*File "(?P<file>[^"]*)", line (?P<line>\d+)(?:, in (?P<func>\S+))?')
_USER_FILE = re.compile(r"(?:^|/)user_code\.py$")
# the site pads the level (``INFO  - ``, protocol.md §2.14)
_LOG_LINE = re.compile(r"^(?P<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) - (?P<level>[A-Z]+)\s+- (?P<text>.*)$")
# outside a traceback only names that look like exceptions count; inside one, any unindented line is the exception
_EXCEPTION = re.compile(r"^(?P<name>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Timeout)\w*)(?::\s?(?P<msg>.*))?$")
_ANY_EXCEPTION = re.compile(r"^(?P<name>[A-Za-z_][\w.]*)(?::\s?(?P<msg>.*))?$")
_CURRENT_DT = re.compile(r"current_dt=(\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}:\d{2})?)")
COMPILE_EXCEPTIONS = frozenset({"SyntaxError", "IndentationError", "TabError"})
IMPORT_EXCEPTIONS = frozenset({"ImportError", "ModuleNotFoundError"})
# The site's order refusals in the user log (protocol.md §9.1).
ORDER_WARNINGS = (
    "下单失败",
    "开仓数量不能小于",
    "平仓数量不能小于",
    "数量为 0",
    "停牌",
    "涨停",
    "跌停",
    "无法成交",
    "不能买入",
    "不能卖出",
)
# How a verdict reads for people (tables); the JSON carries the names above.
LABELS = {
    "ok": "正常结束",
    "compile_error": "编译错误",
    "import_error": "导入错误",
    "runtime_error": "运行时错误",
    "order_warnings": "正常结束,但有下单警告",
    "no_trades": "正常结束,但没有任何成交",
    "cancelled": "已取消",
    "timeout": "运行超时被终止",
}
_TIMEOUT_TEXT = re.compile(r"超时|超过.{0,12}(?:时间|秒|分钟)|time ?limit|timed? ?out", re.IGNORECASE)


@attrs.frozen
class Frame:
    """One frame of the user's code in a traceback."""

    file: str
    line: int
    func: str
    source_line: Optional[str] = None  # the text of ``line``, when the code is known


@attrs.frozen
class RunError:
    """One exception of a run, located in the user's code where possible."""

    phase: str
    exception: str
    message: str
    file: str = ""
    line: Optional[int] = None
    func: str = ""
    sim_time: str = ""
    frames: Tuple[Frame, ...] = ()
    source_line: Optional[str] = None  # the text of ``line`` in the local file, when one was given

    def at_local_file(self, path: str, code: str) -> RunError:
        """The same error named after the local file the code came from, with the text of its line."""
        if self.line is None:
            return self
        return self.with_source(code, path=path)

    def with_source(self, code: str, *, path: Optional[str] = None) -> RunError:
        """The error and its frames with the text of their lines in ``code`` (and named ``path`` when given)."""
        lines = code.lstrip("\ufeff").splitlines()

        def text(line: Optional[int]) -> Optional[str]:
            return lines[line - 1] if line is not None and 0 < line <= len(lines) else None

        frames = tuple(attrs.evolve(f, file=path or f.file, source_line=text(f.line)) for f in self.frames)
        file = (path or self.file) if self.line is not None else self.file  # an error with no line names no file
        return attrs.evolve(self, file=file, source_line=text(self.line), frames=frames)


@attrs.frozen
class Verdict:
    """The verdict of one run with its errors and the order warnings of its user log."""

    verdict: str
    errors: Tuple[RunError, ...] = ()
    warnings: int = 0
    warning_lines: Tuple[str, ...] = ()

    def at_local_file(self, path: str, code: str) -> Verdict:
        return attrs.evolve(self, errors=tuple(e.at_local_file(path, code) for e in self.errors))

    def with_source(self, code: str) -> Verdict:
        """The errors with the text of their lines in the code the run used (file names unchanged)."""
        return attrs.evolve(self, errors=tuple(e.with_source(code) for e in self.errors))

    @property
    def label(self) -> str:
        return LABELS.get(self.verdict, self.verdict)


def split_entries(entries: Iterable[str]) -> List[str]:
    """Log entries as single lines (one entry may hold a multi-line traceback, ``<br/>`` or ``\\n``)."""
    lines: List[str] = []
    for entry in entries:
        text = str(entry).replace("<br/>", "\n").replace("<br>", "\n").replace("\r\n", "\n")
        lines.extend(text.split("\n"))
    return lines


def parse_errors(entries: Iterable[str]) -> List[RunError]:
    """Every traceback (or bare exception line) in ``entries``, oldest first."""
    errors: List[RunError] = []
    frames: List[Frame] = []
    in_traceback = False
    sim_time = ""
    for raw in split_entries(entries):
        line, stamp = _strip_log_prefix(raw)
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("Traceback (most recent call last)"):
            frames, in_traceback, sim_time = [], True, stamp
            continue
        frame = _FRAME.match(line)
        if frame:
            if _USER_FILE.search(frame.group("file")):
                frames.append(Frame(frame.group("file"), int(frame.group("line")), frame.group("func") or ""))
            in_traceback = True
            continue
        if line[:1] in (" ", "\t") and in_traceback:
            continue  # a source line or a caret line
        exception = (_ANY_EXCEPTION if in_traceback else _EXCEPTION).match(stripped)
        if exception:
            errors.append(_error(exception.group("name"), exception.group("msg") or "", frames, sim_time or stamp))
            frames, in_traceback, sim_time = [], False, ""
    if frames:  # a traceback cut off before its exception line
        errors.append(_error("", "", frames, sim_time))
    return errors


def _strip_log_prefix(line: str) -> Tuple[str, str]:
    match = _LOG_LINE.match(line.strip())
    if match:
        return match.group("text"), match.group("time")
    return line, ""


def _error(name: str, message: str, frames: Sequence[Frame], stamp: str) -> RunError:
    short = name.rsplit(".", 1)[-1]
    deepest = frames[-1] if frames else None
    func = deepest.func if deepest is not None else ""
    if short in COMPILE_EXCEPTIONS and not func:
        phase = "compile"
    elif short in IMPORT_EXCEPTIONS and func in ("", "<module>"):
        phase = "import"
    elif func == "<module>":
        phase = "module"
    else:
        phase = func or "runtime"
    found_dt = _CURRENT_DT.search(message)
    return RunError(
        phase=phase,
        exception=name,
        message=message,
        file=deepest.file if deepest else "",
        line=deepest.line if deepest else None,
        func=func,
        sim_time=stamp or (found_dt.group(1) if found_dt else ""),
        frames=tuple(frames),
    )


def order_warning_lines(log_lines: Iterable[str]) -> List[str]:
    """The user-log lines that carry one of the site's order refusals."""
    return [line for line in log_lines if _is_warning(line) and any(text in line for text in ORDER_WARNINGS)]


def _is_warning(line: str) -> bool:
    match = _LOG_LINE.match(line.strip())
    return match is None or match.group("level") in ("WARNING", "WARN", "ERROR")


def judge(
    status: str,
    *,
    error_entries: Sequence[str] = (),
    log_lines: Sequence[str] = (),
    trades: Optional[int] = None,
    timed_out: bool = False,
) -> Verdict:
    """The verdict of a run from its status, its error log, its user log and its number of trades.

    ``trades`` is None when unknown (then ``no_trades`` is never concluded).  ``timed_out`` is for a run
    the site stopped for running too long.
    """
    errors = parse_errors(error_entries)
    logged = parse_errors(log_lines) if status == FAILED or errors else []
    if not errors and status == FAILED:
        errors = logged
    errors = [_timed(error, logged) for error in errors]
    warnings = order_warning_lines(log_lines)

    def verdict(kind: str) -> Verdict:
        return Verdict(kind, errors=tuple(errors), warnings=len(warnings), warning_lines=tuple(warnings[:20]))

    stopped = status in (FAILED, CANCELLED)
    if timed_out or (stopped and _mentions_timeout(error_entries) and not _has_exception(errors)):
        return verdict("timeout")
    if status == FAILED or (errors and status != DONE):
        phase = errors[-1].phase if errors else ""  # the last exception is the one that ended the run
        return verdict({"compile": "compile_error", "import": "import_error"}.get(phase, "runtime_error"))
    if status == CANCELLED:
        return verdict("cancelled")
    if warnings:
        return verdict("order_warnings")
    if trades == 0:
        return verdict("no_trades")
    return verdict("ok")


def _timed(error: RunError, logged: Sequence[RunError]) -> RunError:
    """An error-log exception without a time takes it from the same exception in the user log (its line's stamp).

    A compile error has none: the strategy never ran (the log line's stamp is the wall clock).
    """
    if error.phase == "compile":
        return attrs.evolve(error, sim_time="") if error.sim_time else error
    if error.sim_time:
        return error
    for other in reversed(logged):
        if other.sim_time and (other.exception, other.line, other.func) == (error.exception, error.line, error.func):
            return attrs.evolve(error, sim_time=other.sim_time)
    return error


def _mentions_timeout(entries: Sequence[str]) -> bool:
    return any(_TIMEOUT_TEXT.search(str(entry)) for entry in entries)


def _has_exception(errors: Sequence[RunError]) -> bool:
    return any(e.exception and "Timeout" not in e.exception for e in errors)


def trade_count(orders: Mapping[str, object]) -> Optional[int]:
    """Orders made, from a result page's ``orders`` (``buy``/``sell`` daily counts, sells negative)."""
    total, known = 0, False
    for side in ("buy", "sell"):
        series = orders.get(side)
        values = series.get("value") if isinstance(series, Mapping) else None
        if isinstance(values, list):
            known = True
            for value in values:
                try:
                    total += abs(int(float(value)))
                except (TypeError, ValueError):
                    continue
    return total if known else None
