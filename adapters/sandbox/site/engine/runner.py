"""One backtest job: compile the strategy, execute it day by day, write the outputs.

``run_job(job)`` does the whole run in the current process and returns the
result it also writes to ``out_dir/result.json``; ``child`` calls it in the
engine's own process.  See the package docstring for the job and the events,
and ``simulation`` for the simulated day.
"""

from __future__ import annotations

import gc
import sys
import time as clock
import traceback
import types
from datetime import datetime, time
from typing import Any, Dict, Mapping, Optional

from jqcli.adapters.sandbox.site.engine import api as A
from jqcli.adapters.sandbox.site.engine.errors import (
    USER_FILE,
    compile_error_text,
    exception_line,
    register_source,
    user_traceback,
)
from jqcli.adapters.sandbox.site.engine.events import Sink
from jqcli.adapters.sandbox.site.engine.simulation import (  # noqa: F401 - re-exported for tools and tests
    Engine,
    UserFailure,
    calendar_for,
    day_ms,
    market_for,
    weekdays_between,
)

EXTRA_TEXT = '沙盒回测引擎需要 numpy 和 pandas：请先安装 pip install "jqcli[sandbox]"'
JQ_MODULES = (
    "jqfactor",
    "jqlib",
    "jqfactor_analyzer",
    "kuanke",
    "jqboson",
    "jqtrade",
    "jqmt",
    "jqdatasdk",
    "jqresearch",
)


class JqFinder:
    """Import hook: JoinQuant-only modules the sandbox does not have fail the way the site's message reads."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.split(".")[0] in JQ_MODULES:
            raise ModuleNotFoundError(f"导入错误，未找到系统库或自定义库 {name}（沙盒不模拟这个聚宽模块）", name=name)
        return None


def _failed(
    error: Dict[str, Any],
    days_done: int,
    stats: Optional[Dict[str, object]] = None,
    risk: Optional[Mapping[str, object]] = None,
) -> Dict[str, Any]:
    return {"status": "failed", "stats": stats or {}, "risk": risk or {}, "error": error, "days_done": days_done}


def _error_event(sink: Sink, when: str, text: str) -> None:
    sink.emit({"e": "log", "time": when, "level": "ERROR", "msg": text})


def run_job(job: Dict[str, Any]) -> Dict[str, Any]:
    """Run one backtest job (see the package docstring); returns the result written to ``result.json``."""
    wall0, cpu0 = clock.perf_counter(), clock.process_time()
    sink = Sink(str(job["out_dir"]))
    try:
        return _run(job, sink, wall0, cpu0)
    finally:
        sink.close()


def _run(job: Dict[str, Any], sink: Sink, wall0: float, cpu0: float) -> Dict[str, Any]:
    code = str(job.get("code") or "")
    days = list(job.get("trade_days") or [])
    start_stamp = f"{(days[0] if days else str(job.get('start') or '1970-01-01'))[:10]} 00:00:00"
    if code.startswith("\ufeff"):
        code = code[1:]
    try:
        compiled = compile(code, USER_FILE, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        if isinstance(exc, SyntaxError):
            lines = compile_error_text(exc)
        else:
            lines = [f"SyntaxError: {exc}"]
        text = "\n".join(lines)
        _error_event(sink, start_stamp, text)
        result = _failed({"traceback": text, "exception": lines[-1], "phase": "compile", "time": start_stamp}, 0)
        sink.result(result)
        return result
    frequency = str(job.get("frequency") or "day")
    if frequency not in ("day", "minute"):
        text = f"沙盒不模拟 {frequency} 频率的回测：只支持 day（每天）和 minute（分钟）"
        _error_event(sink, start_stamp, text)
        result = _failed(
            {"traceback": text, "exception": "ValueError: " + text, "phase": "runtime", "time": start_stamp}, 0
        )
        sink.result(result)
        return result
    if not days:
        text = "回测区间内没有交易日"
        _error_event(sink, start_stamp, text)
        result = _failed(
            {"traceback": text, "exception": "ValueError: " + text, "phase": "runtime", "time": start_stamp}, 0
        )
        sink.result(result)
        return result
    try:
        import numpy  # noqa: F401
        import pandas  # noqa: F401
    except ImportError:
        _error_event(sink, start_stamp, EXTRA_TEXT)
        result = _failed(
            {
                "traceback": EXTRA_TEXT,
                "exception": "ModuleNotFoundError: " + EXTRA_TEXT,
                "phase": "runtime",
                "time": start_stamp,
            },
            0,
        )
        sink.result(result)
        return result
    engine = Engine(job, sink)
    register_source(code)
    module = types.ModuleType("user_code")
    module.__file__ = USER_FILE
    ns = A.namespace(engine)
    module.__dict__.update(ns)
    saved = {name: sys.modules.get(name) for name in ("user_code", "jqdata")}
    finder = JqFinder()
    sys.modules["user_code"] = module
    sys.modules["jqdata"] = A.jqdata_module(ns)
    sys.meta_path.insert(0, finder)
    try:
        try:
            engine.feed.set_time(engine.first_row, datetime.combine(engine.days[0], time(0, 0)))
            try:
                exec(compiled, module.__dict__)  # noqa: S102 - executing the strategy is the point
            except MemoryError:
                raise
            except (Exception, SystemExit) as exc:  # noqa: BLE001
                raise UserFailure(user_traceback(exc), exception_line(exc), engine.feed.now) from None
            engine.start(module)
            for k in range(len(engine.days)):
                engine.run_day(k)
        except UserFailure as failure:
            return _finish_failed(engine, sink, failure.text, failure.exception, failure.when, wall0, cpu0)
        except MemoryError:
            gc.collect()
            limit = job.get("memory_mb") or 0
            text = f"MemoryError: 回测内存超出限制{f'（{limit} MB）' if limit else ''}"
            return _finish_failed(engine, sink, text, "MemoryError", engine.feed.now, wall0, cpu0)
        except Exception as exc:  # noqa: BLE001 - the engine's own fault still ends the run with a result
            traceback.print_exc(file=sys.stderr)
            text = f"沙盒回测引擎内部错误：{type(exc).__name__}: {exc}"
            return _finish_failed(engine, sink, text, f"{type(exc).__name__}: {exc}", engine.feed.now, wall0, cpu0)
        result = {
            "status": "done",
            "stats": engine.stats(clock.perf_counter() - wall0, clock.process_time() - cpu0),
            "risk": engine.risk(),
            "error": None,
            "days_done": engine.days_done,
        }
        sink.result(result)
        return result
    finally:
        sys.meta_path.remove(finder)
        for name, mod in saved.items():
            if mod is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = mod


def _finish_failed(
    engine: Engine, sink: Sink, text: str, exception: str, when: datetime, wall0: float, cpu0: float
) -> Dict[str, Any]:
    stamp = when.strftime("%Y-%m-%d %H:%M:%S")
    _error_event(sink, stamp, text)
    error = {"traceback": text, "exception": exception, "phase": "runtime", "time": stamp}
    stats = engine.stats(clock.perf_counter() - wall0, clock.process_time() - cpu0) if engine.values else {}
    risk = engine.risk() if engine.values else {}
    result = _failed(error, engine.days_done, stats, risk)
    sink.result(result)
    return result
