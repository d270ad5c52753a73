"""Backtest processes: one supervisor + engine child per run, never inside the site's process.

Each run owns ``<state file>.runs/<internal id>/``: ``job.json`` (what the
engine gets), ``supervisor.pid`` (``<pid> <start tick>``), the engine's
``events.ndjson`` and finally ``result.json``.  The site reads only these
files, so a run started by one process (a ``jqcli --sandbox`` command) is read,
cancelled or found dead by any later one.

Process groups: the supervisor is started in a new session, so it and the
engine child form one process group whose id is the supervisor's pid.  Cancel
and server stop ``killpg`` that group with SIGKILL; the wall-clock limit is
enforced by the supervisor itself (see ``supervise``), so a detached run stays
bounded after the process that started it is gone.  A run whose supervisor has
disappeared without a ``result.json`` (killed from outside, machine reboot) is
failed with 「回测进程异常退出」 by the first reader that notices.

``detach`` (the embedded sandbox): runs survive the process that started them
and ``shutdown()`` leaves them alone.  Otherwise (``jqcli sandbox serve``, tests)
``shutdown()`` kills every run this process started and reaps it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Dict, List, Optional, Sequence, Tuple

from jqcli.adapters.sandbox.site.supervise import CRASH_TEXT, append_log, failure, write_json_atomic

SUPERVISOR = [sys.executable, "-m", "jqcli.adapters.sandbox.site.supervise"]
THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _start_tick(pid: int) -> Optional[str]:
    """Field 22 of /proc/<pid>/stat (start time in clock ticks): tells a live pid from a reused one."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()
    if fields and fields[0] == "Z":
        return None  # a zombie has finished; only its parent's wait is missing
    return fields[19] if len(fields) > 19 else None


