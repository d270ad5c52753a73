"""The per-run supervisor: ``python -m jqcli.adapters.sandbox.site.supervise RUN_DIR``.

The site (``runner``) never runs a strategy itself.  It starts this small
process in a new session (so it and everything it starts form one process
group the site can kill), and the supervisor starts the engine child
(``jqcli.adapters.sandbox.site.engine.child``) with the job from ``RUN_DIR/job.json``
on its stdin and soft memory/CPU limits, then waits for it with the run's
wall-clock limit.  Whatever happens, ``RUN_DIR/result.json`` exists when the
supervisor ends:

- the child wrote it: left as is;
- the wall-clock limit passed: the child is killed (SIGKILL) and the run is
  failed with ``回测超时：超过 N 秒`` (also appended to the user log);
- the child died without it (a crash, a signal, the memory limit): the run is
  failed with ``回测进程异常退出`` and the end of the child's stderr.

Because the limit lives here and not in the site, a run started by a short-lived
``jqcli --sandbox`` command stays bounded after that command has exited.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Callable, Dict, List, Optional, Tuple

CHILD_MODULE = "jqcli.adapters.sandbox.site.engine.child"
TIMEOUT_TEXT = "回测超时：超过 {seconds} 秒"
CRASH_TEXT = "回测进程异常退出"
MEMORY_TEXT = "回测内存超出限制：超过 {mb} MB"


def write_json_atomic(path: str, data: Dict[str, object]) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
    os.replace(tmp, path)


def complete_events(events_path: str) -> List[Dict[str, object]]:
    """The events of ``events.ndjson`` whose line is complete (a killed writer may leave half a line)."""
    out: List[Dict[str, object]] = []
    try:
        with open(events_path, "rb") as fh:
            data = fh.read()
    except OSError:
        return out
    for raw in data.split(b"\n")[:-1]:
        if not raw.strip():
            continue
        try:
            event = json.loads(raw)
        except ValueError:
            continue  # a partial line followed by a newline someone appended after a kill
        if isinstance(event, dict):
            out.append(event)
    return out


def progress_of(events: List[Dict[str, object]]) -> Tuple[int, str]:
    """(days simulated, date of the last simulated day or "")."""
    days, date = 0, ""
    for event in events:
        if event.get("e") == "day":
            days += 1
            date = str(event.get("date") or date)
        elif event.get("e") == "progress" and not date:
            date = str(event.get("date") or "")
    return days, date


def append_log(events_path: str, level: str, msg: str, when: str) -> None:
    """Append one log event, first ending a partial last line the killed child may have left."""
    with open(events_path, "ab+") as fh:
        fh.seek(0, os.SEEK_END)
        if fh.tell() > 0:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) != b"\n":
                fh.write(b"\n")
        event = {"e": "log", "time": when, "level": level, "msg": msg}
        fh.write(json.dumps(event, ensure_ascii=False).encode("utf-8") + b"\n")


def failure(message: str, exception: str, when: str, days_done: int) -> Dict[str, object]:
    return {
        "status": "failed",
        "stats": {},
        "risk": {},
        "error": {"traceback": message, "exception": exception, "phase": "run", "time": when},
        "days_done": days_done,
    }


def _limits(memory_mb: int, cpu_seconds: int) -> Callable[[], None]:
    def apply() -> None:
        import resource

        if memory_mb > 0:
            _, hard = resource.getrlimit(resource.RLIMIT_AS)
            soft = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (soft if hard < 0 or soft <= hard else hard, hard))
        if cpu_seconds > 0:
            _, hard = resource.getrlimit(resource.RLIMIT_CPU)
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds if hard < 0 else min(cpu_seconds, hard), hard))

    return apply


def supervise(run_dir: str, argv: Optional[List[str]] = None) -> int:
    with open(os.path.join(run_dir, "job.json"), encoding="utf-8") as fh:
        job = json.load(fh)
    timeout = float(job.get("timeout_seconds") or 120)
    events = os.path.join(run_dir, "events.ndjson")
    result = os.path.join(run_dir, "result.json")
    command = argv or job.get("command") or [sys.executable, "-m", CHILD_MODULE]
    with open(os.path.join(run_dir, "engine.stderr"), "wb") as err:
        child = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=run_dir,
            preexec_fn=_limits(int(job.get("memory_mb") or 0), int(job.get("cpu_seconds") or 0)),  # noqa: PLW1509
        )
        with open(os.path.join(run_dir, "child.pid"), "w", encoding="utf-8") as fh:
            fh.write(str(child.pid))
        payload = {k: v for k, v in job.items() if k not in ("command", "timeout_seconds")}
        assert child.stdin is not None
        try:
            child.stdin.write(json.dumps(payload, ensure_ascii=False).encode("utf-8"))
            child.stdin.close()
        except BrokenPipeError:
            pass  # the child died at once; its exit status below says how
        try:
            code = child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            code = None
    if os.path.exists(result):
        return 0
    days_done, when = progress_of(complete_events(events))
    stamp = f"{when} 15:00:00" if when else time.strftime("%Y-%m-%d %H:%M:%S")
    if code is None:
        message = TIMEOUT_TEXT.format(seconds=int(timeout) if timeout == int(timeout) else timeout)
        exception = "TimeoutError"
    else:
        message, exception = _crash_text(run_dir, code, int(job.get("memory_mb") or 0))
    append_log(events, "ERROR", message, stamp)
    write_json_atomic(result, failure(message, exception, stamp, days_done))
    return 0


def _crash_text(run_dir: str, code: int, memory_mb: int) -> Tuple[str, str]:
    try:
        with open(os.path.join(run_dir, "engine.stderr"), "rb") as fh:
            tail = fh.read()[-2000:].decode("utf-8", "replace").strip()
    except OSError:
        tail = ""
    if "MemoryError" in tail and memory_mb:
        return MEMORY_TEXT.format(mb=memory_mb), "MemoryError"
    how = f"被信号 {signal.Signals(-code).name} 终止" if code < 0 else f"退出码 {code}"
    lines = [f"{CRASH_TEXT}({how})"]
    if tail:
        lines.append(tail.splitlines()[-1])
    return "\n".join(lines), "ProcessError"


def main() -> int:
    if len(sys.argv) != 2:
        sys.stderr.write("usage: python -m jqcli.adapters.sandbox.site.supervise RUN_DIR\n")
        return 2
    return supervise(sys.argv[1])


if __name__ == "__main__":
    sys.exit(main())