def _pid_alive(pid: int, tick: str) -> bool:
    if os.path.isdir("/proc/self"):
        return tick != "" and _start_tick(pid) == tick
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Runner:
    def __init__(self, state_path: str, *, detach: bool = False, command: Optional[Sequence[str]] = None) -> None:
        self.root = os.path.abspath(state_path) + ".runs"
        self.detach = detach
        self.command = list(command) if command else None
        self._procs: Dict[int, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()

    def run_dir(self, bt_id: int) -> str:
        return os.path.join(self.root, str(int(bt_id)))

    def started(self, bt_id: int) -> bool:
        return os.path.exists(os.path.join(self.run_dir(bt_id), "job.json"))

    # -- starting ----------------------------------------------------------------------------------
    def start(self, bt_id: int, job: Dict[str, object], *, timeout: float) -> None:
        """Write the job and start its supervisor (a new session: its own process group)."""
        folder = self.run_dir(bt_id)
        os.makedirs(folder, exist_ok=True)
        spec = dict(job, out_dir=folder, timeout_seconds=timeout)
        if self.command:
            spec["command"] = self.command
        write_json_atomic(os.path.join(folder, "job.json"), spec)
        with open(os.path.join(folder, "supervisor.out"), "wb") as out:
            proc = subprocess.Popen(
                [*SUPERVISOR, folder],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, **THREAD_ENV},
                close_fds=True,
            )
        with open(os.path.join(folder, "supervisor.pid"), "w", encoding="ascii") as fh:
            fh.write(f"{proc.pid} {_start_tick(proc.pid) or ''}")
        with self._lock:
            self._procs[bt_id] = proc
        threading.Thread(target=self._reap, args=(bt_id, proc), daemon=True).start()

    def _reap(self, bt_id: int, proc: subprocess.Popen[bytes]) -> None:
        proc.wait()
        with self._lock:
            if self._procs.get(bt_id) is proc:
                del self._procs[bt_id]

    # -- reading -----------------------------------------------------------------------------------
    def result(self, bt_id: int) -> Optional[Dict[str, object]]:
        """``result.json`` once the run has ended (a lost run is failed here first), else ``None``."""
        folder = self.run_dir(bt_id)
        path = os.path.join(folder, "result.json")
        data = _read_json(path)
        if data is not None:
            return data
        if not os.path.exists(os.path.join(folder, "job.json")) or self.alive(bt_id):
            return None
        if not os.path.exists(os.path.join(folder, "supervisor.pid")) and not _stale(folder):
            return None  # being started right now: the pid file follows the job within milliseconds
        data = _read_json(path)  # it may have ended between the two looks
        if data is not None:
            return data
        if os.path.exists(os.path.join(folder, "cancelled")):
            return None
        events = os.path.join(folder, "events.ndjson")
        append_log(events, "ERROR", CRASH_TEXT, _now_text())
        write_json_atomic(path, failure(CRASH_TEXT, "ProcessError", _now_text(), 0))
        return _read_json(path)

    def alive(self, bt_id: int) -> bool:
        with self._lock:
            proc = self._procs.get(bt_id)
        if proc is not None:
            return proc.poll() is None
        pid, tick = self._pid_file(bt_id)
        return pid > 0 and _pid_alive(pid, tick)

    def _pid_file(self, bt_id: int) -> Tuple[int, str]:
        try:
            with open(os.path.join(self.run_dir(bt_id), "supervisor.pid"), encoding="ascii") as fh:
                parts = fh.read().split()
        except OSError:
            return 0, ""
        if not parts or not parts[0].isdigit():
            return 0, ""
        return int(parts[0]), parts[1] if len(parts) > 1 else ""

    def pids(self, bt_id: int) -> List[int]:
        """The supervisor's and the engine child's pids (tests check they are gone)."""
        out = [self._pid_file(bt_id)[0]]
        try:
            with open(os.path.join(self.run_dir(bt_id), "child.pid"), encoding="ascii") as fh:
                out.append(int(fh.read().strip() or 0))
        except (OSError, ValueError):
            pass  # the supervisor has not started the child yet
        return [p for p in out if p > 0]

    # -- stopping ----------------------------------------------------------------------------------
    def kill(self, bt_id: int, *, cancelled: bool = False) -> None:
        """SIGKILL the run's process group (supervisor + engine child) and reap it if it is ours."""
        folder = self.run_dir(bt_id)
        if cancelled and os.path.isdir(folder):
            with open(os.path.join(folder, "cancelled"), "w", encoding="ascii") as fh:
                fh.write("1")
        group = self.pids(bt_id)
        with self._lock:
            proc = self._procs.get(bt_id)
        if proc is not None:
            if proc.poll() is None:
                _killpg(proc.pid)
            proc.wait()
        else:
            pid, tick = self._pid_file(bt_id)
            if pid > 0 and _pid_alive(pid, tick):
                _killpg(pid)
        _wait_gone(group[1:], 5.0)  # SIGKILL is delivered asynchronously: return once the child is gone

    def wait(self, bt_id: int, timeout: float) -> bool:
        """Block until the run's supervisor has ended (True) or ``timeout`` passed (False)."""
        with self._lock:
            proc = self._procs.get(bt_id)
        if proc is None:  # another process's run: nothing to block on but the clock
            if self.alive(bt_id):
                time.sleep(min(timeout, 0.05))
            return not self.alive(bt_id)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def wait_all(self, timeout: float) -> bool:
        """Block until every run this process started has ended (tests); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            procs = list(self._procs.values())
        for proc in procs:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                return False
        return True

    def shutdown(self) -> None:
        """Kill and reap every run this process started, unless runs are detached."""
        if self.detach:
            return
        with self._lock:
            owned = dict(self._procs)
        children = [p for bt in owned for p in self.pids(bt)[1:]]
        for proc in owned.values():
            if proc.poll() is None:
                _killpg(proc.pid)
        for proc in owned.values():
            proc.wait()
        _wait_gone(children, 5.0)


def _running(pid: int) -> bool:
    """The pid exists and is not a zombie (an orphaned zombie waits for init, it runs nothing)."""
    if os.path.isdir("/proc/self"):
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
                text = fh.read()
        except OSError:
            return False
        return text[text.rfind(")") + 2 :][:1] != "Z"
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _wait_gone(pids: List[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while any(_running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.01)


def _stale(folder: str, seconds: float = 60.0) -> bool:
    """The job was written long ago (its starter died before it could record the supervisor's pid)."""
    try:
        return time.time() - os.path.getmtime(os.path.join(folder, "job.json")) > seconds
    except OSError:
        return False


def _killpg(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return  # already gone
    except PermissionError:
        return  # not ours (a reused pid in another session); nothing to kill


def _read_json(path: str) -> Optional[Dict[str, object]]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _now_text() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")
